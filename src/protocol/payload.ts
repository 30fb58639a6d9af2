import { bytesToHex, hexToBytes, type Hex } from 'viem';

/**
 * A reading's payload is its metric values, each a big-endian two's-complement int16 in the
 * fixed-point scale of the device class (see metrics.ts), in profile order. Constrained
 * devices (Cayenne LPP does the same) send 2 bytes per metric; the contract checks the size.
 */
export const INT16_MIN = -32768;
export const INT16_MAX = 32767;

/** Hard transport cap per payload, checked at the gateway (413); profiles set smaller limits. */
export const MAX_PAYLOAD_BYTES = 256;

export function encodeMetrics(values: readonly number[]): Hex {
  const out = new Uint8Array(values.length * 2);
  values.forEach((value, i) => {
    if (!Number.isInteger(value) || value < INT16_MIN || value > INT16_MAX) {
      throw new RangeError(`metric ${i} = ${value} is not an int16`);
    }
    const u = value & 0xffff;
    out[2 * i] = u >> 8;
    out[2 * i + 1] = u & 0xff;
  });
  return bytesToHex(out);
}

export function decodeMetrics(payload: Hex, count?: number): number[] {
  const bytes = hexToBytes(payload);
  const n = Math.min(count ?? Math.floor(bytes.length / 2), Math.floor(bytes.length / 2));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
    out.push(u >= 0x8000 ? u - 0x10000 : u);
  }
  return out;
}
