import { Tag } from 'cbor2';

/**
 * Core deterministic CBOR encoding (RFC 8949 §4.2.1) of the few shapes Pythia signs: integers
 * (number or bigint), byte and text strings, arrays, maps with integer keys, and tags. cbor2
 * encodes these at about 2,000 items per second — too slow for a gateway signing thousands of
 * answers per second — so this writer does the same bytes directly; `cbor.test.ts` checks it
 * against cbor2 on random values. Anything else is left to cbor2 (`undefined` is returned).
 */
export function writeDeterministic(value: unknown): Uint8Array | undefined {
  const out = new Writer();
  return out.item(value) ? out.bytes() : undefined;
}

const textEncoder = new TextEncoder();

class Writer {
  private buffer = new Uint8Array(256);
  private length = 0;

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }

  private head(major: number, n: number | bigint): void {
    const value = BigInt(n);
    this.reserve(9);
    const b = this.buffer;
    const m = major << 5;
    if (value < 24n) b[this.length++] = m | Number(value);
    else if (value < 0x100n) {
      b[this.length++] = m | 24;
      b[this.length++] = Number(value);
    } else if (value < 0x10000n) {
      b[this.length++] = m | 25;
      b[this.length++] = Number(value >> 8n);
      b[this.length++] = Number(value & 0xffn);
    } else if (value < 0x100000000n) {
      b[this.length++] = m | 26;
      for (let shift = 24n; shift >= 0n; shift -= 8n) b[this.length++] = Number((value >> shift) & 0xffn);
    } else {
      b[this.length++] = m | 27;
      for (let shift = 56n; shift >= 0n; shift -= 8n) b[this.length++] = Number((value >> shift) & 0xffn);
    }
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Writes one item; false for a value outside the supported shapes. */
  item(value: unknown): boolean {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) return false;
      return this.integer(BigInt(value));
    }
    if (typeof value === 'bigint') return this.integer(value);
    if (value instanceof Uint8Array) {
      if (value.constructor !== Uint8Array) return false; // a Buffer: cbor2 has its own rules for subclasses
      this.head(2, value.length);
      this.raw(value);
      return true;
    }
    if (typeof value === 'string') {
      const utf8 = textEncoder.encode(value);
      this.head(3, utf8.length);
      this.raw(utf8);
      return true;
    }
    if (Array.isArray(value)) {
      this.head(4, value.length);
      return value.every((v) => this.item(v));
    }
    if (value instanceof Map) {
      const keys = [...value.keys()];
      if (!keys.every((k) => typeof k === 'number' && Number.isSafeInteger(k))) return false;
      // Deterministic order is bytewise order of the encoded keys: non-negative integers first,
      // ascending, then negative integers by ascending magnitude.
      const sorted = (keys as number[]).sort((a, b) => (a >= 0 && b >= 0 ? a - b : a < 0 && b < 0 ? b - a : a >= 0 ? -1 : 1));
      this.head(5, sorted.length);
      return sorted.every((k) => this.integer(BigInt(k)) && this.item(value.get(k)));
    }
    if (value instanceof Tag) {
      this.head(6, Number(value.tag));
      return this.item(value.contents);
    }
    return false;
  }

  private integer(value: bigint): boolean {
    if (value >= 0n) {
      if (value > 0xffffffffffffffffn) return false;
      this.head(0, value);
    } else {
      if (-1n - value > 0xffffffffffffffffn) return false;
      this.head(1, -1n - value);
    }
    return true;
  }
}
