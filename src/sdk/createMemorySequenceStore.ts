import type { SequenceStore } from './sequenceStore.js';

/** A sequence store that forgets on restart: for simulations and tests, not for real devices. */
export function createMemorySequenceStore(first: bigint = 1n): SequenceStore {
  let next = first;
  return {
    next: () => next++,
    peek: () => next,
    skipPast(sequence) {
      if (sequence >= next) next = sequence + 1n;
    },
  };
}
