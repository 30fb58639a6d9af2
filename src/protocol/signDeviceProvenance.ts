import type { Hex } from 'viem';
import { deviceProvenanceDigest, type DeviceProvenanceDigestParameters } from './identityTypedData.js';
import { signDigest } from './signDigest.js';

export type SignDeviceProvenanceParameters = DeviceProvenanceDigestParameters & {
  /** The manufacturer's private key: the account assigned to the class (DeviceIdentity.classManufacturer). */
  manufacturerKey: Hex | Uint8Array;
};

/** Manufacturer side: the EIP-712 DeviceProvenance signature that provisions a device key (65 bytes, low s). */
export function signDeviceProvenance(parameters: SignDeviceProvenanceParameters): Hex {
  const { manufacturerKey, ...digest } = parameters;
  return signDigest(manufacturerKey, deviceProvenanceDigest(digest));
}
