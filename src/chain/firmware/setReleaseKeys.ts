import type { Address } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type SetReleaseKeysParameters = WriteContext & { classId: number; keys: readonly Address[]; threshold: number };

/** Sets a class's first release keys and k-of-n threshold: the class's manufacturer, once. */
export function setReleaseKeys(parameters: SetReleaseKeysParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, classId, keys, threshold } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'setInitialReleaseKeys',
    args: [classId, keys, threshold],
  });
}
