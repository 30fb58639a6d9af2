import { join, resolve } from 'node:path';
import type { Address } from 'viem';
import { readNetworkConfig } from './networkConfig.js';
import { readNodeStatus, type NodeStatus } from './readNodeStatus.js';

export type NetworkStatus = {
  dir: string;
  chainId: number;
  period: number;
  nodes: NodeStatus[];
  /** The signer list at the highest head any running node reports (none when nothing runs). */
  signers: Address[];
  /** Clique seals only while more than half of the signers take turns: ⌊N/2⌋ + 1. */
  signersNeeded: number;
  /** Signers whose node runs and seals here. */
  signersSealing: number;
  /** The highest block any running node has. */
  head?: number;
};

/** Clique's rule: a signer may seal one block in any ⌊N/2⌋ + 1 consecutive ones, so that many must be online. */
export function signersNeeded(signerCount: number): number {
  return Math.floor(signerCount / 2) + 1;
}

/** Every node's state (height, peers, signers, sealing, votes) and whether enough signers seal. */
export async function readNetworkStatus(parameters: { dir: string }): Promise<NetworkStatus> {
  const dir = resolve(parameters.dir);
  const network = readNetworkConfig(dir);
  const nodes = await Promise.all(network.nodes.map((n) => readNodeStatus(join(dir, n.dir))));
  const withHead = nodes.filter((n) => n.head && n.signers).sort((a, b) => b.head!.number - a.head!.number);
  const signers = withHead[0]?.signers ?? [];
  return {
    dir,
    chainId: network.chainId,
    period: network.period,
    nodes,
    signers,
    signersNeeded: signersNeeded(signers.length),
    signersSealing: nodes.filter((n) => n.sealing).length,
    ...(withHead[0] && { head: withHead[0].head!.number }),
  };
}
