import type { Hex } from 'viem';
import { keyRotationDigest, type KeyRotationDigestParameters } from './identityTypedData.js';
import type { DeviceKey } from './deviceId.js';
import { signDigest } from './signDigest.js';

export type SignKeyRotationParameters = KeyRotationDigestParameters & {
  /** The key that signs: the device's current key, or the new key (proof of possession). */
  key: Pick<DeviceKey, 'privateKey'>;
};

/**
 * Device side of a key rotation: the EIP-712 KeyRotation signature. A rotation needs two, over
 * the same message: one by the current key and one by the new key; the owner sends both.
 */
export function signKeyRotation(parameters: SignKeyRotationParameters): Hex {
  const { key, ...digest } = parameters;
  return signDigest(key.privateKey, keyRotationDigest(digest));
}
