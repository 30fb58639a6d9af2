import { zeroHash, type Address, type Hex } from 'viem';
import { feedMarketCallAbi } from '../callErrors.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { feedMarketAbi } from '../../contracts/abis.js';
import { requireContractEvent } from '../contractEvent.js';

export type OfferFeedParameters = WriteContext & {
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
  const { clients, account, address, devices, streams, price, period, purpose, policyId = zeroHash } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: feedMarketCallAbi,
    functionName: 'offerFeed',
    args: [devices, streams, price, period, policyId, purpose],
  });
  const event = requireContractEvent({
    abi: feedMarketAbi,
    address,
    eventName: 'FeedOffered',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, feedId: event.feedId };
}

/** The feed's owner changes the price of an open feed (later purchases only). */
export function updateFeedPrice(parameters: WriteContext & { feedId: bigint; price: bigint }): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, feedId, price } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: feedMarketCallAbi,
    functionName: 'updateFeedPrice',
    args: [feedId, price],
  });
}
