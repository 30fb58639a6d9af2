/** Hands out reading sequence numbers: strictly increasing, never reused, even across restarts. */
export type SequenceStore = {
  /** Reserves and returns the next sequence. */
  next(): bigint;
  /** The sequence next() would return, without reserving it. */
  peek(): bigint;
  /** Moves past `sequence` (e.g. the gateway reports a higher last sequence after a restore). */
  skipPast(sequence: bigint): void;
};
