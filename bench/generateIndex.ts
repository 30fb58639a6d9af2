/**
 * A large index database for `npm run bench -- console`, written straight into SQLite (no chain):
 * the schema is the store's own (SqliteIndexerStore creates it), the rows are those the indexer
 * writes for a fleet of `devices` registered air-quality sensors that sent `readings` readings over
 * about a month: registrations (100 a block), ownership transfers (most devices have an owner;
 * 2,000 owners), readings in submitReadings batches (a block a minute, about 250 readings each) with
 * their events, flags (about 0.6 %: most devices rarely, a few faulty ones often), skipped readings,
 * suspensions, reinstatements and revocations. Readings per device are skewed as a real fleet's
 * are: 10 busy devices hold 1 % of the readings each, 1 % of the devices 20 % together, the rest
 * about 70 each, 2 % none. Device locations are not in the index (a device's metadata, off chain).
 * Each event but a reading event has its transaction's sender (the registrar sends registrations
 * and the transfers to the owners, the operator the status changes) and its `event_actors` rows
 * (eventActors), as the indexer writes them; reading events have neither.
 *
 * The file is cached (BENCH_CACHE_DIR, default <OS temp dir>/pythia-bench-cache) under a name keyed by
 * the generator's version, the sizes and the seed: a second run opens it at once. It is written as
 * `<name>.partial` and renamed when complete, so that an interrupted run leaves no half file in the
 * cache. Bump GENERATOR_VERSION when the rows it writes change; a schema change needs no bump (the
 * store migrates the cached file when the bench opens it, as it would a council's).
 */
import { seededRandom as random } from '../src/testing/seededRandom.js';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { getAddress } from 'viem';
import type { ChainEvent } from '../src/indexer/decodeChainLog.js';
import { eventActors } from '../src/indexer/eventActors.js';
import { SqliteIndexerStore } from '../src/indexer/sqliteIndexerStore.js';

/** The rows' shape and distributions: bump on any change to what is generated. */
const GENERATOR_VERSION = 2;

export type GenerateIndexParameters = {
  devices: number;
  readings: number;
  seed?: number;
  /** Where cached databases live; default <OS temp dir>/pythia-bench-cache. */
  cacheDir?: string;
  onProgress?: (line: string) => void;
};

export type GenerateIndexReturnType = {
  path: string;
  /** The identity the rows were written for (SqliteIndexerStore's `identity`). */
  identity: string;
  /** Seconds spent generating; 0 when the cached file was used. */
  seconds: number;
  cached: boolean;
  bytes: number;
  /** Devices by readings, busiest first (a few), a median one, and one with none: the device pages the bench opens. */
  sample: { busiest: string[]; median: string; idle: string; owner: string };
};

export const GENERATED_FLEET = '0x00000000000000000000000000000000000f1ee7';
export const generatedIdentity = `31337:${GENERATED_FLEET}`;
const OWNERSHIP = '0x0000000000000000000000000000000000000a11';
/** The accounts that send the generated transactions other than readings: status changes, registrations and transfers. */
export const GENERATED_OPERATOR = getAddress('0x00000000000000000000000000000000000000aa');
export const GENERATED_REGISTRAR = getAddress('0x00000000000000000000000000000000000000bb');
const OPERATOR = GENERATED_OPERATOR;
const REGISTRAR = GENERATED_REGISTRAR;
const ZERO = '0x0000000000000000000000000000000000000000';

/** Chain layout: a block every 5 s; registrations from block 100, transfers after, then a readings batch every 12 blocks. */
const FIRST_BLOCK = 100;
const PER_BLOCK = 100;
const BATCH_EVERY = 12;
const BATCH_SECONDS = 60;
const READINGS_PER_BATCH = 250;
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const TYPICAL = [120, 250, 300, 450, 2150, 5500];

const HEX4 = Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'));

