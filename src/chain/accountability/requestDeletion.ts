import type { Address } from 'viem';
import { deletionRequestsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { requireContractEvent } from '../contractEvent.js';
import { deletionRequestsCallAbi } from '../callErrors.js';

export type RequestDeletionParameters = WriteContext & {
  consentId: bigint;
  /** Devices whose data must go (empty = all of the consent's devices). */
  devices: readonly Address[];
  /** Stream bitmask (0 = all of the consent's streams). */
  streams: number;
  /** Unix seconds, inclusive range. */
  fromTime: bigint;
  toTime: bigint;
  /** Unix seconds; at least the contract's minimumPeriod from now. */
  deadline: bigint;
};

/** The consent's owner asks the recipient to delete data by a deadline; returns the request id. */
export async function requestDeletion(
  parameters: RequestDeletionParameters,
): Promise<SendContractTransactionReturnType & { requestId: bigint }> {
  const { clients, account, address, consentId, devices, streams, fromTime, toTime, deadline } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: deletionRequestsCallAbi,
    functionName: 'requestDeletion',
    args: [consentId, devices, streams, fromTime, toTime, deadline],
  });
  const requested = requireContractEvent({
    abi: deletionRequestsAbi,
    address,
    eventName: 'DeletionRequested',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, requestId: requested.requestId };
}
