import { isAddressEqual, parseEventLogs, type Address, type PublicClient } from 'viem';
import { feedMarketAbi } from '../../contracts/abis.js';
import { requireContractEvent } from '../contractEvent.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type PurchaseInfo = {
  purchaseId: bigint;
  feedId: bigint;
  buyer: Address;
  /** The seller (the feed's owner). */
  owner: Address;
  consentId: bigint;
  /** Unix seconds, [start, expiry). */
  start: bigint;
  expiry: bigint;
  /** When it stops being served: the expiry, or earlier the consent's revocation or a device changing hands. */
  end: bigint;
  price: bigint;
  /** Credited to the owner so far, and back to the buyer once ended. */
  released: bigint;
  refunded: bigint;
  /** Ended, and its whole price released or refunded. */
  settled: boolean;
};

type Reader = { publicClient: Pick<PublicClient, 'readContract'>; market: Address };

/** One purchase (the market reverts UnknownPurchase for an id it never issued) and when it ends. */
export async function readPurchase(parameters: Reader & { purchaseId: bigint }): Promise<PurchaseInfo> {
  const { publicClient, market, purchaseId } = parameters;
  const [p, end] = await Promise.all([
    publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'purchase', args: [purchaseId] }),
    publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'purchaseEnd', args: [purchaseId] }),
  ]);
  return { ...p, end: BigInt(end) };
}

/** Every purchase by `buyer`, oldest first, with when each ends. */
export async function listPurchases(parameters: Reader & { buyer: Address }): Promise<PurchaseInfo[]> {
  const { publicClient, market, buyer } = parameters;
  const list = await publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'purchasesOf', args: [buyer] });
  return Promise.all(list.map((p) => readPurchase({ publicClient, market, purchaseId: p.purchaseId })));
}

/** Every purchase of feeds `owner` sells (from FeedPurchased events), oldest first. */
export async function listSales(parameters: {
  publicClient: Pick<PublicClient, 'readContract' | 'getContractEvents'>;
  market: Address;
  owner: Address;
  fromBlock?: bigint;
}): Promise<PurchaseInfo[]> {
  const { publicClient, market, owner } = parameters;
  const feedIds = await publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'feedsOf', args: [owner] });
  if (feedIds.length === 0) return [];
  const events = await publicClient.getContractEvents({
    address: market,
    abi: feedMarketAbi,
    eventName: 'FeedPurchased',
    args: { feedId: [...feedIds] },
    fromBlock: parameters.fromBlock ?? 0n,
  });
  const ids = events.map((e) => (e.args as { purchaseId: bigint }).purchaseId);
  return Promise.all(ids.map((purchaseId) => readPurchase({ publicClient, market, purchaseId })));
}

export type SettlePurchasesReturnType = SendContractTransactionReturnType & {
  /** Wei released to owners and refunded to buyers by this call. */
  released: bigint;
  refunded: bigint;
};

/**
 * Anyone settles purchases: what each one's served time has earned is released to its owner, and a
 * purchase that has ended (expired, revoked, a device changed hands) refunds the rest to its buyer.
 */
export async function settlePurchases(parameters: WriteContext & { purchaseIds: readonly bigint[] }): Promise<SettlePurchasesReturnType> {
  const { clients, account, address, purchaseIds } = parameters;
  if (purchaseIds.length === 0) throw new Error('no purchases to settle');
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: feedMarketAbi,
    functionName: 'settlePurchases',
    args: [purchaseIds],
  });
  let released = 0n;
  let refunded = 0n;
  for (const log of parseEventLogs({ abi: feedMarketAbi, logs: sent.logs.filter((l) => isAddressEqual(l.address, address)) })) {
    if (log.eventName === 'PaymentReleased') released += log.args.amount;
    if (log.eventName === 'PurchaseRefunded') refunded += log.args.amount;
  }
  return { ...sent, released, refunded };
}

/** Pays the sender's refunds out; returns the amount in wei. */
export async function withdrawRefund(parameters: WriteContext): Promise<SendContractTransactionReturnType & { amount: bigint }> {
  const { clients, account, address } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: feedMarketAbi,
    functionName: 'withdrawRefund',
    args: [],
  });
  const event = requireContractEvent({
    abi: feedMarketAbi,
    address,
    eventName: 'RefundWithdrawn',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, amount: event.amount };
}

/** Wei refunded to `buyer` and not yet withdrawn. */
export function readRefund(parameters: Reader & { buyer: Address }): Promise<bigint> {
  const { publicClient, market, buyer } = parameters;
  return publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'refundOf', args: [buyer] });
}
