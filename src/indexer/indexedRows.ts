import type { Hex } from 'viem';
import type { FlagReason } from '../protocol/reasons.js';

/**
 * The rows of the index as its queries return them and the query API (/v1/index/...) sends them:
 * types only, so that the council console (console/src/api.ts) imports them with no server code.
 */

export type IndexedDevice = {
  device: string;
  classId: number;
  status: string;
  publicKey: string;
  registrar: string;
  registeredBlock: number;
  statusBlock: number;
  owner: string | null;
  readings: number;
  flags: number;
  lastSequence: number | null;
  lastReadingBlock: number | null;
};

/** A page of rows; `next` is the cursor of the following page, null on the last. */
export type Page<T> = { items: T[]; next: string | null };

/** Where a row is on the chain, and whether its block is final. */
export type ChainPlace = { blockNumber: number; logIndex: number; transactionHash: string; final: boolean };

export type IndexedReading = ChainPlace & {
  device: string;
  sequence: number;
  outcome: 'accepted' | 'flagged' | 'skipped';
  /** The device's signed time (unix seconds) and payload, from the submitReadings call; null if the call could not be read. */
  timestamp: number | null;
  payload: Hex | null;
  /** The payload as int16 metric values (big-endian pairs). */
  values: number[] | null;
  signature: { r: Hex; vs: Hex } | null;
  /** Flagged: the broken rules (bits of docs/protocol.md's flag reasons), the first offending metric and its value. */
  flag: { reasons: number; rules: FlagReason[]; metric: number; value: number } | null;
  /** Skipped: the SkipReason number. */
  skipReason: number | null;
};

export type IndexedStatusChange = ChainPlace & { device: string; previous: string; current: string; by: string; reason: string };

export type IndexedEvent = ChainPlace & {
  contract: string;
  address: string;
  name: string;
  args: Record<string, unknown>;
  /**
   * The account that sent the event's transaction (checksummed); null for the fleet's reading
   * events (always the gateway's relayer, not stored) and for events indexed before the index
   * recorded senders (unknown until the follower has read them again: followChain.ts).
   */
  sender: string | null;
};

/**
 * The transfer that voided a consent on one of its devices: the device's first completed transfer
 * (OwnershipTransferred) after the grant. ConsentRegistry keeps each device's ownership epoch at
 * grant time; a transfer moves the epoch, and the grant no longer applies to the device.
 */
export type ConsentVoid = ChainPlace & { device: string; newOwner: string };
