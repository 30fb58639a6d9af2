import type { Address, Hex } from 'viem';
import type { ChainEvent } from './decodeChainLog.js';
import type {
  GrantOfDevices,
  ListDevicesParameters,
  ListEventsParameters,
  ListReadingsParameters,
  PositionPageParameters,
} from './queryIndex.js';
import type { ConsentVoid, IndexedDevice, IndexedEvent, IndexedReading, IndexedStatusChange, Page } from './indexedRows.js';

/** A block as the indexer recorded it: height and hash. */
export type IndexedBlock = { number: number; hash: Hex };

/** The signed fields of a reading, from the submitReadings call that carried it (flag evidence). */
/** From the submitReadings call: the device's signed time (uint64, exact) and payload, and the signature. */
export type SignedReadingFields = { timestamp: bigint; payload: Hex; r: Hex; vs: Hex };

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

/** An event's place on the chain. */
export type EventPlace = { blockNumber: number; logIndex: number };
export type EventWithoutSender = EventPlace & { transactionHash: Hex };
export type EventSender = EventPlace & { sender: Address };

/** A value or its promise: SQLite answers at once, a database server (PostgreSQL) later. */
export type Awaitable<T> = T | Promise<T>;

/**
 * Where the indexer keeps what it read. Every method is atomic: a crash (kill -9) leaves the store
 * at a range boundary, never inside one.
 */
export interface IndexerStore {
  position(): Awaitable<IndexerPosition>;
  /** Stores a range's events, its block hashes and the new position, all or nothing. */
  applyRange(range: IndexedRange): Awaitable<void>;
  /** The recorded blocks at or below `height`, newest first (the walk back on a reorg). */
  recordedBlocksFrom(height: number, limit: number): Awaitable<IndexedBlock[]>;
  /** Removes every row of blocks above `keep` (a reorg removed them) and moves the cursor back to `keep`. */
  rollbackAbove(keep: IndexedBlock | undefined): Awaitable<void>;
  /** Raises the final block (never lowers it). */
  setFinalBlock(height: number): Awaitable<void>;
  /**
   * Events other than reading events whose sender is unknown (indexed before the index recorded
   * senders), after `after` in chain order, at most `limit`: what the follower reads again.
   */
  eventsWithoutSender(after: EventPlace | undefined, limit: number): Awaitable<EventWithoutSender[]>;
  /** Records the senders found for such events, and their `event_actors` rows, in one transaction. */
  recordSenders(senders: readonly EventSender[]): Awaitable<void>;
  close(): Awaitable<void>;
}

/** What the query API reads (queryIndex.ts has the SQL); rows carry `final` against the store's final block. */
export interface IndexReader {
  position(): Awaitable<IndexerPosition>;
  devices(parameters: ListDevicesParameters): Awaitable<Page<IndexedDevice>>;
  device(address: string): Awaitable<IndexedDevice | undefined>;
  deviceReadings(parameters: ListReadingsParameters): Awaitable<Page<IndexedReading>>;
  flags(parameters: PositionPageParameters): Awaitable<Page<IndexedReading>>;
  statusChanges(parameters: PositionPageParameters): Awaitable<Page<IndexedStatusChange>>;
  events(parameters: ListEventsParameters): Awaitable<Page<IndexedEvent>>;
  /** For each consent grant, the transfers that voided it on its devices (listConsentVoids). */
  consentVoids(grants: readonly GrantOfDevices[]): Awaitable<ConsentVoid[][]>;
}
