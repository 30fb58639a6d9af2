import { randomBytes } from 'node:crypto';
import secp256k1 from 'secp256k1';
import { deviceKeyFromPrivateKey } from './deviceKeyFromPrivateKey.js';
import type { DeviceKey } from './types.js';

export type GenerateDeviceKeyReturnType = DeviceKey;

/** A fresh device identity from the operating system's CSPRNG. */
export function generateDeviceKey(): GenerateDeviceKeyReturnType {
  for (;;) {
    const secret = randomBytes(32);
    if (secp256k1.privateKeyVerify(secret)) return deviceKeyFromPrivateKey(secret);
  }
}
