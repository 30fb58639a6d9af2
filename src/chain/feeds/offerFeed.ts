import { zeroHash, type Address, type Hex } from 'viem';
import { feedMarketCallAbi } from '../callErrors.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { marketEvent } from './events.js';
import type { FeedWriteContext } from './writeContext.js';

export type OfferFeedParameters = FeedWriteContext & {
  /** Devices the sender owns (1 to 16, distinct). */
  devices: readonly Address[];
  /** Bit i = metric i of the device profile (src/protocol/consentScope.ts). */
  streams: number;
  /** Wei per period, > 0. */
  price: bigint;
  /** Seconds one purchase buys. */
  period: bigint;
  purpose: string;
  /** A published policy version id (IPolicyRegistry); zero = no policy. */
  policyId?: Hex;
};

/** Offers a feed of the sender's devices (the sender must have approved the market as grant agent); returns the feed id. */
export async function offerFeed(parameters: OfferFeedParameters): Promise<SendContractTransactionReturnType & { feedId: bigint }> {
  const { clients, account, market, devices, streams, price, period, purpose, policyId = zeroHash } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address: market,
    abi: feedMarketCallAbi,
    functionName: 'offerFeed',
    args: [devices, streams, price, period, policyId, purpose],
  });
  const event = marketEvent<{ feedId: bigint }>(sent.logs, market, 'FeedOffered');
  if (!event) throw new Error(`offerFeed in ${sent.hash} emitted no FeedOffered`);
  return { ...sent, feedId: event.feedId };
}

/** The feed's owner changes the price of an open feed (later purchases only). */
export function updateFeedPrice(
  parameters: FeedWriteContext & { feedId: bigint; price: bigint },
): Promise<SendContractTransactionReturnType> {
  const { clients, account, market, feedId, price } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address: market,
    abi: feedMarketCallAbi,
    functionName: 'updateFeedPrice',
    args: [feedId, price],
  });
}
