import type { Hex } from 'viem';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { deletionRequestsCallAbi } from '../callErrors.js';

export type AcknowledgeDeletionParameters = WriteContext & {
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
