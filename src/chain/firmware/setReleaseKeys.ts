import type { Address } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { FirmwareWriteContext } from './writeContext.js';

export type SetReleaseKeysParameters = FirmwareWriteContext & { classId: number; keys: readonly Address[]; threshold: number };

/** Sets a class's first release keys and k-of-n threshold: the class's manufacturer, once. */
export function setReleaseKeys(parameters: SetReleaseKeysParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, registry, classId, keys, threshold } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: firmwareRegistryAbi,
    functionName: 'setInitialReleaseKeys',
    args: [classId, keys, threshold],
  });
}
