import { feedMarketCallAbi } from '../callErrors.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { feedMarketAbi } from '../../contracts/abis.js';
import { requireContractEvent } from '../contractEvent.js';

export type BuyFeedParameters = WriteContext & {
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
  const { clients, account, address, feedId, price } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: feedMarketCallAbi,
    functionName: 'buyFeed',
    args: [feedId],
    value: price,
  });
  const event = requireContractEvent({
    abi: feedMarketAbi,
    address,
    eventName: 'FeedPurchased',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, consentId: event.consentId, purchaseId: event.purchaseId, start: event.start, expiry: event.expiry };
}
