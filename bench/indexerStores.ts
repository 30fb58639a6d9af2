/**
 * The indexer's stores side by side: events/s written by applyRange into SQLite (a file, WAL,
 * synchronous=FULL) and into PostgreSQL (a throwaway local cluster, fsync on), the same synthetic
 * ranges in the same run. Only the store is measured (the chain reads are the same for both).
 * Run: node --import tsx bench/indexerStores.ts  (BENCH_STORE_DEVICES 1000, BENCH_STORE_RANGES 100,
 * BENCH_STORE_EVENTS_PER_RANGE 1000).
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
const hex = (n: number, bytes: number) => `0x${n.toString(16).padStart(bytes * 2, '0')}` as Hex;
const address = (i: number) => hex(0xd000000 + i, 20);

function syntheticRanges(): IndexedRange[] {
  const out: IndexedRange[] = [];
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
  const registrations = Array.from({ length: devices }, (_, i) =>
    at(1, i, 'DeviceRegistered', { device: address(i), classId: '1', publicKey: hex(i, 64), registrar: hex(0xaa, 20) }),
  );
  out.push({
    to: { number: 1, hash: hex(1, 32) },
    blocks: [{ number: 1, hash: hex(1, 32) }],
    events: registrations,
    readings: new Map(),
    finalBlock: 0,
  });
  for (let r = 0; r < ranges; r++) {
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
    out.push({
      to: { number: block, hash: hex(block, 32) },
      blocks: [{ number: block, hash: hex(block, 32) }],
      events,
      readings,
      finalBlock: block - 1,
    });
  }
  return out;
}

async function measure(name: string, store: IndexerStore, input: IndexedRange[]): Promise<number> {
  await store.applyRange(input[0]!);
  const events = input.slice(1).reduce((n, r) => n + r.events.length, 0);
  const started = performance.now();
  for (const range of input.slice(1)) await store.applyRange(range);
  const seconds = (performance.now() - started) / 1000;
  const rate = events / seconds;
  console.log(`${name.padEnd(11)} ${events} events in ${seconds.toFixed(2)} s: ${Math.round(rate)} events/s (${perRange} events a range)`);
  return rate;
}

const input = syntheticRanges();
const dir = mkdtempSync(join(tmpdir(), 'pythia-bench-stores-'));
const server = await startTestPostgres({ durable: true });
try {
  const sqlite = new SqliteIndexerStore({ path: join(dir, 'index.sqlite'), identity: '1:bench' });
  const sqliteRate = await measure('SQLite', sqlite, input);
  sqlite.close();
  const url = await server.createDatabase('bench');
  const postgres = await PostgresIndexerStore.open({ url, password: server.password, identity: '1:bench' });
  const postgresRate = await measure('PostgreSQL', postgres, input);
  await postgres.close();
  console.log(`PostgreSQL / SQLite: ${(postgresRate / sqliteRate).toFixed(2)}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
