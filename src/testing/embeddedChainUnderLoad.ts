// Test helper run as its own process (the node the crash tests kill with SIGKILL): starts the
// embedded chain of the chain folder argv[2], saving every argv[3] ms, and keeps sending
// transactions with calldata from the account whose key is in $LOAD_KEY. Reports on stdout, one
// JSON object a line: {"event":"ready"|"saved"|"head"|"progress", ...}.
import { randomBytes } from 'node:crypto';
import type { Hex } from 'viem';
import { createChainClients } from '../chain/clients.js';
import { startEmbeddedChain } from '../chain/embeddedChain.js';
import { nativeAccount } from '../chain/nativeAccount.js';

const [chainDir, interval] = process.argv.slice(2);
const key = process.env.LOAD_KEY as Hex | undefined;
if (!chainDir || !interval || !key) throw new Error('usage: LOAD_KEY=0x… embeddedChainUnderLoad.ts <chain-dir> <save-interval-ms>');
// Pipes to the parent are synchronous on Linux: a line written is read even if a kill follows.
const emit = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);

let chain: Awaited<ReturnType<typeof startEmbeddedChain>>;
chain = await startEmbeddedChain({
  chainDir,
  saveIntervalMs: Number(interval),
  onProgress: (message) => emit({ event: 'progress', message, anvilPid: chain?.pid() }),
});
// The saver reports through the progress callback only on errors: watch its last saved block.
let reported = chain.lastSavedBlock()?.number;
emit({ event: 'ready', rpcUrl: chain.rpcUrl, anvilPid: chain.pid(), saved: reported });
setInterval(() => {
  const saved = chain.lastSavedBlock();
  if (saved && saved.number !== reported) {
    reported = saved.number;
    emit({ event: 'saved', number: saved.number, bytes: saved.bytes, durationMs: Math.round(saved.durationMs), anvilPid: chain.pid() });
  }
}, 5);

const account = nativeAccount(key);
let head = -1n;
const { publicClient, walletClient } = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
const wallet = walletClient(account);
for (;;) {
  try {
    // Re-read the nonce each round: after the chain restarts from a snapshot, later ones are gone.
    const nonce = await publicClient.getTransactionCount({ address: account.address });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        wallet.sendTransaction({
          to: account.address,
          nonce: nonce + i,
          gas: 200_000n,
          data: `0x${randomBytes(2_000).toString('hex')}`,
        }),
      ),
    );
    const deadline = Date.now() + 2_000;
    while ((await publicClient.getTransactionCount({ address: account.address })) < nonce + 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const number = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (number !== head) {
      head = number;
      emit({ event: 'head', number });
    }
  } catch {
    await new Promise((r) => setTimeout(r, 50)); // the chain is restarting
  }
}
