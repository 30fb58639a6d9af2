import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hex } from 'viem';
import { readNetworkConfig } from './networkConfig.js';
import { readNodeProcess } from './nodeProcess.js';
import { nodePaths } from './nodePaths.js';
import { nodeRpcEndpoint } from './networkRpcUrls.js';
import { callRpc } from '../chain/anvilRpc.js';

export type WaitForNetworkReadyParameters = {
  dir: string;
  /** Default 60 s. */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
};

export type WaitForNetworkReadyReturnType = {
  /** From the call until the running nodes were meshed and agreed on a block sealed after the call. */
  elapsedMs: number;
  blockNumber: number;
  blockHash: Hex;
  /** The nodes that run (and were waited for). */
  nodes: string[];
  rpcUrls: string[];
};

export class NetworkNotReadyError extends Error {
  override readonly name = 'NetworkNotReadyError';
}

const rpc = <T>(ipcPath: string, method: string, params: unknown[] = []): Promise<T> => callRpc<T>(ipcPath, method, params, 3_000);

/**
 * Waits until the network accepts transactions: every running node answers on its IPC socket, is connected
 * to every other running node, and all of them hold the same block, sealed after the wait began
 * (so sealing and propagation work). Fails after the timeout with what each node reports.
 */
export async function waitForNetworkReady(parameters: WaitForNetworkReadyParameters): Promise<WaitForNetworkReadyReturnType> {
  const started = Date.now();
  const dir = resolve(parameters.dir);
  const network = readNetworkConfig(dir);
  const timeoutMs = parameters.timeoutMs ?? 60_000;
  const running = network.nodes.filter((n) => readNodeProcess(join(dir, n.dir)).state === 'running');
  if (running.length === 0) throw new NetworkNotReadyError('no node of this network is running: start it with `pythia network up`');
  const urls = running.map((n) => nodePaths(join(dir, n.dir)).ipcPath);
  let baseline: number | undefined;
  let last = 'no answer yet';
  while (Date.now() - started < timeoutMs) {
    try {
      const tips = await Promise.all(urls.map((u) => rpc<{ number: Hex; hash: Hex }>(u, 'eth_getBlockByNumber', ['latest', false])));
      const heads = tips.map((t) => Number(t.number));
      baseline ??= Math.max(...heads);
      const peers = await Promise.all(urls.map((u) => rpc<Hex>(u, 'net_peerCount').then(Number)));
      const lowest = Math.min(...heads);
      // The head's hash tells a stall on one block from a split over several (a fork at the same height).
      last = running.map((n, i) => `${n.name} at block ${heads[i]} (${tips[i]!.hash.slice(0, 10)}) with ${peers[i]} peer(s)`).join(', ');
      if (peers.every((p) => p >= running.length - 1)) {
        // The tip may still be contested between out-of-turn signers: any agreed block sealed since the wait began will do.
        for (let height = lowest; height > baseline; height--) {
          const blocks = await Promise.all(
            urls.map((u) => rpc<{ hash: Hex } | null>(u, 'eth_getBlockByNumber', [`0x${height.toString(16)}`, false])),
          );
          const hash = blocks[0]?.hash;
          if (hash && blocks.every((b) => b?.hash === hash)) {
            return {
              elapsedMs: Date.now() - started,
              blockNumber: height,
              blockHash: hash,
              nodes: running.map((n) => n.name),
              rpcUrls: running.map((n) => nodeRpcEndpoint(dir, n)),
            };
          }
        }
      }
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  throw new NetworkNotReadyError(
    `the network was not ready within ${timeoutMs} ms (${last}); Clique seals only while more than half of the signers run (see pythia network status)`,
  );
}
