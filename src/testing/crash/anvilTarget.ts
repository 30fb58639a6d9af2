import { readFileSync, renameSync, rmSync } from 'node:fs';
import type { AnvilNode } from '../anvilNode.js';
import type { CrashTarget } from './killer.js';

/**
 * An Anvil node as the embedded chain behaves: its state saved every `saveEveryMs` (dumped,
 * checked, written beside, renamed: a save is whole or absent), a kill -9 loses every block since
 * the last completed save, and the node comes back on the same port from that save.
 *
 * anvil_dumpState is not atomic with mining (Anvil 1.7.1, seen under the crash load): a dump taken
 * while a block is being mined can hold an account's state one transaction ahead of the blocks
 * and receipts it holds. A node loaded from it has the transaction's effects (a nonce used,
 * readings recorded in storage) and no block, receipt or event for it. Such a dump is discarded
 * here (the previous save stays), as a saver must.
 */
export type AnvilCrashTarget = CrashTarget & {
  /** Saves now (before the first kill: the node must come back with the contracts). */
  saveNow(): Promise<void>;
  stop(): Promise<void>;
  /** Saves kept, and dumps discarded as inconsistent. */
  readonly saves: number;
  /** The head block of the last save kept (what survives a kill now). */
  readonly savedBlock: number | undefined;
  readonly discardedDumps: number;
};

type DumpedState = {
  best_block_number: number;
  blocks: { header: { number: string } }[];
  accounts: Record<string, { nonce: number; code: string }>;
  transactions: { info: { from: string } }[];
};

/** Whether a dump's accounts agree with its blocks: the head is its last block, and every account without code sent as many transactions as its nonce says. */
export function isConsistentDump(state: DumpedState): boolean {
  const last = Math.max(...state.blocks.map((b) => Number(b.header.number)));
  if (last !== Number(state.best_block_number)) return false;
  const sent = new Map<string, number>();
  for (const tx of state.transactions) {
    const from = tx.info.from.toLowerCase();
    sent.set(from, (sent.get(from) ?? 0) + 1);
  }
  for (const [address, account] of Object.entries(state.accounts)) {
    if (account.code !== '0x' && account.code !== '') continue; // contracts count their CREATEs in their nonce
    if (Number(account.nonce) !== (sent.get(address.toLowerCase()) ?? 0)) return false;
  }
  return true;
}

export function anvilCrashTarget(
  node: AnvilNode,
  { statePath, saveEveryMs = 2000 }: { statePath: string; saveEveryMs?: number },
): AnvilCrashTarget {
  let timer: NodeJS.Timeout | undefined;
  let saving: Promise<void> | undefined;
  let saves = 0;
  let discardedDumps = 0;
  let hasSave = false;
  let savedBlock: number | undefined;

  const save = async () => {
    const partial = `${statePath}.partial`;
    await node.dumpStateTo(partial);
    const state = JSON.parse(readFileSync(partial, 'utf8')) as DumpedState;
    if (!isConsistentDump(state)) {
      discardedDumps += 1;
      rmSync(partial, { force: true });
      return;
    }
    renameSync(partial, statePath);
    savedBlock = Number(state.best_block_number);
    saves += 1;
    hasSave = true;
  };
  const startSaving = () => {
    timer = setInterval(() => {
      if (saving) return;
      saving = save()
        .catch(() => {}) // the node is down: the next tick saves
        .finally(() => {
          saving = undefined;
        });
    }, saveEveryMs);
  };
  const stopSaving = async () => {
    clearInterval(timer);
    timer = undefined;
    await saving;
  };

  startSaving();
  return {
    name: 'anvil',
    get saves() {
      return saves;
    },
    get discardedDumps() {
      return discardedDumps;
    },
    get savedBlock() {
      return savedBlock;
    },
    async saveNow() {
      await saving;
      await save();
      if (!hasSave) throw new Error('anvil_dumpState gave an inconsistent dump on an idle node');
    },
    async kill() {
      // A save in flight is lost with the process (its partial file is never renamed).
      clearInterval(timer);
      timer = undefined;
      await node.kill9();
      await saving;
    },
    async start() {
      await node.restart(hasSave ? { loadState: statePath } : {});
      startSaving();
    },
    async stop() {
      await stopSaving();
    },
  };
}
