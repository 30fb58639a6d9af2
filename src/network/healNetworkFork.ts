import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hex } from 'viem';
import { cliqueConfirmations } from '../chain/cliqueConfirmations.js';
import { createIpcClient, type IpcClient } from './ipcClient.js';
import { readNetworkConfig } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';
import { readNodeProcess } from './nodeProcess.js';

export type HealNetworkForkParameters = {
  dir: string;
  /** How long every running validator's head must stand still before it counts as stalled (ms). Default: 5 block periods, at least 5 s. */
  stalledForMs?: number;
  /** How long to wait for the rewound validators to take the kept branch and the chain to move on (ms). Default 60 s. */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
  /** Ends the wait for standing heads early (the watch's stop); never a heal under way, which finishes so that no validator is left with its sealing stopped. */
  signal?: AbortSignal;
};

export type BranchHead = { node: string; number: number; hash: Hex; totalDifficulty: string };

export type HealNetworkForkReturnType =
  | { outcome: 'moving'; heads: BranchHead[] }
  | { outcome: 'agreed'; heads: BranchHead[] }
  | {
      outcome: 'healed';
      heads: BranchHead[];
      kept: { number: number; hash: Hex };
      rewound: Array<{ node: string; from: { number: number; hash: Hex }; to: { number: number; hash: Hex } }>;
      /** The head all running validators share once the chain moved on. */
      after: { number: number; hash: Hex };
    };

export class HealNetworkForkError extends Error {
  override readonly name = 'HealNetworkForkError';
}

type Block = { number: Hex; hash: Hex; totalDifficulty: Hex };
type Validator = { node: string; client: IpcClient };

const headOf = async ({ node, client }: Validator): Promise<BranchHead> => {
  const block = await client.request<Block>('eth_getBlockByNumber', ['latest', false]);
  return { node, number: Number(block.number), hash: block.hash, totalDifficulty: BigInt(block.totalDifficulty).toString() };
};

const hashAt = async (client: IpcClient, number: number): Promise<Hex | undefined> =>
  (await client.request<Block | null>('eth_getBlockByNumber', [`0x${number.toString(16)}`, false]))?.hash;

/** How long the heads must stand still by default: 5 block periods, at least 5 s. */
export function defaultStalledForMs(periodSeconds: number): number {
  return Math.max(5_000, 5 * periodSeconds * 1000);
}

/**
 * The branch the network keeps: geth's own fork choice (the highest total difficulty; at equal
 * difficulty the lower block), then the lowest hash, so that every partner who runs this picks the
 * same one.
 */
export function keptBranch(heads: readonly BranchHead[]): BranchHead {
  return [...heads].sort((a, b) => {
    const td = BigInt(b.totalDifficulty) - BigInt(a.totalDifficulty);
    if (td !== 0n) return td > 0n ? 1 : -1;
    if (a.number !== b.number) return a.number - b.number;
    return BigInt(a.hash) < BigInt(b.hash) ? -1 : BigInt(a.hash) > BigInt(b.hash) ? 1 : 0;
  })[0]!;
}

/**
 * Clique's deadlock, and its cure. Two validators of a bare majority that may both seal the next
 * block (neither sealed the last one) can each seal their own at the same height with the same
 * difficulty (both out of turn); geth keeps the block it sealed itself when the difficulties are
 * equal, and Clique lets neither seal again on its own block, so the chain stands still for good
 * while both run and are connected. This looks at the running validators of the folder: when none
 * of their heads moved for `stalledForMs` and they disagree, it keeps one branch (keptBranch) and
 * rewinds every other validator to the block its branch shares with the kept one (debug_setHead),
 * its sealing stopped until it has imported the kept branch's blocks (exported by the keeper into
 * its run folder: the nodes share a host), then started again.
 * Transactions of a dropped block go back to their senders' hands: the gateway's relayer sends
 * again a batch whose block vanished.
 */
