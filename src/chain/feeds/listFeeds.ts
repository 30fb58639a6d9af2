import type { Address, PublicClient } from 'viem';
import { feedMarketAbi } from '../../contracts/abis.js';
import { readFeed, type FeedInfo } from './readFeed.js';

export type ListFeedsParameters = {
  publicClient: Pick<PublicClient, 'readContract' | 'getBlockNumber'>;
  market: Address;
  /** Only this owner's feeds (feedsOf); otherwise every feed. */
  owner?: Address;
  /** Only feeds still on sale. */
  openOnly?: boolean;
};

/** Feeds, oldest first, read at one block so that the list is consistent. */
export async function listFeeds(parameters: ListFeedsParameters): Promise<FeedInfo[]> {
  const { publicClient, market, owner, openOnly = false } = parameters;
  const blockNumber = await publicClient.getBlockNumber();
  const base = { address: market, abi: feedMarketAbi, blockNumber } as const;
  let ids: bigint[];
  if (owner) {
    ids = [...(await publicClient.readContract({ ...base, functionName: 'feedsOf', args: [owner] }))];
  } else {
    const count = await publicClient.readContract({ ...base, functionName: 'feedCount' });
    ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  }
  const feeds = await Promise.all(ids.map((feedId) => readFeed({ publicClient, market, feedId, blockNumber })));
  return openOnly ? feeds.filter((f) => f.open) : feeds;
}
