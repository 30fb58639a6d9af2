import { decodeEventLog, type Address, type Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { FirmwareWriteContext } from './writeContext.js';

export type FundUpdateParameters = FirmwareWriteContext & {
  device: Address;
  releaseId: Hex;
  /** Wei held in escrow until the device reports the release (or a later one). */
  value: bigint;
  /** Unix seconds: "installed by"; afterwards the funder may reclaim. */
  deadline: bigint;
};

/** Funds a device's update to a release (the device's owner); returns the escrow id. */
export async function fundUpdate(parameters: FundUpdateParameters): Promise<SendContractTransactionReturnType & { escrowId: bigint }> {
  const { clients, account, registry, device, releaseId, value, deadline } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: firmwareRegistryAbi,
    functionName: 'fundUpdate',
    args: [device, releaseId, deadline],
    value,
  });
  for (const log of sent.logs as { address: Address; data: Hex; topics: [Hex, ...Hex[]] }[]) {
    if (log.address.toLowerCase() !== registry.toLowerCase()) continue;
    const event = decodeEventLog({ abi: firmwareRegistryAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'UpdateFunded') return { ...sent, escrowId: (event.args as { escrowId: bigint }).escrowId };
  }
  throw new Error(`fundUpdate in ${sent.hash} emitted no UpdateFunded`);
}

/**
 * Anyone closes an escrow that can be reclaimed (release revoked, deadline passed or owner changed);
 * its amount is credited to its funder, never to the caller.
 */
export function reclaimEscrow(parameters: FirmwareWriteContext & { escrowId: bigint }): Promise<SendContractTransactionReturnType> {
  const { clients, account, registry, escrowId } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: firmwareRegistryAbi,
    functionName: 'reclaimEscrow',
    args: [escrowId],
  });
}

/** Pays out the sender's credits (released escrows for a payee, reclaimed ones for a funder). */
export function withdrawCredits(parameters: FirmwareWriteContext): Promise<SendContractTransactionReturnType> {
  const { clients, account, registry } = parameters;
  return sendContractTransaction({ clients, account, address: registry, abi: firmwareRegistryAbi, functionName: 'withdraw', args: [] });
}
