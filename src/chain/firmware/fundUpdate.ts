import type { Address, Hex } from 'viem';
import { requireContractEvent } from '../contractEvent.js';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type FundUpdateParameters = WriteContext & {
  device: Address;
  releaseId: Hex;
  /** Wei held in escrow until the device reports the release (or a later one). */
  value: bigint;
  /** Unix seconds: "installed by"; afterwards the funder may reclaim. */
  deadline: bigint;
};

/** Funds a device's update to a release (the device's owner); returns the escrow id. */
export async function fundUpdate(parameters: FundUpdateParameters): Promise<SendContractTransactionReturnType & { escrowId: bigint }> {
  const { clients, account, address, device, releaseId, value, deadline } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'fundUpdate',
    args: [device, releaseId, deadline],
    value,
  });
  const funded = requireContractEvent({
    abi: firmwareRegistryAbi,
    address,
    eventName: 'UpdateFunded',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, escrowId: funded.escrowId };
}

/**
 * Anyone closes an escrow that can be reclaimed (release revoked, deadline passed or owner changed);
 * its amount is credited to its funder, never to the caller.
 */
export function reclaimEscrow(parameters: WriteContext & { escrowId: bigint }): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, escrowId } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'reclaimEscrow',
    args: [escrowId],
  });
}

/** Pays out the sender's credits (released escrows for a payee, reclaimed ones for a funder). */
export function withdrawCredits(parameters: WriteContext): Promise<SendContractTransactionReturnType> {
  const { clients, account, address } = parameters;
  return sendContractTransaction({ clients, account, address, abi: firmwareRegistryAbi, functionName: 'withdraw', args: [] });
}
