import { decodeEventLog } from 'viem';
import { deletionRequestsAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { deletionRequestsCallAbi } from '../callErrors.js';
import type { AccountabilityWriteContext, RawLog } from './writeContext.js';

/** Anyone, after the deadline of an unacknowledged request: the recipient's bond pays the owner. */
export async function enforceDeletionPenalty(
  parameters: AccountabilityWriteContext & { requestId: bigint },
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
  for (const log of sent.logs as RawLog[]) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const event = decodeEventLog({ abi: deletionRequestsAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'DeletionPenaltyEnforced') {
      const args = event.args as { penalty: bigint; paid: bigint };
      return { ...sent, penalty: args.penalty, paid: args.paid };
    }
  }
  throw new Error(`enforcePenalty in ${sent.hash} emitted no DeletionPenaltyEnforced`);
}
