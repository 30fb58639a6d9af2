import { bytesToHex, getAddress, hexToBytes, type Address } from 'viem';
import { deviceOwnershipAbi } from '../../contracts/abis.js';
import { deviceSubjectParams, type DeviceSubjectParams } from './deviceSubjectParams.js';
import type { Question } from './types.js';

export type DeviceOwnerAnswer = {
  /** The owner of the device's token; the zero address for a device without one. */
  owner: Address;
  /** Ownership epoch: 1 from the mint, +1 at every completed transfer (0 = no token). */
  epoch: bigint;
  /** The last epoch the device acknowledged with its own signature (0 = never). */
  acknowledgedEpoch: bigint;
};

const ZERO = '0x0000000000000000000000000000000000000000';
const isUint64 = (v: unknown): v is bigint | number =>
  (typeof v === 'bigint' && v >= 0n && v <= 0xffffffffffffffffn) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

/**
 * Question 2, `device_owner`: who owns a device now (DeviceOwnership), and whether the device has
 * acknowledged that owner. A device asks it about itself after a transfer: when `epoch` is above
 * `acknowledgedEpoch` it signs an OwnerAcknowledgement for (owner, epoch) and sends it.
 * params: bstr .size 20 (the subject's device id).
 * answer: [owner: bstr .size 20, epoch: uint, acknowledgedEpoch: uint].
 */
export const deviceOwnerQuestion: Question<DeviceSubjectParams, DeviceOwnerAnswer> = {
  id: 2,
  name: 'device_owner',
  requires: 'deviceOwnership',
  ...deviceSubjectParams('device_owner'),
  async resolve({ publicClient, contracts, blockNumber }, { device }) {
    const address = contracts.deviceOwnership!;
    const read = { address, abi: deviceOwnershipAbi, args: [device], blockNumber } as const;
    const [owner, epoch, acknowledgedEpoch] = await Promise.all([
      publicClient.readContract({ ...read, functionName: 'ownerOfDevice' }),
      publicClient.readContract({ ...read, functionName: 'ownershipEpoch' }),
      publicClient.readContract({ ...read, functionName: 'acknowledgedEpoch' }),
    ]);
    return { owner: getAddress(owner), epoch: BigInt(epoch), acknowledgedEpoch: BigInt(acknowledgedEpoch) };
  },
  encodeAnswer: (a) => [hexToBytes(a.owner), a.epoch, a.acknowledgedEpoch],
  decodeAnswer(value) {
    if (!Array.isArray(value) || value.length !== 3) throw new Error('device_owner answer must be [owner, epoch, acknowledgedEpoch]');
    const [owner, epoch, acknowledgedEpoch] = value as unknown[];
    if (!(owner instanceof Uint8Array) || owner.length !== 20) throw new Error('device_owner owner must be 20 bytes');
    if (!isUint64(epoch) || !isUint64(acknowledgedEpoch)) throw new Error('device_owner epochs must be uint64');
    const ownerAddress = getAddress(bytesToHex(owner));
    if (ownerAddress === ZERO && BigInt(epoch) !== 0n) throw new Error('device_owner: a zero owner has epoch 0');
    return { owner: ownerAddress, epoch: BigInt(epoch), acknowledgedEpoch: BigInt(acknowledgedEpoch) };
  },
};
