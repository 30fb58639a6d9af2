import { feedMarketAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

/** The feed's owner closes it for good: no new sales; consents already sold run their period. */
export function closeFeed(parameters: WriteContext & { feedId: bigint }): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, feedId } = parameters;
  return sendContractTransaction({ clients, account, address, abi: feedMarketAbi, functionName: 'closeFeed', args: [feedId] });
}
