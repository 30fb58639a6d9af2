import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../keystore/writeFileAtomic.js';
import type { SequenceStore } from './sequenceStore.js';

export type CreateSequenceStoreOptions = {
  /** The first sequence of a device that has never sent. Default 1. */
  first?: bigint;
  /**
   * Sequences reserved per write. 1 writes (and fsyncs) once per reading; a larger block
   * spares flash wear at the price of a gap of at most block-1 after a restart (gaps are allowed).
   */
  block?: number;
};

export class SequenceStoreError extends Error {
  override readonly name = 'SequenceStoreError';
}

const DECIMAL = /^(0|[1-9][0-9]{0,19})\n?$/;

function readHighWater(path: string): bigint | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // A corrupt file must stop the device: starting again from 1 would replay old sequences.
  if (!DECIMAL.test(text)) throw new SequenceStoreError(`sequence file ${path} is corrupt (expected a decimal number)`);
  return BigInt(text.trim());
}

/**
 * A sequence counter that survives restarts. Write-ahead: the file holds the first sequence not
 * yet reserved, and it is written (atomically, fsynced) *before* a sequence from the new
 * reservation is handed out, so a device that reboots at any instant never reuses a sequence.
 */
export function createSequenceStore(path: string, { first = 1n, block = 1 }: CreateSequenceStoreOptions = {}): SequenceStore {
  if (!Number.isSafeInteger(block) || block < 1) throw new RangeError('block must be a positive integer');
  let next = readHighWater(path) ?? first;
  let reservedUpTo = next; // exclusive: sequences below this are covered by the file
  const reserve = (upTo: bigint) => {
    writeFileAtomicSync(path, `${upTo}\n`, { mode: 0o600 });
    reservedUpTo = upTo;
  };
  return {
    next() {
      if (next >= reservedUpTo) reserve(next + BigInt(block));
      return next++;
    },
    peek: () => next,
    skipPast(sequence) {
      if (sequence < next) return;
      next = sequence + 1n;
      if (next > reservedUpTo) reserve(next);
    },
  };
}
