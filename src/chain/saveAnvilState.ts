import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { callRpc } from './anvilRpc.js';
import { accountNonceOf, headBlockNumberOf, writeAnvilSnapshot } from './anvilSnapshot.js';

const gunzipAsync = promisify(gunzip);

/** The block a snapshot on disk holds the chain up to: blocks above it are lost if the chain dies now. */
export type SavedBlock = {
  number: bigint;
  hash: `0x${string}`;
  savedAt: Date;
  /** Size of the snapshot file (gzip). */
  bytes: number;
  /** From the dump request to the renamed, synced file. */
  durationMs: number;
};

export type SaveAnvilStateParameters = {
  rpcUrl: string;
  chainDir: string;
  /** Deadline of the dump request (a large state takes a while to serialise). */
  timeoutMs?: number;
};

type RpcBlock = { hash: `0x${string}`; transactions: Array<{ from: string; nonce: `0x${string}` }> };

const MAX_DUMPS = 4;

/**
 * Saves the running Anvil's state into `chainDir` atomically (writeAnvilSnapshot) and returns the
 * block it holds. Anvil's dump reads its blocks and its accounts under separate locks, so a block
 * mined meanwhile can leave a dump whose accounts already hold the effects of the block after its
 * head ("torn": loaded, that state would have transactions' effects with no transaction). Mining
 * is paused (automine off) for the dump, and a dump is checked before it is kept: the senders of
 * the next block's transactions must not yet have spent those nonces in it. A torn dump (a block
 * that was already being mined when the pause began) is taken again.
 */
export async function saveAnvilState(parameters: SaveAnvilStateParameters): Promise<SavedBlock> {
  const { rpcUrl, chainDir } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 120_000;
  const started = performance.now();
  const automine = await callRpc<boolean>(rpcUrl, 'anvil_getAutomine');
  if (automine) await callRpc(rpcUrl, 'evm_setAutomine', [false]);
  try {
    for (let dump = 1; dump <= MAX_DUMPS; dump++) {
      const hex = await callRpc<unknown>(rpcUrl, 'anvil_dumpState', [], timeoutMs);
      if (typeof hex !== 'string' || !/^0x[0-9a-fA-F]*$/.test(hex.slice(0, 66)) || hex.length % 2 !== 0)
        throw new Error('anvil_dumpState answered something other than hex bytes');
      const gzip = Buffer.from(hex.slice(2), 'hex');
      const json = await gunzipAsync(gzip).catch((error: Error) => {
        throw new Error(`anvil_dumpState answered damaged gzip data (${error.message})`);
      });
      const number = headBlockNumberOf(json);
      if (number === undefined) throw new Error('the state dump names no head block');
      const next = await callRpc<RpcBlock | null>(rpcUrl, 'eth_getBlockByNumber', [`0x${(number + 1n).toString(16)}`, true]);
      const torn = next?.transactions.some((tx) => (accountNonceOf(json, tx.from) ?? 0n) > BigInt(tx.nonce)) ?? false;
      if (torn) continue;
      const head = await callRpc<RpcBlock | null>(rpcUrl, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false]);
      if (!head) throw new Error(`the chain has no block ${number}, the head of its own dump`);
      await writeAnvilSnapshot(chainDir, gzip);
      return { number, hash: head.hash, savedAt: new Date(), bytes: gzip.length, durationMs: performance.now() - started };
    }
    throw new Error(`${MAX_DUMPS} state dumps in a row caught a block being mined`);
  } finally {
    if (automine) await callRpc(rpcUrl, 'evm_setAutomine', [true]).catch(() => {});
  }
}
