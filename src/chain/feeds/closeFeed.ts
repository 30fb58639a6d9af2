import { feedMarketAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { FeedWriteContext } from './writeContext.js';

/** The feed's owner closes it for good: no new sales; consents already sold run their period. */
export function closeFeed(parameters: FeedWriteContext & { feedId: bigint }): Promise<SendContractTransactionReturnType> {
  const { clients, account, market, feedId } = parameters;
  return sendContractTransaction({ clients, account, address: market, abi: feedMarketAbi, functionName: 'closeFeed', args: [feedId] });
}
