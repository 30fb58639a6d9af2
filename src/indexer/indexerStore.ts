import type { Hex } from 'viem';
import type { ChainEvent } from './decodeChainLog.js';

/** A block as the indexer recorded it: height and hash. */
export type IndexedBlock = { number: number; hash: Hex };

/** The signed fields of a reading, from the submitReadings call that carried it (flag evidence). */
export type SignedReadingFields = { timestamp: number; payload: Hex; r: Hex; vs: Hex };

/** One block range read from the chain, applied in one transaction. */
export type IndexedRange = {
  /** The range's last block: the indexer's position once applied. */
  to: IndexedBlock;
  /** Hashes of blocks in the range the indexer knows (those with logs, the non-final ones); used to find a reorg. */
  blocks: IndexedBlock[];
  /** Decoded events in chain order. */
  events: ChainEvent[];
  /** Signed reading fields by `${device lower-case}:${sequence}`, for the reading events of the range. */
  readings: ReadonlyMap<string, SignedReadingFields>;
  /** The newest block final at the time of reading (confirmations reached); at most `to.number`. */
  finalBlock: number;
};

/** Where the indexer stands. */
export type IndexerPosition = {
  /** The last block whose events are all stored, or undefined before the first range. */
  cursor: IndexedBlock | undefined;
  /** The newest block taken as final (rows at or below it are final). -1 when none. */
  finalBlock: number;
};

/**
 * Where the indexer keeps what it read. Every method is atomic: a crash (kill -9) leaves the store
 * at a range boundary, never inside one.
 */
export interface IndexerStore {
  position(): IndexerPosition;
  /** Stores a range's events, its block hashes and the new position, all or nothing. */
  applyRange(range: IndexedRange): void;
  /** The recorded blocks at or below `height`, newest first (the walk back on a reorg). */
  recordedBlocksFrom(height: number, limit: number): IndexedBlock[];
  /** Removes every row of blocks above `keep` (a reorg removed them) and moves the cursor back to `keep`. */
  rollbackAbove(keep: IndexedBlock | undefined): void;
  /** Raises the final block (never lowers it). */
  setFinalBlock(height: number): void;
  close(): void;
}
