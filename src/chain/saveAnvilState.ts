import { callRpc } from './anvilRpc.js';
import { accountNonceOf, headBlockNumberOf, readDumpHead, writeAnvilSnapshot } from './anvilSnapshot.js';

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

/** Dumps taken before giving up until the next save; the last one with mining paused. */
const MAX_DUMPS = 4;

/**
 * Saves the running Anvil's state into `chainDir` atomically (writeAnvilSnapshot) and returns the
 * block it holds. Anvil's dump reads its blocks and its accounts under separate locks, so a block
 * mined meanwhile can leave a dump whose accounts already hold the effects of the block after its
 * head ("torn": loaded, that state would have transactions' effects with no transaction). So a dump
 * is checked before it is kept: the senders of the next block's transactions must not yet have
 * spent those nonces in it. A torn dump is taken again; the last attempt pauses mining (automine
 * off) for the length of the dump, which then catches at most a block already being mined.
 */
export async function saveAnvilState(parameters: SaveAnvilStateParameters): Promise<SavedBlock> {
  const { rpcUrl, chainDir } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 120_000;
  const started = performance.now();
  for (let attempt = 1; attempt <= MAX_DUMPS; attempt++) {
    const pause = attempt === MAX_DUMPS && (await callRpc<boolean>(rpcUrl, 'anvil_getAutomine'));
    if (pause) await callRpc(rpcUrl, 'evm_setAutomine', [false]);
    let hex: unknown;
    try {
      hex = await callRpc<unknown>(rpcUrl, 'anvil_dumpState', [], timeoutMs);
    } finally {
      if (pause) await callRpc(rpcUrl, 'evm_setAutomine', [true]).catch(() => {});
    }
    if (typeof hex !== 'string' || !/^0x[0-9a-fA-F]*$/.test(hex.slice(0, 66)) || hex.length % 2 !== 0)
      throw new Error('anvil_dumpState answered something other than hex bytes');
    const gzip = Buffer.from(hex.slice(2), 'hex');
    let head: Buffer;
    try {
      head = readDumpHead(gzip);
    } catch (error) {
      throw new Error(`anvil_dumpState answered damaged gzip data (${(error as Error).message})`);
    }
    const number = headBlockNumberOf(head);
    if (number === undefined) throw new Error('the state dump names no head block');
    const next = await callRpc<RpcBlock | null>(rpcUrl, 'eth_getBlockByNumber', [`0x${(number + 1n).toString(16)}`, true]);
    if (next?.transactions.some((tx) => (accountNonceOf(head, tx.from) ?? 0n) > BigInt(tx.nonce))) continue;
    const block = await callRpc<RpcBlock | null>(rpcUrl, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false]);
    if (!block) throw new Error(`the chain has no block ${number}, the head of its own dump`);
    await writeAnvilSnapshot(chainDir, gzip);
    return { number, hash: block.hash, savedAt: new Date(), bytes: gzip.length, durationMs: performance.now() - started };
  }
  throw new Error(`${MAX_DUMPS} state dumps in a row caught a block being mined`);
}
