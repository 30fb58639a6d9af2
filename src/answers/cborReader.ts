import { Tag } from 'cbor2';

/** Why readDeterministic refused: malformed or not core deterministic. */
export class CborReadError extends Error {}

const UNSUPPORTED = Symbol('unsupported');
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Strict reader for the shapes cborWriter.ts writes (integers, byte and text strings, arrays,
 * integer-keyed maps, tags), returning what cbor2's decode returns for them (Map for maps,
 * number up to 2^53 − 1 and bigint above, Tag). It refuses indefinite lengths, non-preferred
 * lengths, unsorted or duplicate map keys and trailing bytes. cbor2 decodes about 16,000 small
 * items a second; a gateway reads one per question. Floats, simple values and anything else
 * return `undefined` so the caller can hand them to cbor2 (which refuses them by its options).
 */
export function readDeterministic(bytes: Uint8Array): { value: unknown } | undefined {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (value === UNSUPPORTED) return undefined;
  if (reader.offset !== bytes.length) throw new CborReadError(`${bytes.length - reader.offset} bytes after the CBOR item`);
  return { value };
}

const MAX_DEPTH = 16;

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private byte(): number {
    if (this.offset >= this.bytes.length) throw new CborReadError('truncated CBOR');
    return this.bytes[this.offset++]!;
  }

  /** The argument of a head, checked to be in its shortest form. */
  private argument(info: number): bigint {
    if (info < 24) return BigInt(info);
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0)
      throw new CborReadError(info === 31 ? 'indefinite length is not deterministic' : `reserved additional information ${info}`);
    let value = 0n;
    for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(this.byte());
    const floor = size === 1 ? 24n : 1n << BigInt(4 * size);
    if (value < floor) throw new CborReadError('integer or length not in its shortest form');
    return value;
  }

  private length(info: number): number {
    const n = this.argument(info);
    if (n > BigInt(this.bytes.length - this.offset)) throw new CborReadError('length runs past the end');
    return Number(n);
  }

  item(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new CborReadError('nested too deeply');
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
      case 1: {
        const n = this.argument(info);
        const value = major === 0 ? n : -1n - n;
        return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
      }
      case 2: {
        const n = this.length(info);
        const out = this.bytes.slice(this.offset, this.offset + n);
        this.offset += n;
        return out;
      }
      case 3: {
        const n = this.length(info);
        let text: string;
        try {
          text = textDecoder.decode(this.bytes.subarray(this.offset, this.offset + n));
        } catch {
          throw new CborReadError('text string is not valid UTF-8');
        }
        this.offset += n;
        return text;
      }
      case 4: {
        const n = this.length(info);
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const v = this.item(depth + 1);
          if (v === UNSUPPORTED) return UNSUPPORTED;
          out.push(v);
        }
        return out;
      }
      case 5: {
        const n = this.length(info);
        const map = new Map<unknown, unknown>();
        let previous: Uint8Array | undefined;
        for (let i = 0; i < n; i++) {
          const start = this.offset;
          const key = this.item(depth + 1);
          if (key === UNSUPPORTED || typeof key === 'object') return UNSUPPORTED;
          const encodedKey = this.bytes.subarray(start, this.offset);
          if (previous && compareBytes(previous, encodedKey) >= 0)
            throw new CborReadError('map keys are not in deterministic order, or repeat');
          previous = encodedKey;
          const v = this.item(depth + 1);
          if (v === UNSUPPORTED) return UNSUPPORTED;
          map.set(key, v);
        }
        return map;
      }
      case 6: {
        const tag = this.argument(info);
        const contents = this.item(depth + 1);
        if (contents === UNSUPPORTED) return UNSUPPORTED;
        return new Tag(Number(tag), contents);
      }
      default:
        return UNSUPPORTED;
    }
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
