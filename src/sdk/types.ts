import type { Address, Hex } from 'viem';

export type { DeviceKey } from '../protocol/deviceId.js';

/** A signed reading in the JSON form POST /v1/readings accepts. */
export type SignedReading = {
  device: Address;
  /** uint64 as a decimal string (JSON numbers lose precision above 2^53). */
  sequence: string;
  /** Device clock, Unix seconds. */
  timestamp: number;
  /** Metric values, big-endian int16 each, 0x hex. */
  payload: Hex;
  /** EIP-712 signature r ‖ s ‖ v, 65 bytes, v = 27/28, low s. */
  signature: Hex;
};

/**
 * GET /v1/readings/{device}/{sequence}: what the chain made of a reading (docs/api.md). `status`
 * is the verdict; `finality` whether it can still change: `included` (in a canonical block that is
 * not final: a reorg or a node restarted from older state may undo it, and the gateway then sends
 * the reading again) or `final` (enough confirmations, checked again). Act only on final verdicts.
 */
export type ReadingStatus = {
  device: Address;
  sequence: string;
  timestamp: string;
  status: 'pending' | 'accepted' | 'flagged' | 'rejected';
  finality: 'pending' | 'included' | 'final';
  reasons: string[];
  metric?: number;
  value?: number;
  txHash?: Hex;
  blockNumber?: number;
  blockHash?: Hex;
  receivedAt: string;
  decidedAt?: string;
  finalAt?: string;
};

/** What a device hands its operator to be registered, with a proof that it holds the key. */
export type RegistrationRequest = {
  deviceId: Address;
  publicKey: Hex;
  classId: number;
  metadata?: Record<string, unknown>;
  /** EIP-191 personal_sign by the device key over registrationMessage(deviceId, classId). */
  proof: Hex;
};
