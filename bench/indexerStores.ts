/**
 * The indexer's stores side by side: events/s written by applyRange into SQLite (a file, WAL,
 * synchronous=FULL) and into PostgreSQL (a throwaway local cluster, fsync on), the same synthetic
 * ranges in the same run, in alternate rounds (a fresh file and database each), so that the ratio
 * is measured under the same load. Only applyRange is timed: each range is made just before it is
 * applied (as the indexer holds one range at a time), not all of them held in memory.
 * Run: node --import tsx bench/indexerStores.ts  (BENCH_STORE_DEVICES 1000, BENCH_STORE_RANGES 100,
 * BENCH_STORE_EVENTS_PER_RANGE 1000, BENCH_STORE_ROUNDS 3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Hex } from 'viem';
import type { ChainEvent } from '../src/indexer/decodeChainLog.js';
import type { IndexedRange, IndexerStore } from '../src/indexer/indexerStore.js';
import { PostgresIndexerStore } from '../src/indexer/postgresIndexerStore.js';
import { SqliteIndexerStore } from '../src/indexer/sqliteIndexerStore.js';
import { startTestPostgres } from '../src/testing/testPostgres.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const devices = env('BENCH_STORE_DEVICES', 1000);
const ranges = env('BENCH_STORE_RANGES', 100);
const perRange = env('BENCH_STORE_EVENTS_PER_RANGE', 1000);
const rounds = env('BENCH_STORE_ROUNDS', 3);
const hex = (n: number, bytes: number) => `0x${n.toString(16).padStart(bytes * 2, '0')}` as Hex;
const address = (i: number) => hex(0xd000000 + i, 20);

const at = (block: number, log: number, name: string, args: ChainEvent['args']): ChainEvent => ({
  blockNumber: block,
  blockHash: hex(block, 32),
  logIndex: log,
  transactionHash: hex(1e6 + block, 32),
  contract: 'fleet',
  address: hex(0xf1, 20),
  name,
  args,
});

/** Range 0 registers the devices (block 1); range r > 0 has perRange readings in block r + 1, one in 50 flagged. */
function syntheticRange(index: number): IndexedRange {
  if (index === 0) {
    return {
      to: { number: 1, hash: hex(1, 32) },
      blocks: [{ number: 1, hash: hex(1, 32) }],
      events: Array.from({ length: devices }, (_, i) =>
        at(1, i, 'DeviceRegistered', { device: address(i), classId: '1', publicKey: hex(i, 64), registrar: hex(0xaa, 20) }),
      ),
      readings: new Map(),
      finalBlock: 0,
    };
  }
  const r = index - 1;
  const block = r + 2;
  const events: ChainEvent[] = [];
  const readings = new Map();
  for (let e = 0; e < perRange; e++) {
    const device = address((r * perRange + e) % devices);
    const sequence = String(Math.floor((r * perRange + e) / devices) + 1);
    const flagged = e % 50 === 0;
    events.push(
      flagged
        ? at(block, e, 'ReadingFlagged', { device, sequence, reasons: '1', metric: '0', value: '9000' })
        : at(block, e, 'ReadingAccepted', { device, sequence }),
    );
    readings.set(`${device.toLowerCase()}:${sequence}`, {
      timestamp: BigInt(1_700_000_000 + block),
      payload: hex(e, 12),
      r: hex(e, 32),
      vs: hex(e, 32),
    });
  }
  return {
    to: { number: block, hash: hex(block, 32) },
    blocks: [{ number: block, hash: hex(block, 32) }],
    events,
    readings,
    finalBlock: block - 1,
  };
}

/** events/s of applyRange over the reading ranges (the registrations first, untimed). */
async function measure(store: IndexerStore): Promise<number> {
  await store.applyRange(syntheticRange(0));
  let seconds = 0;
  for (let r = 1; r <= ranges; r++) {
    const range = syntheticRange(r);
    const started = performance.now();
    await store.applyRange(range);
    seconds += (performance.now() - started) / 1000;
  }
  return (ranges * perRange) / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'pythia-bench-stores-'));
const server = await startTestPostgres({ durable: true });
try {
  console.log(`${ranges} ranges of ${perRange} reading events, ${devices} devices; SQLite and PostgreSQL in turn, ${rounds} rounds`);
  const rates: { sqlite: number; postgres: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const sqlite = new SqliteIndexerStore({ path: join(dir, `index-${round}.sqlite`), identity: '1:bench' });
    const sqliteRate = await measure(sqlite);
    sqlite.close();
    const url = await server.createDatabase(`bench_${round}`);
    const postgres = await PostgresIndexerStore.open({ url, password: server.password, identity: '1:bench' });
    const postgresRate = await measure(postgres);
    await postgres.close();
    rates.push({ sqlite: sqliteRate, postgres: postgresRate });
    console.log(
      `round ${round}: SQLite ${Math.round(sqliteRate)} events/s, PostgreSQL ${Math.round(postgresRate)} events/s, PostgreSQL / SQLite ${(postgresRate / sqliteRate).toFixed(2)}`,
    );
  }
  console.log(
    `median: SQLite ${Math.round(median(rates.map((r) => r.sqlite)))} events/s, PostgreSQL ${Math.round(median(rates.map((r) => r.postgres)))} events/s, PostgreSQL / SQLite ${median(rates.map((r) => r.postgres / r.sqlite)).toFixed(2)}`,
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
