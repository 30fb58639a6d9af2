import type { Address, Hex } from 'viem';
import { ownerAcknowledgementDigest } from '../protocol/identityTypedData.js';
import type { DeviceKey } from './types.js';
import { signDigest } from '../protocol/signDigest.js';

export type SignOwnerAcknowledgementParameters = {
  /** The device's current key. */
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  chainId: number;
  ownershipContract: Address;
  /** The owner the device acknowledges, and the ownership epoch it acknowledges it in. */
  owner: Address;
  epoch: bigint | number;
  /**
   * The device id, when it differs from the key's own address: after a key rotation the device
   * keeps its id while signing with the new key. Default: key.deviceId.
   */
  device?: Address;
};

export type SignOwnerAcknowledgementReturnType = { device: Address; owner: Address; epoch: string; signature: Hex };

/**
 * Device side: signs "`owner` is my owner in `epoch`" (EIP-712 OwnerAcknowledgement), which
 * anyone (its Pythia) relays to DeviceOwnership.acknowledgeOwner. The epoch is decimal in the
 * result because it is a uint64.
 */
export function signOwnerAcknowledgement(parameters: SignOwnerAcknowledgementParameters): SignOwnerAcknowledgementReturnType {
  const { key, chainId, ownershipContract, owner } = parameters;
  const device = parameters.device ?? key.deviceId;
  const epoch = BigInt(parameters.epoch);
  const digest = ownerAcknowledgementDigest({ chainId, ownershipContract, device, owner, epoch });
  return { device, owner, epoch: epoch.toString(), signature: signDigest(key.privateKey, digest) };
}
