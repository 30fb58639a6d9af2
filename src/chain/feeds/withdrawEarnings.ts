import type { Address, PublicClient } from 'viem';
import { feedMarketAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { requireContractEvent } from '../contractEvent.js';

/** Pays the sender's feed earnings out; returns the amount in wei. */
export async function withdrawEarnings(parameters: WriteContext): Promise<SendContractTransactionReturnType & { amount: bigint }> {
  const { clients, account, address } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: feedMarketAbi,
    functionName: 'withdrawEarnings',
    args: [],
  });
  const event = requireContractEvent({
    abi: feedMarketAbi,
    address,
    eventName: 'EarningsWithdrawn',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
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
