import { deletionRequestsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { requireContractEvent } from '../contractEvent.js';
import { deletionRequestsCallAbi } from '../callErrors.js';

/** Anyone, after the deadline of an unacknowledged request: the recipient's bond pays the owner. */
export async function enforceDeletionPenalty(
  parameters: WriteContext & { requestId: bigint },
): Promise<SendContractTransactionReturnType & { penalty: bigint; paid: bigint }> {
  const { clients, account, address, requestId } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: deletionRequestsCallAbi,
    functionName: 'enforcePenalty',
    args: [requestId],
  });
  const enforced = requireContractEvent({
    abi: deletionRequestsAbi,
    address,
    eventName: 'DeletionPenaltyEnforced',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, penalty: enforced.penalty, paid: enforced.paid };
}
