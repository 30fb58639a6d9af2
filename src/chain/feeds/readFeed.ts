import type { Address, Hex, PublicClient } from 'viem';
import { feedMarketAbi } from '../../contracts/abis.js';
import { maskToStreams } from '../../protocol/consentScope.js';

export type FeedInfo = {
  feedId: bigint;
  owner: Address;
  devices: Address[];
  /** Bitmask (bit i = metric i) and its names in profile order. */
  streams: number;
  streamNames: string[];
  /** Wei per period. */
  price: bigint;
  /** Seconds one purchase buys. */
  period: bigint;
  open: boolean;
  offeredAt: bigint;
  sales: bigint;
  /** Zero = no policy. */
  policyId: Hex;
  purpose: string;
};

export type ReadFeedParameters = {
  publicClient: Pick<PublicClient, 'readContract'>;
  market: Address;
  feedId: bigint;
  blockNumber?: bigint;
};

/** One feed (the market reverts UnknownFeed for an id it never issued). */
export async function readFeed(parameters: ReadFeedParameters): Promise<FeedInfo> {
  const { publicClient, market, feedId } = parameters;
  const at = parameters.blockNumber === undefined ? {} : { blockNumber: parameters.blockNumber };
  const f = await publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'feed', args: [feedId], ...at });
  return {
    feedId,
    owner: f.owner,
    devices: [...f.devices],
    streams: f.streams,
    streamNames: maskToStreams(f.streams),
    price: f.price,
    period: f.period,
    open: f.open,
    offeredAt: f.offeredAt,
    sales: f.sales,
    policyId: f.policyId,
    purpose: f.purpose,
  };
}
