import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Address } from 'viem';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import { KeystoreError } from './types.js';

/** The Ethereum address of a 32-byte secp256k1 private key; refuses a key outside [1, n-1]. */
export function addressOfPrivateKey(privateKey: Uint8Array): Address {
  if (privateKey.length !== 32 || !secp256k1.utils.isValidSecretKey(privateKey)) {
    throw new KeystoreError('invalid_key', 'not a valid secp256k1 private key (32 bytes, 1 ≤ k < n)');
  }
  return deviceIdFromPublicKey(secp256k1.getPublicKey(privateKey, false));
}
