import { getAbiItem, getAddress, toFunctionSelector, type Address, type Hex } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import type { CalldataReading } from './types.js';

export const SUBMIT_READINGS_SELECTOR = toFunctionSelector(getAbiItem({ abi: pythiaFleetAbi, name: 'submitReadings' }));

export type DecodeReadingsCalldataReturnType =
  | { ok: true; readings: CalldataReading[] }
  /** The contract reverts on this calldata; `index` names the batch item when one is to blame. */
  | { ok: false; index?: number; reason: string };

const WORD = 2n ** 256n;

/** EIP-55 forms of the devices seen lately: a batch names the same devices again and again. */
const checksums = new Map<bigint, Address>();
function checksummed(device: bigint): Address {
  let address = checksums.get(device);
  if (address === undefined) {
    if (checksums.size >= 100_000) checksums.clear();
    address = getAddress(`0x${device.toString(16).padStart(40, '0')}`);
    checksums.set(device, address);
  }
  return address;
}
const UINT64_MAX = 2n ** 64n - 1n;
const UINT32_MAX = 2n ** 32n - 1n;

/**
 * Decodes submitReadings(SignedReading[]) calldata exactly as the fleet contract reads it, so the
 * verifier sees the batch the contract saw and predicts its reverts: Solidity's checks of the array
 * head (offset and length inside the calldata), then the contract's own reading of each item
 * (offsets relative to the array, words past the end read as zeros) and its MalformedReading rule
 * (an address, sequence or timestamp with dirty high bits, a payload length over 2^32, or a payload
 * ending past the calldata) — docs/verify.md. viem's ABI decoder is not used: it ignores dirty bits.
 * Never allocates more than the calldata's size.
 */
export function decodeReadingsCalldata(input: Hex): DecodeReadingsCalldataReturnType {
  if (!/^0x(?:[0-9a-fA-F]{2})*$/.test(input)) return { ok: false, reason: 'calldata is not hex' };
  const hex = input.slice(2).toLowerCase();
  if (hex.slice(0, 8) !== SUBMIT_READINGS_SELECTOR.slice(2)) return { ok: false, reason: 'not a submitReadings call' };
  const size = BigInt(hex.length / 2);
  /** The 32-byte word at byte `at`, zeros past the end (calldataload). */
  const word = (at: bigint): bigint => {
    if (at >= size) return 0n;
    const start = Number(at) * 2;
    return BigInt(`0x${hex.slice(start, start + 64).padEnd(64, '0')}`);
  };
  const bytesAt = (at: bigint, length: number): Hex => {
    if (at >= size) return `0x${'00'.repeat(length)}`;
    const start = Number(at) * 2;
    return `0x${hex.slice(start, start + 2 * length).padEnd(2 * length, '0')}`;
  };
  const wordHex = (at: bigint): Hex => `0x${word(at).toString(16).padStart(64, '0')}`;
  // Solidity's ABI decoder for the one parameter (offsets relative to the arguments, after the selector).
  if (size - 4n < 32n) return { ok: false, reason: 'calldata shorter than the argument head' };
  const offset = word(4n);
  if (offset > UINT64_MAX) return { ok: false, reason: 'array offset out of range' };
  const arrayAt = 4n + offset;
  if (arrayAt + 31n >= size) return { ok: false, reason: 'array offset past the calldata' };
  const length = word(arrayAt);
  if (length > UINT64_MAX) return { ok: false, reason: 'array length out of range' };
  const base = arrayAt + 32n;
  if (base + length * 32n > size) return { ok: false, reason: 'array longer than the calldata' };

  const readings: CalldataReading[] = [];
  for (let i = 0n; i < length; i++) {
    const index = Number(i);
    const p = (base + word(base + 32n * i)) % WORD;
    const device = word(p);
    const sequence = word((p + 32n) % WORD);
    const timestamp = word((p + 64n) % WORD);
    const payloadAt = (p + word((p + 96n) % WORD)) % WORD;
    const payloadLength = word(payloadAt);
    const payloadOffset = (payloadAt + 32n) % WORD;
    if (device >> 160n !== 0n) return { ok: false, index, reason: `item ${index}: device has dirty high bits` };
    if (sequence > UINT64_MAX) return { ok: false, index, reason: `item ${index}: sequence over 64 bits` };
    if (timestamp > UINT64_MAX) return { ok: false, index, reason: `item ${index}: timestamp over 64 bits` };
    if (payloadLength > UINT32_MAX) return { ok: false, index, reason: `item ${index}: payload length over 2^32` };
    // Without wrapping around 2^256 (the contract's check wraps: a payload "ending" past 2^256 would pass
    // it, which the docs do not allow; such a batch is reported as a revert discrepancy).
    if (payloadOffset + payloadLength > size) return { ok: false, index, reason: `item ${index}: payload ends past the calldata` };
    readings.push({
      device: checksummed(device),
      sequence,
      timestamp,
      payload: bytesAt(payloadOffset, Number(payloadLength)),
      r: wordHex((p + 128n) % WORD),
      vs: wordHex((p + 160n) % WORD),
    });
  }
  return { ok: true, readings };
}
