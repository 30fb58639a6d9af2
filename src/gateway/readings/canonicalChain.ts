import type { Hex, PublicClient } from 'viem';

/** A block as the node names it: height and hash. */
export type BlockId = { number: number; hash: Hex };

/** The hash of the canonical block at `blockNumber`, or undefined when the node has no block there (its head is lower). */
export async function canonicalHashAt(client: PublicClient, blockNumber: number): Promise<Hex | undefined> {
  const block = (await client.request({ method: 'eth_getBlockByNumber', params: [`0x${blockNumber.toString(16)}`, false] })) as {
    hash: Hex;
  } | null;
  return block?.hash ?? undefined;
}

/** Whether the block (height, hash) is on the node's canonical chain. A receipt is not proof: this is. */
export async function isCanonical(client: PublicClient, block: BlockId): Promise<boolean> {
  return (await canonicalHashAt(client, block.number)) === block.hash;
}

/**
 * How the head moved since it was last seen: `back` (a lower head: a node restarted from older
 * state, a revert, another node), `reorg` (the block seen as head then is no longer canonical),
 * or `ok`. `hashAtPreviousHeight` is the canonical hash now at the previous head's height (only
 * needed when the head is at or above it).
 */
export function headMove(previous: BlockId | undefined, head: BlockId, hashAtPreviousHeight: Hex | undefined): 'ok' | 'back' | 'reorg' {
  if (!previous) return 'ok';
  if (head.number < previous.number) return 'back';
  if (head.number === previous.number) return head.hash === previous.hash ? 'ok' : 'reorg';
  return hashAtPreviousHeight === previous.hash ? 'ok' : 'reorg';
}
