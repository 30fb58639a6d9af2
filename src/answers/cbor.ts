import { decode, encode } from 'cbor2';
import { readDeterministic } from './cborReader.js';
import { writeDeterministic } from './cborWriter.js';
import { AnswerError } from './errors.js';

/** RFC 8949 §4.2.1 core deterministic encoding (preferred lengths, sorted map keys, no indefinite lengths). */
export function encodeDeterministic(value: unknown): Uint8Array {
  return writeDeterministic(value) ?? encode(value, { cde: true, rejectUndefined: true, rejectFloats: true });
}

/**
 * Decodes one CBOR item, refusing anything that is not core deterministic (indefinite lengths,
 * non-preferred integers, unsorted or duplicate map keys, floats, undefined) and trailing bytes.
 * Maps come back as Map so integer keys stay integers.
 */
export function decodeDeterministic(bytes: Uint8Array, what: string): unknown {
  let value: unknown;
  try {
    const read = readDeterministic(plainBytes(bytes));
    if (read) return read.value;
  } catch (error) {
    throw new AnswerError('bad_cose', `${what} is not deterministic CBOR: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    value = decode(plainBytes(bytes), {
      cde: true,
      preferMap: true,
      rejectDuplicateKeys: true,
      rejectUndefined: true,
      rejectFloats: true,
      rejectSimple: true,
    });
  } catch (error) {
    throw new AnswerError('bad_cose', `${what} is not deterministic CBOR: ${error instanceof Error ? error.message : String(error)}`);
  }
  return value;
}

/**
 * A plain Uint8Array view: cbor2 picks encoders by constructor, and would encode a Node Buffer
 * (a Uint8Array subclass) through Buffer#toJSON instead of as a byte string.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
