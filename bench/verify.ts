/**
 * `node --import tsx bench/verify.ts`: how fast `pythia verify` checks a chain (docs/verify.md), on a
 * real Anvil with the real contracts, beside the machine's native signature recovery rate.
 *
 *   full blocks    BENCH_VERIFY_BATCHES batches of BENCH_VERIFY_BATCH readings (one batch per block),
 *                  from BENCH_VERIFY_DEVICES devices: readings/s, blocks/s
 *   empty blocks   BENCH_VERIFY_EMPTY blocks without transactions: blocks/s (scanning a quiet chain)
 *
 * Defaults: 40 batches of 250 readings, 50 devices, 2,000 empty blocks; concurrency 4 (BENCH_VERIFY_CONCURRENCY).
 * One reading in a hundred of each device is flagged (an hour apart in device time: no suspensions).
 */
import { performance } from 'node:perf_hooks';
import secp256k1 from 'secp256k1';
import { createPublicClient } from 'viem';
import { chainTransport } from '../src/chain/chainTransport.js';
import { anvilTestClient } from '../src/testing/anvilTestClient.js';
import { startTestChain } from '../src/testing/testChain.js';
import { latestBlockNumber, newTestKey, signItem, submitBatch, typicalValues } from '../src/verify/testKit.js';
import { verifyChain } from '../src/verify/verifyChain.js';

const env = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};
const BATCHES = env('BENCH_VERIFY_BATCHES', 40);
const BATCH = env('BENCH_VERIFY_BATCH', 250);
const DEVICES = env('BENCH_VERIFY_DEVICES', 50);
const EMPTY = env('BENCH_VERIFY_EMPTY', 2000);
const CONCURRENCY = env('BENCH_VERIFY_CONCURRENCY', 4);
const log = (line = '') => process.stdout.write(`${line}\n`);

function nativeRecoverPerSecond(): number {
  const secret = Buffer.alloc(32, 7);
  const digest = Buffer.alloc(32, 9);
  const { signature, recid } = secp256k1.ecdsaSign(digest, secret);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 1500) {
    for (let i = 0; i < 500; i++) secp256k1.ecdsaRecover(signature, recid, digest, false);
    n += 500;
  }
  return Math.round((n / (performance.now() - start)) * 1000);
}

const chain = await startTestChain();
try {
  log('pythia verify benchmark');
  log(`baseline: native secp256k1 recover (libsecp256k1, 1 core) ${nativeRecoverPerSecond()}/s`);
  const keys = Array.from({ length: DEVICES }, () => newTestKey());
  for (let i = 0; i < keys.length; i += 100)
    await chain.operatorWrite('registerDevices', [keys.slice(i, i + 100).map((k) => k.publicKey), 1]);
  const outOfRange = typicalValues.map((v, i) => (i === 2 ? 4500 : v));
  const sequences = new Map(keys.map((k) => [k.address, 0]));
  const from = (await latestBlockNumber(chain)) + 1n;
  for (let b = 0; b < BATCHES; b++) {
    const items = Array.from({ length: BATCH }, (_, i) => {
      const key = keys[(b * BATCH + i) % keys.length]!;
      const sequence = sequences.get(key.address)! + 1;
      sequences.set(key.address, sequence);
      return signItem(chain, key, {
        device: key.address,
        sequence,
        timestamp: 1_700_000_000 + 60 * sequence,
        ...(sequence % 100 === 0 ? { values: outOfRange } : {}),
      });
    });
    const sent = await submitBatch(chain, items, 100_000_000n);
    if (sent.status !== 'success') throw new Error(`batch ${b} reverted`);
  }
  const to = await latestBlockNumber(chain);
  const client = createPublicClient({ transport: chainTransport(chain.rpcUrl, { batch: { batchSize: 200, wait: 0 } }) });
  const full = await verifyChain({ client, fleet: chain.fleetAddress, fromBlock: from, toBlock: to, concurrency: CONCURRENCY });
  if (!full.agreed)
    throw new Error(`discrepancies: ${JSON.stringify(full.discrepancies.slice(0, 3), (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  const blocks = Number(to - from + 1n);
  log(
    `full blocks: ${full.counts.readings.checked} readings in ${blocks} blocks (${full.counts.readings.flagged} flagged) in ${full.elapsedSeconds.toFixed(2)} s: ` +
      `${Math.round(full.counts.readings.checked / full.elapsedSeconds)} readings/s, ${(blocks / full.elapsedSeconds).toFixed(1)} blocks/s`,
  );

  await anvilTestClient(chain.publicClient).mine({ blocks: EMPTY });
  const emptyFrom = to + 1n;
  const emptyTo = await latestBlockNumber(chain);
  const empty = await verifyChain({ client, fleet: chain.fleetAddress, fromBlock: emptyFrom, toBlock: emptyTo, concurrency: CONCURRENCY });
  log(
    `empty blocks: ${empty.counts.blocks} in ${empty.elapsedSeconds.toFixed(2)} s: ${Math.round(empty.counts.blocks / empty.elapsedSeconds)} blocks/s`,
  );
  log(`(concurrency ${CONCURRENCY}; JSON-RPC batches of up to 200 calls over HTTP to a local Anvil)`);
} finally {
  await chain.stop();
}
