import { AttestationError, type AttestationErrorCode } from './errors.js';

/**
 * A cursor over a byte array that refuses every read past the end, so that a truncated or
 * lying length field becomes an AttestationError instead of an out-of-bounds read.
 */
export type ByteReader = {
  readonly offset: number;
  readonly remaining: number;
  bytes(length: number, what: string): Uint8Array;
  u16(what: string): number;
  u32(what: string): number;
};

export function createByteReader(data: Uint8Array, code: AttestationErrorCode = 'malformed_quote'): ByteReader {
  let offset = 0;
  const take = (length: number, what: string): Uint8Array => {
    if (!Number.isSafeInteger(length) || length < 0 || length > data.length - offset) {
      throw new AttestationError(code, `truncated at ${what}: need ${length} bytes at offset ${offset}, have ${data.length - offset}`);
    }
    const out = data.subarray(offset, offset + length);
    offset += length;
    return out;
  };
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    get offset() {
      return offset;
    },
    get remaining() {
      return data.length - offset;
    },
    bytes: take,
    u16: (what) => view(take(2, what)).getUint16(0, true),
    u32: (what) => view(take(4, what)).getUint32(0, true),
  };
}
