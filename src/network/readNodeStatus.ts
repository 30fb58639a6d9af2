import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { getAddress, type Address, type Hex } from 'viem';
import { createIpcClient } from './ipcClient.js';
import { readNodeConfig, type NodeRole } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';
import { readNodeProcess } from './nodeProcess.js';

export type SignerVote = { address: Address; vote: 'add' | 'remove' };

export type NodeStatus = {
  name: string;
  role: NodeRole;
  /** The validator's signer address. */
  address?: Address;
  running: boolean;
  pid?: number;
  /** A pid file was left by a process that is gone. */
  stalePidFile?: boolean;
  rpcUrl: string;
  ipcPath: string;
  head?: { number: number; hash: Hex; timestamp: number };
  peers?: number;
  /** The signer list as this node sees it at its head. */
  signers?: Address[];
  /** Its key is in the signer list and geth is sealing with it. */
  sealing: boolean;
  /** How many of the last `recentBlocks` blocks it sealed. */
  sealedRecently?: number;
  recentBlocks?: number;
  /** Votes this node casts in the blocks it seals (clique_proposals). */
  proposals?: SignerVote[];
  /** Votes on chain not yet decided (clique snapshot tally at the head). */
  openVotes?: Array<{ address: Address; vote: 'add' | 'remove'; votes: number }>;
  /** Why some of the above is missing (the node did not answer). */
  error?: string;
};

type Snapshot = { tally: Record<string, { authorize: boolean; votes: number }> };
type CliqueStatus = { sealerActivity: Record<string, number>; numBlocks: number };

/** One node's state, read over its IPC socket (the administration interface; HTTP has no clique namespace). */
export async function readNodeStatus(nodeDir: string): Promise<NodeStatus> {
  const dir = resolve(nodeDir);
  const { node } = readNodeConfig(dir);
  const paths = nodePaths(dir);
  const proc = readNodeProcess(dir);
  const status: NodeStatus = {
    name: node.name,
    role: node.role,
    ...(node.address && { address: node.address }),
    running: proc.state === 'running',
    ...(proc.state !== 'stopped' && { pid: proc.pid }),
    ...(proc.state === 'stale' && { stalePidFile: true }),
    rpcUrl: node.role === 'validator' ? paths.ipcPath : `http://127.0.0.1:${node.ports.http}`,
    ipcPath: paths.ipcPath,
    sealing: false,
  };
  if (proc.state !== 'running' || !existsSync(paths.ipcPath)) return status;
  try {
    const ipc = await createIpcClient(paths.ipcPath, { timeoutMs: 5_000 });
    try {
      const block = await ipc.request<{ number: Hex; hash: Hex; timestamp: Hex }>('eth_getBlockByNumber', ['latest', false]);
      status.head = { number: Number(block.number), hash: block.hash, timestamp: Number(block.timestamp) };
      status.peers = Number(await ipc.request<Hex>('net_peerCount'));
      status.signers = (await ipc.request<string[]>('clique_getSigners')).map((a) => getAddress(a));
      const mining = await ipc.request<boolean>('eth_mining');
      status.sealing = mining && node.address !== undefined && status.signers.includes(node.address);
      // clique_status needs blocks to count: none on a fresh chain.
      const activity = await ipc.request<CliqueStatus>('clique_status').catch(() => undefined);
      if (activity) {
        status.recentBlocks = activity.numBlocks;
        if (node.address) status.sealedRecently = activity.sealerActivity[node.address.toLowerCase()] ?? 0;
      }
      const proposals = await ipc.request<Record<string, boolean>>('clique_proposals');
      status.proposals = Object.entries(proposals).map(([address, add]) => ({
        address: getAddress(address),
        vote: add ? 'add' : 'remove',
      }));
      const snapshot = await ipc.request<Snapshot>('clique_getSnapshot', ['latest']);
      status.openVotes = Object.entries(snapshot.tally ?? {}).map(([address, t]) => ({
        address: getAddress(address),
        vote: t.authorize ? 'add' : 'remove',
        votes: t.votes,
      }));
    } finally {
      ipc.close();
    }
  } catch (error) {
    status.error = (error as Error).message;
  }
  return status;
}
