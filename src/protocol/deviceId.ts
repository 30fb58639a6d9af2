import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, getAddress, hexToBytes, type Address, type Hex } from 'viem';

/** A device identity: its secp256k1 key pair and the id derived from it (docs/protocol.md). */
export type DeviceKey = {
  /** 32-byte secret, 0x hex. */
  privateKey: Hex;
  /** 64-byte X ‖ Y, 0x hex: the form the registry contract takes. */
  publicKey: Hex;
  /** The Ethereum address of the public key (EIP-55 checksum case). */
  deviceId: Address;
};

/**
 * A device id is the Ethereum address of its secp256k1 public key: the last 20 bytes of
 * keccak256(X ‖ Y), where X and Y are the 32-byte affine coordinates. Accepts the 64-byte raw
 * form or the 65-byte uncompressed SEC1 form (0x04 ‖ X ‖ Y).
 */
export function deviceIdFromPublicKey(publicKey: Hex | Uint8Array): Address {
  const raw = rawPublicKey(publicKey);
  return getAddress(bytesToHex(keccak_256(raw).subarray(12)));
}

/** The 64-byte X ‖ Y form the DeviceRegistry contract takes. */
export function rawPublicKey(publicKey: Hex | Uint8Array): Uint8Array {
  const bytes = typeof publicKey === 'string' ? hexToBytes(publicKey) : publicKey;
  if (bytes.length === 65 && bytes[0] === 0x04) return bytes.subarray(1);
  if (bytes.length === 64) return bytes;
  throw new RangeError('public key must be 64 bytes (X ‖ Y) or 65 bytes uncompressed (0x04 ‖ X ‖ Y)');
}
