import type { Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { FirmwareWriteContext } from './writeContext.js';

export type RevokeReleaseParameters = FirmwareWriteContext & { releaseId: Hex; reason: string };

/** Revokes a release for good (e.g. a vulnerable build): the class's manufacturer. */
export function revokeRelease(parameters: RevokeReleaseParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, registry, releaseId, reason } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: firmwareRegistryAbi,
    functionName: 'revokeRelease',
    args: [releaseId, reason],
  });
}
