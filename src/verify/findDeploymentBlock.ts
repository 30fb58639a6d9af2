import type { Address, PublicClient } from 'viem';
import { CannotVerifyError } from './errors.js';

export type FindDeploymentBlockParameters = {
  client: PublicClient;
  address: Address;
  /** A block at which the contract has code. */
  toBlock: bigint;
  /**
   * Where verification starts: if the contract already has code at the block before, that block is
   * returned without searching (every block from `fromBlock` on has the contract's state before it).
   */
  fromBlock?: bigint | undefined;
};

/**
 * The first block after which `address` has code (its deployment block), by binary search over
 * eth_getCode at past blocks: about log2(toBlock) calls, on a node that keeps past states; or a
 * block before `fromBlock` that has it already.
 */
export async function findDeploymentBlock({ client, address, toBlock, fromBlock }: FindDeploymentBlockParameters): Promise<bigint> {
  const hasCode = async (blockNumber: bigint) => {
    try {
      const code = await client.getCode({ address, blockNumber });
      return code !== undefined && code !== '0x';
    } catch (error) {
      throw new CannotVerifyError(
        `cannot read the code of ${address} at block ${blockNumber}: ${(error as Error).message.split('\n')[0]} — the node must keep the state of past blocks (an archive node)`,
      );
    }
  };
  if (!(await hasCode(toBlock))) throw new CannotVerifyError(`${address} has no code at block ${toBlock}: no fleet contract there`);
  if (fromBlock !== undefined && fromBlock > 0n && fromBlock <= toBlock && (await hasCode(fromBlock - 1n))) return fromBlock - 1n;
  let low = 0n;
  let high = toBlock;
  while (low < high) {
    const middle = (low + high) / 2n;
    if (await hasCode(middle)) high = middle;
    else low = middle + 1n;
  }
  return low;
}
