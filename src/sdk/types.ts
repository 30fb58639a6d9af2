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

/** What a device hands its operator to be registered, with a proof that it holds the key. */
export type RegistrationRequest = {
  deviceId: Address;
  publicKey: Hex;
  classId: number;
  metadata?: Record<string, unknown>;
  /** EIP-191 personal_sign by the device key over registrationMessage(deviceId, classId). */
  proof: Hex;
};
