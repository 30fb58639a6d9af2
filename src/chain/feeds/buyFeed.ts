import { feedMarketCallAbi } from '../callErrors.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { marketEvent } from './events.js';
import type { FeedWriteContext } from './writeContext.js';

export type BuyFeedParameters = FeedWriteContext & {
  feedId: bigint;
  /** Exactly the feed's current price in wei (the market refuses any other amount). */
  price: bigint;
};

export type BuyFeedReturnType = SendContractTransactionReturnType & {
  consentId: bigint;
  /** The purchase's id in the market (settlePurchases, purchase). */
  purchaseId: bigint;
  /** Unix seconds: when the consent starts (later than now for a renewal of a live one) and ends (exclusive). */
  start: bigint;
  expiry: bigint;
};

/**
 * Buys one period of a feed; the consent registry grants the sender a consent for it, and paying
 * accepts the feed policy's terms for that consent (RecipientTerms: the sender's bond is at stake
 * under it, up to the accepted penalty). The price is held and released to the owner as it is served.
 */
export async function buyFeed(parameters: BuyFeedParameters): Promise<BuyFeedReturnType> {
  const { clients, account, market, feedId, price } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address: market,
    abi: feedMarketCallAbi,
    functionName: 'buyFeed',
    args: [feedId],
    value: price,
  });
  const event = marketEvent<{ consentId: bigint; start: bigint; expiry: bigint; purchaseId: bigint }>(sent.logs, market, 'FeedPurchased');
  if (!event) throw new Error(`buyFeed in ${sent.hash} emitted no FeedPurchased`);
  return { ...sent, consentId: event.consentId, purchaseId: event.purchaseId, start: event.start, expiry: event.expiry };
}
