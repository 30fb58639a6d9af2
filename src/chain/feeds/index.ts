export { consentRegistryOf, isMarketGrantAgent, setMarketGrantAgent } from './grantAgent.js';
export { offerFeed, updateFeedPrice, type OfferFeedParameters } from './offerFeed.js';
export { buyFeed, type BuyFeedParameters, type BuyFeedReturnType } from './buyFeed.js';
export { closeFeed } from './closeFeed.js';
export { readEarnings, withdrawEarnings } from './withdrawEarnings.js';
export { readFeed, type FeedInfo, type ReadFeedParameters } from './readFeed.js';
export { listFeeds, type ListFeedsParameters } from './listFeeds.js';
export {
  listPurchases,
  listSales,
  readPurchase,
  readRefund,
  settlePurchases,
  withdrawRefund,
  type PurchaseInfo,
  type SettlePurchasesReturnType,
} from './purchases.js';
