import type { PublicClient } from 'viem';

export type ChainReader = Pick<PublicClient, 'getBlock' | 'readContract'>;

export type CreateCachedChainReaderParameters = {
  publicClient: ChainReader;
  /** How long the latest block is reused before asking the node again (ms). Default 100. */
  latestBlockTtlMs?: number;
  /** Reads kept per block; the oldest block's reads go first. Default 100,000. */
  maxEntries?: number;
};

type Block = Awaited<ReturnType<ChainReader['getBlock']>>;

/**
 * A chain reader for answering questions at a pinned block. State at a given block number never
 * changes, so reads pinned to a block are memoised exactly (not a stale cache: the answer names
 * the block it was read at); only "which block is latest" is reused for a short while. Concurrent
 * identical reads share one RPC call. Without it, every answer costs three round trips to the node.
 */
export function createCachedChainReader({
  publicClient,
  latestBlockTtlMs = 100,
  maxEntries = 100_000,
}: CreateCachedChainReaderParameters): ChainReader {
  let latest: { at: number; block: Promise<Block> } | undefined;
  const reads = new Map<string, Promise<unknown>>();
  let newestBlock = -1n;

  const getBlock: ChainReader['getBlock'] = (parameters) => {
    const fetchBlock = () => publicClient.getBlock(parameters);
    if (parameters && Object.keys(parameters).some((k) => k !== 'blockTag' || parameters.blockTag !== 'latest')) return fetchBlock();
    const now = Date.now();
    if (!latest || now - latest.at > latestBlockTtlMs) {
      const block = publicClient.getBlock({ blockTag: 'latest' });
      latest = { at: now, block };
      block.catch(() => {
        if (latest?.block === block) latest = undefined;
      });
    }
    // Without parameters, or with blockTag 'latest' only, viem's result is this very block type.
    return latest.block as ReturnType<typeof fetchBlock>;
  };

  const readContract: ChainReader['readContract'] = (parameters) => {
    const read = () => publicClient.readContract(parameters);
    if (parameters.blockNumber === undefined) return read();
    const key = `${parameters.blockNumber}:${parameters.address?.toLowerCase()}:${parameters.functionName}:${JSON.stringify(parameters.args ?? [], (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
    // The key names the ABI function and its arguments, so a cached read has the type of this one.
    const cached = reads.get(key) as ReturnType<typeof read> | undefined;
    if (cached) return cached;
    if (parameters.blockNumber > newestBlock) {
      newestBlock = parameters.blockNumber;
      // Reads of blocks older than the one before the newest are no longer asked for.
      for (const k of reads.keys()) if (BigInt(k.slice(0, k.indexOf(':'))) < newestBlock - 1n) reads.delete(k);
    }
    if (reads.size >= maxEntries) reads.delete(reads.keys().next().value as string);
    const result = read();
    reads.set(key, result);
    result.catch(() => reads.delete(key));
    return result;
  };

  return { getBlock, readContract };
}
