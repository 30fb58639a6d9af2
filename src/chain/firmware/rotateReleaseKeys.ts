import type { Address } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { sortSignatures, type ReleaseSignature } from './signManifest.js';

export type RotateReleaseKeysParameters = WriteContext & {
  classId: number;
  /** The class's current key version + 1 (getClass(classId).keysVersion + 1). */
  version: bigint;
  keys: readonly Address[];
  threshold: number;
  /** At least the current threshold of signatures by CURRENT keys (signRotation); any order. */
  signatures: readonly ReleaseSignature[];
};

/** Replaces a class's release keys with a threshold of signatures by the current keys (anyone submits). */
export function rotateReleaseKeys(parameters: RotateReleaseKeysParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, classId, version, keys, threshold, signatures } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'rotateReleaseKeys',
    args: [classId, version, keys, threshold, sortSignatures(signatures)],
  });
}
