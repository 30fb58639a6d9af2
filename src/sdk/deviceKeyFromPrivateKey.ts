import secp256k1 from 'secp256k1';
import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import type { DeviceKey } from './types.js';

/** The full device identity of a private key. */
export function deviceKeyFromPrivateKey(privateKey: Hex | Uint8Array): DeviceKey {
  const secret = typeof privateKey === 'string' ? hexToBytes(privateKey) : privateKey;
  if (secret.length !== 32 || !secp256k1.privateKeyVerify(secret)) {
    throw new RangeError('not a valid secp256k1 private key (32 bytes, 1 ≤ k < n)');
  }
  const publicKey = secp256k1.publicKeyCreate(secret, false).subarray(1);
  return { privateKey: bytesToHex(secret), publicKey: bytesToHex(publicKey), deviceId: deviceIdFromPublicKey(publicKey) };
}