export async function healNetworkFork(parameters: HealNetworkForkParameters): Promise<HealNetworkForkReturnType> {
  const dir = resolve(parameters.dir);
  const config = readNetworkConfig(dir);
  const progress = parameters.onProgress ?? (() => {});
  const stalledForMs = parameters.stalledForMs ?? defaultStalledForMs(config.period);
  const timeoutMs = parameters.timeoutMs ?? 60_000;
  const running = config.nodes.filter((n) => {
    const nodeDir = join(dir, n.dir);
    return n.role === 'validator' && readNodeProcess(nodeDir).state === 'running' && existsSync(nodePaths(nodeDir).ipcPath);
  });
  if (running.length < 2) throw new HealNetworkForkError(`${running.length} validator(s) of this folder run: a fork needs two`);
  const validators: Validator[] = [];
  try {
    for (const n of running) {
      validators.push({ node: n.name, client: await createIpcClient(nodePaths(join(dir, n.dir)).ipcPath, { timeoutMs: 5_000 }) });
    }
    const first = await Promise.all(validators.map(headOf));
    progress(`watching ${validators.length} validators for ${(stalledForMs / 1000).toFixed(0)} s: are their heads standing still?`);
    await sleep(stalledForMs, undefined, parameters.signal ? { signal: parameters.signal } : {});
    const heads = await Promise.all(validators.map(headOf));
    if (heads.some((h, i) => h.hash !== first[i]!.hash)) return { outcome: 'moving', heads };
    if (new Set(heads.map((h) => h.hash)).size === 1) return { outcome: 'agreed', heads };

    const kept = keptBranch(heads);
    const keeper = validators.find((v) => v.node === kept.node)!;
    // A block with as many confirmations as the gateway's finality asks may be final to it: never rewound.
    const signers = (await keeper.client.request<string[]>('clique_getSigners')).length;
    const maxDepth = cliqueConfirmations(signers) - 1;
    // Every branch's shared block first, then the rewinds: a branch too deep refuses the heal before any node is touched.
    const rewound: Extract<HealNetworkForkReturnType, { outcome: 'healed' }>['rewound'] = [];
    for (const [i, head] of heads.entries()) {
      if (head.hash === kept.hash) continue;
      const { client, node } = validators[i]!;
      for (let common = Math.min(head.number, kept.number); ; common--) {
        if (common < 0 || head.number - common > maxDepth) {
          throw new HealNetworkForkError(
            `${node}'s branch leaves ${kept.node}'s more than ${maxDepth} blocks back: its blocks may be final to a gateway ` +
              `(${signers} signers: ${maxDepth + 1} confirmations), so it is not rewound; nothing was changed`,
          );
        }
        const hash = await hashAt(client, common);
        if (hash !== undefined && hash === (await hashAt(keeper.client, common))) {
          rewound.push({ node, from: { number: head.number, hash: head.hash }, to: { number: common, hash } });
          break;
        }
      }
    }
    for (const { node, from, to } of rewound) {
      const { client } = validators.find((v) => v.node === node)!;
      progress(`${node}: sealing stopped, rewound from block ${from.number} (${from.hash}) to ${to.number}, to take ${kept.node}'s branch`);
      await client.request('miner_stop');
      await client.request('debug_setHead', [`0x${to.number.toString(16)}`]);
    }
    // The rewound nodes are handed the kept branch's blocks (geth syncs from a peer only when one connects or
    // announces a block, and the keeper announces none: it may not seal), then seal again.
    const deadline = Date.now() + timeoutMs;
    const keeperRun = nodePaths(join(dir, config.nodes.find((n) => n.name === kept.node)!.dir)).runDir;
    for (const { node, to } of rewound) {
      const validator = validators.find((v) => v.node === node)!;
      const file = join(keeperRun, `heal-${process.pid}-${Date.now()}-${node}.rlp`);
      try {
        await keeper.client.request('admin_exportChain', [file, to.number + 1, kept.number]);
        await validator.client.request('admin_importChain', [file]);
      } finally {
        rmSync(file, { force: true });
      }
      while ((await hashAt(validator.client, kept.number)) !== kept.hash) {
        if (Date.now() > deadline) throw new HealNetworkForkError(`${node} did not take ${kept.node}'s branch within ${timeoutMs} ms`);
        await sleep(250);
      }
      await validator.client.request('miner_start');
      progress(`${node}: on ${kept.node}'s branch (block ${kept.number}), sealing again`);
    }
    for (;;) {
      const now = await Promise.all(validators.map(headOf));
      const agreed = new Set(now.map((h) => h.hash)).size === 1;
      if (agreed && now[0]!.number > kept.number) {
        return {
          outcome: 'healed',
          heads,
          kept: { number: kept.number, hash: kept.hash },
          rewound,
          after: { number: now[0]!.number, hash: now[0]!.hash },
        };
      }
      if (Date.now() > deadline) {
        throw new HealNetworkForkError(
          `the validators took ${kept.node}'s branch but no new block followed within ${timeoutMs} ms (heads: ${now.map((h) => `${h.node} ${h.number}`).join(', ')})`,
        );
      }
      await sleep(250);
    }
  } finally {
    for (const v of validators) v.client.close();
  }
}
