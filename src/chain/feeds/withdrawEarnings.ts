import type { Address, PublicClient } from 'viem';
import { feedMarketAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { marketEvent } from './events.js';
import type { FeedWriteContext } from './writeContext.js';

/** Pays the sender's feed earnings out; returns the amount in wei. */
export async function withdrawEarnings(parameters: FeedWriteContext): Promise<SendContractTransactionReturnType & { amount: bigint }> {
  const { clients, account, market } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address: market,
    abi: feedMarketAbi,
    functionName: 'withdrawEarnings',
    args: [],
  });
  const event = marketEvent<{ amount: bigint }>(sent.logs, market, 'EarningsWithdrawn');
  if (!event) throw new Error(`withdrawEarnings in ${sent.hash} emitted no EarningsWithdrawn`);
  return { ...sent, amount: event.amount };
}

/** Wei credited to `owner` by feed sales and not yet withdrawn. */
export function readEarnings(parameters: {
  publicClient: Pick<PublicClient, 'readContract'>;
  market: Address;
  owner: Address;
}): Promise<bigint> {
  const { publicClient, market, owner } = parameters;
  return publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'earningsOf', args: [owner] });
}
