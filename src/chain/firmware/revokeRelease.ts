import type { Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type RevokeReleaseParameters = WriteContext & { releaseId: Hex; reason: string };

/** Revokes a release for good (e.g. a vulnerable build): the class's manufacturer. */
export function revokeRelease(parameters: RevokeReleaseParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, releaseId, reason } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'revokeRelease',
    args: [releaseId, reason],
  });
}
