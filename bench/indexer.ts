/**
 * `npm run bench -- indexer`: how fast the indexer (src/indexer) catches up with a chain, on a real
 * Anvil with the real contracts: BENCH_INDEXER_BATCHES batches of BENCH_INDEXER_BATCH readings
 * (one submitReadings per block) from BENCH_INDEXER_DEVICES devices, then one ChainFollower from the
 * deployment block to the head into a fresh SQLite file, then another into a fresh PostgreSQL database
 * (a throwaway local cluster, fsync on) from the same chain. Target (issue #14): 10,000 events/s or more.
 * Defaults: 40 batches of 250 readings, 100 devices; one reading in a hundred flagged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ChainFollower } from '../src/indexer/followChain.js';
import { indexedContracts } from '../src/indexer/indexedContracts.js';
import { listDeviceReadings, listDevices } from '../src/indexer/queryIndex.js';
import { PostgresIndexerStore } from '../src/indexer/postgresIndexerStore.js';
import { SqliteIndexerStore } from '../src/indexer/sqliteIndexerStore.js';
import type { IndexerStore } from '../src/indexer/indexerStore.js';
import { startTestPostgres } from '../src/testing/testPostgres.js';
import { deploymentIdentity } from '../src/indexer/startIndexer.js';
import { startTestChain } from '../src/testing/testChain.js';
import { latestBlockNumber, newTestKey, signItem, submitBatch, typicalValues } from '../src/verify/testKit.js';

export type IndexerFigures = {
  events: number;
  readings: number;
  blocks: number;
  seconds: number;
  /** The same catch-up into PostgreSQL, from the same chain. */
  postgresSeconds: number;
  fleetPageMs: number;
  devicePageMs: number;
};

export async function measureIndexer(options: { batches: number; batch: number; devices: number }): Promise<IndexerFigures> {
  const chain = await startTestChain();
  const dir = mkdtempSync(join(tmpdir(), 'pythia-bench-indexer-'));
  try {
    const keys = Array.from({ length: options.devices }, () => newTestKey());
    for (let i = 0; i < keys.length; i += 100)
      await chain.operatorWrite('registerDevices', [keys.slice(i, i + 100).map((k) => k.publicKey), 1]);
    const outOfRange = typicalValues.map((v, i) => (i === 2 ? 4500 : v));
    const sequences = new Map(keys.map((k) => [k.address, 0]));
    for (let b = 0; b < options.batches; b++) {
      const items = Array.from({ length: options.batch }, (_, i) => {
        const key = keys[(b * options.batch + i) % keys.length]!;
        const sequence = sequences.get(key.address)! + 1;
        sequences.set(key.address, sequence);
        return signItem(chain, key, {
          device: key.address,
          sequence,
          timestamp: 1_700_000_000 + 3600 * sequence,
          ...(sequence % 100 === 0 ? { values: outOfRange } : {}),
        });
      });
      const sent = await submitBatch(chain, items, 100_000_000n);
      if (sent.status !== 'success') throw new Error(`batch ${b} reverted`);
    }
    const head = Number(await latestBlockNumber(chain));
    const catchUp = async (store: IndexerStore) => {
      const follower = new ChainFollower({
        client: chain.publicClient,
        store,
        contracts: indexedContracts(chain.deployment.contracts),
        startBlock: chain.deployment.deploymentBlock,
        confirmations: 1,
      });
      const start = performance.now();
      while (!(await follower.step()).caughtUp);
      return (performance.now() - start) / 1000;
    };
    const server = await startTestPostgres({ durable: true });
    let postgresSeconds: number;
    let postgresEvents: number;
    try {
      const postgres = await PostgresIndexerStore.open({
        url: await server.createDatabase('bench_indexer'),
        password: server.password,
        identity: deploymentIdentity(chain.deployment),
      });
      try {
        postgresSeconds = await catchUp(postgres);
        postgresEvents = Number((await postgres.query<{ count: string }>('SELECT count(*) FROM events'))[0]?.count ?? 0);
      } finally {
        await postgres.close();
      }
    } finally {
      await server.stop();
    }
    const store = new SqliteIndexerStore({ path: join(dir, 'index.sqlite'), identity: deploymentIdentity(chain.deployment) });
    try {
      const seconds = await catchUp(store);
      const events = store.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
      if (postgresEvents !== events) throw new Error(`PostgreSQL indexed ${postgresEvents} events, SQLite ${events}`);
      const readings = store.db.prepare('SELECT count(*) FROM readings').pluck().get() as number;
      const p95 = (run: () => unknown) => {
        const times: number[] = [];
        for (let i = 0; i < 200; i++) {
          const t = performance.now();
          run();
          times.push(performance.now() - t);
        }
        return times.sort((a, b) => a - b)[Math.floor(times.length * 0.95)]!;
      };
      const device = keys[0]!.address;
      const fleetPageMs = p95(() => listDevices(store.db, { status: 'active', sort: 'flags', order: 'desc', limit: 50 }));
      const devicePageMs = p95(() => listDeviceReadings(store.db, head, { device, limit: 500, order: 'desc' }));
      return { events, readings, blocks: head - chain.deployment.deploymentBlock + 1, seconds, postgresSeconds, fleetPageMs, devicePageMs };
    } finally {
      store.close();
    }
  } finally {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `recoverPerSecond`: the run's native baseline, for the ratio (the catch-up is CPU-bound: Anvil's answers, decoding, SQLite). */
export function formatIndexerFigures(f: IndexerFigures, recoverPerSecond: number): string[] {
  const perSecond = Math.round(f.events / f.seconds);
  const postgresPerSecond = Math.round(f.events / f.postgresSeconds);
  const met = (rate: number) => (rate >= 10_000 ? 'met' : 'NOT met');
  return [
    `indexer catch-up: ${f.events} events (${f.readings} readings) in ${f.blocks} blocks in ${f.seconds.toFixed(2)} s: ${perSecond} events/s (target 10,000: ${met(perSecond)}), ratio to native recover ${(perSecond / recoverPerSecond).toFixed(2)}`,
    `indexer catch-up into PostgreSQL, same chain: ${f.postgresSeconds.toFixed(2)} s: ${postgresPerSecond} events/s (target 10,000: ${met(postgresPerSecond)}), ${(postgresPerSecond / perSecond).toFixed(2)} of SQLite's`,
    `index queries (p95 of 200, this small index): fleet page ${f.fleetPageMs.toFixed(2)} ms, a device's readings ${f.devicePageMs.toFixed(2)} ms`,
  ];
}
