import { decodeEventLog, type Address } from 'viem';
import { deletionRequestsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { deletionRequestsCallAbi } from '../callErrors.js';
import type { AccountabilityWriteContext, RawLog } from './writeContext.js';

export type RequestDeletionParameters = AccountabilityWriteContext & {
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
  for (const log of sent.logs as RawLog[]) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const event = decodeEventLog({ abi: deletionRequestsAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'DeletionRequested') return { ...sent, requestId: (event.args as { requestId: bigint }).requestId };
  }
  throw new Error(`requestDeletion in ${sent.hash} emitted no DeletionRequested`);
}
