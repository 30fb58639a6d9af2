import type { Address, Hash, Hex } from 'viem';
import type { Profile } from '../protocol/profile.js';
import type { DeviceStatusName, FlagReason, SkipReason } from '../protocol/reasons.js';
import type { FlagState } from '../protocol/respondToFlag.js';

/** One item of a submitReadings batch, as the contract reads it from the calldata. */
export type CalldataReading = {
  device: Address;
  sequence: bigint;
  timestamp: bigint;
  payload: Hex;
  /** The EIP-2098 compact signature: r, and s with the y parity in its top bit. */
  r: Hex;
  vs: Hex;
};

/** What happens to one batch item: recorded clean, recorded and flagged, or skipped unrecorded. */
export type ReadingOutcome =
  | { status: 'accepted' }
  | { status: 'flagged'; reasons: FlagReason[]; metric: number; value: number }
  | { status: 'skipped'; reason: SkipReason | `Unknown(${number})` };

/** A status change the contract makes by itself (the graduated response) after a flag. */
export type StatusChange = { previous: DeviceStatusName; current: DeviceStatusName };

/** A device as the verifier models it while it walks a block; the fields are getDevice's. */
export type DeviceModel = FlagState & {
  device: Address;
  status: DeviceStatusName;
  classId: number;
  /** The device's own profile, if it has one (else its class profile applies). */
  ownProfile: Profile | undefined;
  /** The address whose signatures count as the device's: the device id until a key rotation. */
  signer: Address;
  lastSequence: bigint;
  /** As stored: saturated at 2^40 − 1. */
  lastTimestamp: bigint;
  /** The last decoded metric values, undefined before the first reading that held them. */
  lastValues: number[] | undefined;
};

/**
 * Everything the rules read, for the devices of one block: the chain state before the block,
 * changed in transaction order by the readings (the verifier's own verdicts) and by the other
 * transactions of the block (their events).
 */
export type BlockModel = {
  devices: Map<string, DeviceModel>;
  classProfiles: Map<number, Profile>;
  /** Whether an account holds RELAYER_ROLE, for the senders of the block's batches. */
  relayers: Map<string, boolean>;
  /**
   * Senders the fleet's Pythia registry does not trust as relayers at the start of the block (issue
   * #12: a relayer must be bound to a trusted Pythia key); empty for a fleet without a registry.
   */
  untrustedRelayers?: Set<string>;
};

export type DiscrepancyKind =
  /** A reading's recorded outcome (accepted / flagged with reasons, metric and value / skipped with reason) differs, or is missing or extra. */
  | 'outcome'
  /** The graduated response (automatic suspension or revocation) differs. */
  | 'response'
  /** After the block, the device state on chain differs from the state the rules lead to. */
  | 'state'
  /** A batch reverted that the rules accept (and it did not run out of gas), or a batch the rules reject was executed. */
  | 'revert'
  /** The fleet recorded readings in a transaction that is not a direct submitReadings call: the verifier cannot check them. */
  | 'unverifiable';

export type Discrepancy = {
  kind: DiscrepancyKind;
  blockNumber: bigint;
  transactionHash?: Hash | undefined;
  /** Index of the reading in its batch. */
  index?: number | undefined;
  device?: Address | undefined;
  sequence?: bigint | undefined;
  /** For `state`: the getDevice field that differs. */
  field?: string | undefined;
  expected: unknown;
  recorded: unknown;
  message: string;
};

export type VerifyCounts = {
  blocks: number;
  transactions: {
    /** Direct calls of submitReadings on the fleet. */
    batches: number;
    /** Batches that reverted (nothing recorded), whether the rules expected it or not. */
    revertedBatches: number;
    /** Other calls to the fleet contract (registrations, profiles, status changes...): not verified, counted. */
    otherFleetCalls: number;
    /** Transactions to anything else. */
    other: number;
  };
  readings: {
    /** Readings in executed batches, judged by the verifier. */
    checked: number;
    accepted: number;
    flagged: number;
    skipped: number;
    /** Readings whose recorded outcome is the verifier's. */
    agreed: number;
    flaggedByReason: Partial<Record<FlagReason, number>>;
    skippedByReason: Partial<Record<string, number>>;
  };
  responses: { suspended: number; revoked: number };
  discrepancies: number;
};

export type RevertedBatch = {
  blockNumber: bigint;
  transactionHash: Hash;
  /** Why the verifier accepts the revert: the rules reject the batch, or it ran out of gas. */
  why: 'not_relayer' | 'untrusted_relayer' | 'malformed' | 'value_sent' | 'out_of_gas';
  detail: string;
};

export type BlockVerification = {
  blockNumber: bigint;
  blockHash: Hash;
  counts: VerifyCounts;
  discrepancies: Discrepancy[];
  revertedBatches: RevertedBatch[];
};

/** A raw fleet log of a receipt, in log order. */
export type ReceiptLog = { address: Address; topics: readonly Hex[]; data: Hex; logIndex: number };
