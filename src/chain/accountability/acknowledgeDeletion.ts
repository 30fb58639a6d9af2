import type { Hex } from 'viem';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { deletionRequestsCallAbi } from '../callErrors.js';
import type { AccountabilityWriteContext } from './writeContext.js';

export type AcknowledgeDeletionParameters = AccountabilityWriteContext & {
  requestId: bigint;
  /** A hash of the recipient's deletion record; not zero. */
  evidenceHash: Hex;
};

/** The request's recipient states on chain, by the deadline, that it deleted the data. */
export function acknowledgeDeletion(parameters: AcknowledgeDeletionParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, requestId, evidenceHash } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: deletionRequestsCallAbi,
    functionName: 'acknowledgeDeletion',
    args: [requestId, evidenceHash],
  });
}