export function cachedIndexPath(p: Pick<GenerateIndexParameters, 'devices' | 'readings' | 'seed' | 'cacheDir'>): string {
  const dir = p.cacheDir ?? process.env.BENCH_CACHE_DIR ?? join(tmpdir(), 'pythia-bench-cache');
  return join(dir, `console-index-v${GENERATOR_VERSION}-${p.devices}d-${p.readings}r-s${p.seed ?? 1}.sqlite`);
}

/** Returns the cached database for these sizes, generating it first if there is none. */
export function generateIndex(p: GenerateIndexParameters): GenerateIndexReturnType {
  const path = cachedIndexPath(p);
  const say = p.onProgress ?? (() => {});
  const sample = () => sampleOf(path);
  if (existsSync(path))
    return { path, identity: generatedIdentity, seconds: 0, cached: true, bytes: statSync(path).size, sample: sample() };
  mkdirSync(join(path, '..'), { recursive: true });
  const partial = `${path}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
  const started = performance.now();
  new SqliteIndexerStore({ path: partial, identity: generatedIdentity }).close();
  writeRows(partial, p, say);
  renameSync(partial, path);
  const seconds = (performance.now() - started) / 1000;
  return { path, identity: generatedIdentity, seconds, cached: false, bytes: statSync(path).size, sample: sample() };
}

function sampleOf(path: string): GenerateIndexReturnType['sample'] {
  const db = new Database(path, { readonly: true });
  try {
    const busiest = db.prepare('SELECT address FROM devices ORDER BY readings DESC LIMIT 3').pluck().all() as string[];
    const count = db.prepare('SELECT count(*) FROM devices').pluck().get() as number;
    const median = db
      .prepare('SELECT address FROM devices ORDER BY readings LIMIT 1 OFFSET ?')
      .pluck()
      .get(Math.floor(count / 2)) as string;
    const idle = db.prepare('SELECT address FROM devices WHERE readings = 0 LIMIT 1').pluck().get() as string;
    const owner = db
      .prepare('SELECT owner FROM devices WHERE owner IS NOT NULL GROUP BY owner ORDER BY count(*) DESC LIMIT 1')
      .pluck()
      .get() as string;
    return { busiest, median, idle, owner };
  } finally {
    db.close();
  }
}

/** Readings per device: skewed as described above, summing to `total`. */
function readingCounts(devices: number, total: number, next: () => number): Int32Array {
  const counts = new Int32Array(devices);
  const busy = Math.min(10, devices);
  const medium = Math.floor(devices / 100);
  const idle = Math.floor(devices / 50);
  for (let d = 0; d < busy; d++) counts[d] = Math.floor(total * 0.01);
  for (let d = busy; d < busy + medium; d++) counts[d] = Math.floor((total * 0.2) / Math.max(1, medium));
  let assigned = counts.reduce((a, b) => a + b, 0);
  const rest = devices - busy - medium - idle;
  const base = (total - assigned) / Math.max(1, rest);
  for (let d = busy + medium; d < busy + medium + rest; d++) {
    counts[d] = Math.floor(base * (0.5 + next()));
    assigned += counts[d]!;
  }
  // The remainder (either sign) to the busiest device, so that the total is exact.
  counts[0] = counts[0]! + (total - assigned);
  return counts;
}

function writeRows(path: string, p: GenerateIndexParameters, say: (line: string) => void): void {
  const next = random(p.seed ?? 1);
  const hex = (bytes: number) => {
    let s = '0x';
    for (let i = 0; i < bytes; i += 2) s += HEX4[Math.floor(next() * 65536)];
    return s;
  };
  // Signatures and transaction hashes from a pool: their bytes do not matter to a query, their size does.
  const pool = Array.from({ length: 65_536 }, () => hex(32));
  const word = () => pool[Math.floor(next() * pool.length)]!;

  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  db.pragma('threads = 2');
  // The secondary indexes of the big tables are built once at the end (a sort), not row by row.
  const bulkIndexes = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('readings', 'events', 'event_actors')",
    )
    .all() as { name: string; sql: string }[];
  for (const index of bulkIndexes) db.exec(`DROP INDEX ${index.name}`);

  const insertEventRow = db.prepare(
    `INSERT INTO events (block_number, log_index, tx_hash, contract, address, name, args, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertActor = db.prepare('INSERT INTO event_actors (actor, block_number, log_index) VALUES (?, ?, ?)');
  // An event other than a reading event, with its transaction's sender and its actors (as the store writes them).
  const insertEvent = (
    block: number,
    logIndex: number,
    tx: string,
    contract: string,
    address: string,
    name: string,
    args: ChainEvent['args'],
    sender: `0x${string}`,
  ) => {
    insertEventRow.run(block, logIndex, tx, contract, address, name, JSON.stringify(args), sender);
    for (const actor of eventActors({ name, args, sender })) insertActor.run(actor, block, logIndex);
  };
  const insertReadingEvent = (block: number, logIndex: number, tx: string, address: string, name: string, args: string) =>
    insertEventRow.run(block, logIndex, tx, 'fleet', address, name, args, null);
  const insertReading = db.prepare(
    `INSERT INTO readings (block_number, log_index, tx_hash, device, sequence, outcome, reasons, metric, value, skip_reason, timestamp, payload, r, vs)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertStatus = db.prepare(
    'INSERT INTO status_changes (block_number, log_index, tx_hash, device, previous, current, by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertBlock = db.prepare('INSERT INTO blocks (number, hash) VALUES (?, ?)');
  const fleet = getAddress(GENERATED_FLEET);
  const ownership = getAddress(OWNERSHIP);

  const D = p.devices;
  const addresses = Array.from({ length: D }, () => getAddress(hex(20)));
  const classOf = Int32Array.from({ length: D }, () => {
    const x = next();
    return x < 0.7 ? 1 : x < 0.85 ? 2 : x < 0.95 ? 3 : 4 + Math.floor(next() * 5);
  });
  const owners = Array.from({ length: 2000 }, () => getAddress(hex(20)));
  const ownerOf: (string | null)[] = addresses.map(() => (next() < 0.9 ? owners[Math.floor(next() ** 2 * owners.length)]! : null));
  const ownerBlock = new Int32Array(D);
  const registeredBlock = new Int32Array(D);
  const publicKeys = Array.from({ length: 1024 }, () => hex(64));

  // Registrations, then ownership transfers (mints), a block of 100 each.
  let block = FIRST_BLOCK;
  const registrationsAndTransfers = db.transaction(() => {
    for (let d = 0; d < D; d += PER_BLOCK, block++) {
      const tx = word();
      insertBlock.run(block, word());
      for (let i = d; i < Math.min(D, d + PER_BLOCK); i++) {
        registeredBlock[i] = block;
        const args = { device: addresses[i]!, classId: classOf[i]!, publicKey: publicKeys[i % publicKeys.length]!, registrar: REGISTRAR };
        insertEvent(block, i - d, tx, 'fleet', fleet, 'DeviceRegistered', args, REGISTRAR);
      }
    }
    const owned = addresses.flatMap((_, i) => (ownerOf[i] ? [i] : []));
    for (let k = 0; k < owned.length; k += PER_BLOCK, block++) {
      const tx = word();
      insertBlock.run(block, word());
      owned.slice(k, k + PER_BLOCK).forEach((i, logIndex) => {
        ownerBlock[i] = block;
        const args = { device: addresses[i]!, previousOwner: ZERO, newOwner: ownerOf[i]!, epoch: '1' };
        insertEvent(block, logIndex, tx, 'deviceOwnership', ownership, 'OwnershipTransferred', args, REGISTRAR);
      });
    }
  });
  registrationsAndTransfers();
  say(`  ${D} devices registered, ${ownerOf.filter(Boolean).length} with an owner`);

  // Readings: device d's j-th of c_d at fraction u = (j + phase) / c_d of the month, in batch floor(u · batches).
  const counts = readingCounts(D, p.readings, next);
  const R = counts.reduce((a, b) => a + b, 0);
  const batches = Math.max(1, Math.ceil(R / READINGS_PER_BATCH));
  const phase = Float64Array.from({ length: D }, () => next());
  // The device's time runs behind its batch's block by a few seconds (its bridge's delay), in order.
  const lag = Int32Array.from({ length: D }, () => Math.floor(next() * 30));
  const batchOf = (d: number, j: number) => Math.min(batches - 1, Math.floor(((j + phase[d]!) / counts[d]!) * batches));
  const perBatch = new Int32Array(batches + 1);
  for (let d = 0; d < D; d++) for (let j = 0; j < counts[d]!; j++) perBatch[batchOf(d, j) + 1]!++;
  for (let b = 0; b < batches; b++) perBatch[b + 1]! += perBatch[b]!;
  const slotDevice = new Int32Array(R);
  const slotIndex = new Int32Array(R);
  const fill = perBatch.slice(0, batches);
  for (let d = 0; d < D; d++)
    for (let j = 0; j < counts[d]!; j++) {
      const at = fill[batchOf(d, j)]!++;
      slotDevice[at] = d;
      slotIndex[at] = j;
    }

  // Faulty devices (2 %) flag one reading in five; the others one in five hundred.
  const flagRate = Float64Array.from({ length: D }, () => (next() < 0.02 ? 0.2 : 0.002));
  const recorded = new Int32Array(D);
  const flagged = new Int32Array(D);
  const lastSequence = new Int32Array(D);
  const lastBlock = new Int32Array(D).fill(-1);

  // Status changes: 6 % of the devices suspended at a random batch; a third of those reinstated later, a sixth revoked.
  const statusAt = new Map<number, { device: number; previous: number; current: number; reason: string }[]>();
  const status = new Int32Array(D).fill(1);
  const statusBlock = Int32Array.from(registeredBlock);
  const names = ['none', 'active', 'suspended', 'revoked'];
  for (let d = 0; d < D; d++) {
    if (next() >= 0.06) continue;
    const at = Math.floor(next() * batches);
    const later = Math.min(batches - 1, at + 1 + Math.floor(next() * 2000));
    const plan = [{ at, previous: 1, current: 2, reason: flagRate[d]! > 0.01 ? 'repeated flags' : 'maintenance' }];
    const x = next();
    if (x < 1 / 3) plan.push({ at: later, previous: 2, current: 1, reason: 'checked on site' });
    else if (x < 0.5) plan.push({ at: later, previous: 2, current: 3, reason: 'tampered with' });
    for (const change of plan) {
      const list = statusAt.get(change.at) ?? [];
      list.push({ device: d, ...change });
      statusAt.set(change.at, list);
    }
  }

  const payloadOf = (metric: number, value: number) => {
    let s = '0x';
    for (let m = 0; m < 6; m++) {
      const v = m === metric ? value : TYPICAL[m]! + Math.floor((next() - 0.5) * TYPICAL[m]! * 0.2);
      s += HEX4[v & 0xffff];
    }
    return s;
  };

  const started = performance.now();
  let written = 0;
  let statusChanges = 0;
  const writeBatches = db.transaction((from: number, to: number) => {
    for (let b = from; b < to; b++) {
      const number = block + b * BATCH_EVERY;
      const tx = word();
      insertBlock.run(number, word());
      let logIndex = 0;
      for (let at = perBatch[b]!; at < perBatch[b + 1]!; at++, logIndex++) {
        const d = slotDevice[at]!;
        const j = slotIndex[at]!;
        const device = addresses[d]!;
        const sequence = j + 1;
        const timestamp = T0 + Math.floor(((j + phase[d]!) / counts[d]!) * batches * BATCH_SECONDS) - lag[d]!;
        const x = next();
        const outcome = x < 0.001 ? 'skipped' : x < 0.001 + flagRate[d]! ? 'flagged' : 'accepted';
        const metric = outcome === 'flagged' ? Math.floor(next() * 3) : -1;
        const value = outcome === 'flagged' ? 4500 + Math.floor(next() * 5000) : 0;
        const reasons = outcome === 'flagged' ? (next() < 0.8 ? 1 : 2) : null;
        const skipReason = outcome === 'skipped' ? 1 : null;
        insertReading.run(
          number,
          logIndex,
          tx,
          device,
          sequence,
          outcome,
          reasons,
          outcome === 'flagged' ? metric : null,
          outcome === 'flagged' ? value : null,
          skipReason,
          timestamp,
          payloadOf(metric, value),
          word(),
          word(),
        );
        const args =
          outcome === 'flagged'
            ? `{"device":"${device}","sequence":"${sequence}","reasons":${reasons},"metric":${metric},"value":${value}}`
            : outcome === 'skipped'
              ? `{"device":"${device}","sequence":"${sequence}","reason":${skipReason}}`
              : `{"device":"${device}","sequence":"${sequence}"}`;
        const name = outcome === 'flagged' ? 'ReadingFlagged' : outcome === 'skipped' ? 'ReadingSkipped' : 'ReadingAccepted';
        insertReadingEvent(number, logIndex, tx, fleet, name, args);
        if (outcome !== 'skipped') {
          recorded[d]!++;
          if (outcome === 'flagged') flagged[d]!++;
          lastSequence[d] = sequence;
          lastBlock[d] = number;
        }
      }
      for (const change of statusAt.get(b) ?? []) {
        const args = {
          device: addresses[change.device]!,
          previous: change.previous,
          current: change.current,
          by: OPERATOR,
          reason: change.reason,
        };
        const statusTx = word();
        insertEvent(number, logIndex, statusTx, 'fleet', fleet, 'DeviceStatusChanged', args, OPERATOR);
        const device = addresses[change.device]!;
        insertStatus.run(number, logIndex++, statusTx, device, names[change.previous], names[change.current], OPERATOR, change.reason);
        status[change.device] = change.current;
        statusBlock[change.device] = number;
        statusChanges++;
      }
      written += perBatch[b + 1]! - perBatch[b]!;
    }
  });
  const step = Math.max(1, Math.floor(1_000_000 / READINGS_PER_BATCH));
  for (let b = 0; b < batches; b += step) {
    writeBatches(b, Math.min(batches, b + step));
    const seconds = (performance.now() - started) / 1000;
    say(
      `  ${written.toLocaleString('en')} / ${R.toLocaleString('en')} readings written (${Math.round(written / seconds).toLocaleString('en')}/s)`,
    );
  }
  const head = block + (batches - 1) * BATCH_EVERY;

  const insertDevice = db.prepare(
    `INSERT INTO devices (address, class_id, status, public_key, registrar, registered_block, status_block, owner, owner_block,
       readings, flags, last_sequence, last_reading_block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let d = 0; d < D; d++) {
      insertDevice.run(
        addresses[d],
        classOf[d],
        names[status[d]!],
        publicKeys[d % publicKeys.length],
        REGISTRAR,
        registeredBlock[d],
        statusBlock[d],
        ownerOf[d],
        ownerOf[d] ? ownerBlock[d] : null,
        recorded[d],
        flagged[d],
        lastBlock[d]! < 0 ? null : lastSequence[d],
        lastBlock[d]! < 0 ? null : lastBlock[d],
      );
    }
    const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    setMeta.run('cursor_number', String(head));
    setMeta.run('cursor_hash', word());
    setMeta.run('final_block', String(head - 1));
  })();
  say(`  ${statusChanges} status changes; building the readings' and events' indexes...`);
  for (const index of bulkIndexes) {
    const t = performance.now();
    db.exec(index.sql);
    say(`    ${index.name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  db.pragma('journal_mode = WAL');
  db.close();
}
