import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { zeroAddress, type Hex } from 'viem';
import { deviceStatusNames } from '../protocol/reasons.js';
import type { ChainEvent } from './decodeChainLog.js';
import { eventActors } from './eventActors.js';
import { deviceTokenId, ownerChangeOf } from './ownerChange.js';
import type {
  EventPlace,
  EventSender,
  EventWithoutSender,
  IndexedBlock,
  IndexedRange,
  IndexerPosition,
  IndexerStore,
  IndexReader,
} from './indexerStore.js';
import { uint64ToSqlite } from './sqliteUint64.js';
import {
  listConsentVoids,
  listDeviceReadings,
  listDevices,
  listEvents,
  listFlags,
  listStatusChanges,
  readIndexedDevice,
  type GrantOfDevices,
  type ListDevicesParameters,
  type ListEventsParameters,
  type ListReadingsParameters,
  type PositionPageParameters,
  deviceListEvent,
  readingEventNamesSql,
} from './queryIndex.js';

/** The schema, one migration per entry (PRAGMA user_version counts those applied). */
export const indexSchemaMigrations: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   CREATE TABLE blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL) STRICT;
   CREATE TABLE events (
     block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
     contract TEXT NOT NULL, address TEXT NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL,
     PRIMARY KEY (block_number, log_index)) STRICT, WITHOUT ROWID;
   CREATE INDEX events_by_name ON events (contract, name, block_number, log_index);
   CREATE TABLE devices (
     address TEXT PRIMARY KEY, class_id INTEGER NOT NULL, status TEXT NOT NULL, public_key TEXT NOT NULL,
     registrar TEXT NOT NULL, registered_block INTEGER NOT NULL, status_block INTEGER NOT NULL,
     owner TEXT, owner_block INTEGER,
     readings INTEGER NOT NULL DEFAULT 0, flags INTEGER NOT NULL DEFAULT 0,
     last_sequence INTEGER, last_reading_block INTEGER) STRICT;
   CREATE INDEX devices_by_status ON devices (status, address);
   CREATE INDEX devices_by_class ON devices (class_id, address);
   CREATE INDEX devices_by_owner ON devices (owner, address);
   CREATE INDEX devices_by_last_reading ON devices (coalesce(last_reading_block, -1), address);
   CREATE INDEX devices_by_flags ON devices (flags, address);
   CREATE INDEX devices_by_registered ON devices (registered_block, address);
   CREATE TABLE readings (
     block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
     device TEXT NOT NULL, sequence INTEGER NOT NULL, outcome TEXT NOT NULL,
     reasons INTEGER, metric INTEGER, value INTEGER, skip_reason INTEGER,
     timestamp INTEGER, payload TEXT, r TEXT, vs TEXT,
     PRIMARY KEY (block_number, log_index)) STRICT, WITHOUT ROWID;
   CREATE INDEX readings_by_device_time ON readings (device, timestamp, sequence);
   CREATE INDEX readings_by_device_block ON readings (device, block_number, log_index);
   CREATE INDEX flags_by_block ON readings (outcome, block_number, log_index);
   CREATE TABLE status_changes (
     block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
     device TEXT NOT NULL, previous TEXT NOT NULL, current TEXT NOT NULL, by TEXT NOT NULL, reason TEXT NOT NULL,
     PRIMARY KEY (block_number, log_index)) STRICT, WITHOUT ROWID;
   CREATE INDEX status_changes_by_device ON status_changes (device, block_number, log_index);`,
  // At fleet scale (bench/console.ts: 100,000 devices, 10 million readings). Flagged readings are
  // about 1 % of the rows: partial indexes hold only them, so that a device's flags are found
  // without reading its other readings or the other devices' flags (the queries name the outcome
  // as a literal, which a partial index needs). The fleet filtered by status or class and sorted
  // by a column reads its page from an index instead of sorting every matching device.
  `DROP INDEX flags_by_block;
   CREATE INDEX flags_by_position ON readings (block_number, log_index) WHERE outcome = 'flagged';
   CREATE INDEX flags_by_device ON readings (device, block_number, log_index) WHERE outcome = 'flagged';
   CREATE INDEX devices_by_status_last_reading ON devices (status, coalesce(last_reading_block, -1), address);
   CREATE INDEX devices_by_status_flags ON devices (status, flags, address);
   CREATE INDEX devices_by_status_registered ON devices (status, registered_block, address);
   CREATE INDEX devices_by_class_last_reading ON devices (class_id, coalesce(last_reading_block, -1), address);
   CREATE INDEX devices_by_class_flags ON devices (class_id, flags, address);
   CREATE INDEX devices_by_class_registered ON devices (class_id, registered_block, address);`,
  // An index written before this version recorded a device's owner only at a completed transfer: the
  // owner its registration minted the token to is read from the stored events (the mint's Transfer
  // from address 0 is the log right after DeviceRegistered, in the same transaction).
  `UPDATE devices SET owner = m.owner, owner_block = m.block_number
   FROM (SELECT json_extract(r.args, '$.device') AS device, json_extract(t.args, '$.to') AS owner, t.block_number
         FROM events r JOIN events t ON t.block_number = r.block_number AND t.log_index = r.log_index + 1 AND t.tx_hash = r.tx_hash
         WHERE r.contract = 'fleet' AND r.name = 'DeviceRegistered' AND t.contract = 'deviceOwnership' AND t.name = 'Transfer'
           AND json_extract(t.args, '$.from') = '${zeroAddress}') AS m
   WHERE devices.address = m.device AND devices.owner IS NULL;`,
  // A device's events (the console's device page: its ownership, firmware and consent events; a
  // rollback's recomputed owner) by index instead of every event read: events by their `device`
  // argument, reading events left out (10 million of them at fleet scale, found by device through
  // readings_by_device_block), and a consent grant's `devices` list one row per device. See
  // listEvents (queryIndex.ts) for the query that reads them branch by branch; it repeats the
  // index's condition (readingEventNames) word for word, as SQLite needs to use a partial index.
  `CREATE INDEX events_by_device ON events (json_extract(args, '$.device'), block_number, log_index)
     WHERE name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped');
   CREATE TABLE event_devices (
     device TEXT NOT NULL, block_number INTEGER NOT NULL, log_index INTEGER NOT NULL,
     PRIMARY KEY (device, block_number, log_index)) STRICT, WITHOUT ROWID;
   INSERT INTO event_devices (device, block_number, log_index)
     SELECT DISTINCT d.value, e.block_number, e.log_index FROM events e, json_each(e.args, '$.devices') d
      WHERE e.contract = 'consentRegistry' AND e.name = 'ConsentGranted' AND d.type = 'text';`,
  // Who sent each event's transaction (the accounting log's "who" for events that name no one),
  // checksummed; null for the fleet's reading events (always the gateway's relayer: not stored 10
  // million times) and for the rows indexed before this version (unknown: read again to have it).
  `ALTER TABLE events ADD COLUMN sender TEXT;`,
  // The accounting log's `actor` filter by index instead of every event read (10 million reading
  // events at fleet scale): one row per event and account it names (eventActors: the sender, each
  // address argument but `device`; reading events have none), written with the event. The rows
  // already there are filled by the same rule: reading events are left out (events_by_device's
  // condition, so that only the other events are read), their sender is null and they name no one.
  // The events still without a sender (indexed before migration 5) are indexed apart, so that the
  // follower finds them at once to read their senders again (followChain.ts), and knows when none is
  // left; events indexed since always have theirs, so the index only shrinks.
  `CREATE TABLE event_actors (
     actor TEXT NOT NULL, block_number INTEGER NOT NULL, log_index INTEGER NOT NULL,
     PRIMARY KEY (actor, block_number, log_index)) STRICT, WITHOUT ROWID;
   CREATE INDEX event_actors_by_block ON event_actors (block_number);
   CREATE INDEX events_without_sender ON events (block_number, log_index)
     WHERE sender IS NULL AND name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped');
   INSERT INTO event_actors (actor, block_number, log_index)
     SELECT sender, block_number, log_index FROM events INDEXED BY events_by_device
      WHERE name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped') AND sender IS NOT NULL
     UNION
     SELECT a.value, e.block_number, e.log_index FROM events e INDEXED BY events_by_device, json_each(e.args) a
      WHERE e.name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped') AND a.key <> 'device' AND a.type = 'text'
        AND length(a.value) = 42 AND a.value GLOB '0x*' AND substr(a.value, 3) NOT GLOB '*[^0-9a-fA-F]*';`,
];

/** The tables whose rows belong to one block (`block_number`): a rollback deletes those above it, a new contract set all. */
const BLOCK_ROW_TABLES = ['events', 'readings', 'status_changes', 'event_devices', 'event_actors'] as const;

export class IndexerDatabaseError extends Error {}

export type SqliteIndexerStoreOptions = {
  /** A filename, or ':memory:' (tests). */
  path: string;
  /** What the rows belong to (chain id and fleet): a file of another deployment is refused. */
  identity: string;
  /**
   * The followed contracts (names and addresses). When they differ from those the rows were read
   * for (`pythia up` added a contract to the deployment), the rows are dropped and the index is read
   * again from the start: the new contract's earlier events are below the cursor.
   */
  contracts?: string;
};

/** A range's recorded (accepted or flagged) readings of one device, applied to its row at the range's end. */
type ReadingCounters = { readings: number; flags: number; lastSequence: bigint; lastBlock: number };

const statusName = (value: unknown) => deviceStatusNames[Number(value)] ?? `unknown(${String(value)})`;

/**
 * The indexer's SQLite database (WAL, synchronous=FULL): every range and every rollback is one
 * transaction, so a kill -9 leaves the rows and the cursor at the same range boundary.
 */
export class SqliteIndexerStore implements IndexerStore, IndexReader {
  readonly db: Database.Database;
  private readonly statements;

  constructor(options: SqliteIndexerStoreOptions) {
    // Readings are the council's data: 0600 before SQLite opens it (its -wal and -shm get the same mode).
    if (options.path !== ':memory:') closeSync(openSync(options.path, 'a', 0o600));
    this.db = new Database(options.path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db);
      bindIdentity(this.db, options.identity);
      if (options.contracts !== undefined) bindContracts(this.db, options.contracts);
    } catch (error) {
      this.db.close();
      throw error;
    }
    const db = this.db;
    this.statements = {
      meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
      block: db.prepare('INSERT INTO blocks (number, hash) VALUES (?, ?) ON CONFLICT (number) DO UPDATE SET hash = excluded.hash'),
      blocksFrom: db.prepare('SELECT number, hash FROM blocks WHERE number <= ? ORDER BY number DESC LIMIT ?'),
      event: db.prepare(
        'INSERT INTO events (block_number, log_index, tx_hash, contract, address, name, args, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      registered: db.prepare(
        `INSERT INTO devices (address, class_id, status, public_key, registrar, registered_block, status_block)
         VALUES (?, ?, 'active', ?, ?, ?, ?) ON CONFLICT (address) DO NOTHING`,
      ),
      statusChange: db.prepare(
        'INSERT INTO status_changes (block_number, log_index, tx_hash, device, previous, current, by, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      deviceStatus: db.prepare('UPDATE devices SET status = ?, status_block = ? WHERE address = ?'),
      reading: db.prepare(
        `INSERT INTO readings (block_number, log_index, tx_hash, device, sequence, outcome, reasons, metric, value, skip_reason, timestamp, payload, r, vs)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deviceReading: db.prepare(
        `UPDATE devices SET readings = readings + ?, flags = flags + ?, last_sequence = ?, last_reading_block = ? WHERE address = ?`,
      ),
      owner: db.prepare('UPDATE devices SET owner = ?, owner_block = ? WHERE address = ?'),
      listedDevice: db.prepare('INSERT INTO event_devices (device, block_number, log_index) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      // ON CONFLICT: a sender read again may already be named by an argument of its event.
      actor: db.prepare('INSERT INTO event_actors (actor, block_number, log_index) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      withoutSender: db.prepare(
        `SELECT block_number AS blockNumber, log_index AS logIndex, tx_hash AS transactionHash FROM events
          WHERE sender IS NULL AND name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped') AND (block_number, log_index) > (?, ?)
          ORDER BY block_number, log_index LIMIT ?`,
      ),
      sender: db.prepare('UPDATE events SET sender = ? WHERE block_number = ? AND log_index = ? AND sender IS NULL'),
    };
  }

  position(): IndexerPosition {
    const number = this.statements.meta.get('cursor_number') as string | undefined;
    const hash = this.statements.meta.get('cursor_hash') as Hex | undefined;
    const finalBlock = this.statements.meta.get('final_block') as string | undefined;
    return {
      cursor: number === undefined || hash === undefined ? undefined : { number: Number(number), hash },
      finalBlock: finalBlock === undefined ? -1 : Number(finalBlock),
    };
  }

  applyRange(range: IndexedRange): void {
    this.applyRangeTransaction(range);
  }

  private readonly applyRangeTransaction = (range: IndexedRange) =>
    this.db.transaction(() => {
      const s = this.statements;
      for (const block of range.blocks) s.block.run(block.number, block.hash);
      s.block.run(range.to.number, range.to.hash);
      // A device's counters change once a range, not once a reading: each update moves the device's
      // entries in the fleet's sorted indexes.
      const counters = new Map<string, ReadingCounters>();
      for (const event of range.events) this.applyEvent(event, range, counters);
      for (const [device, c] of counters) s.deviceReading.run(c.readings, c.flags, c.lastSequence, c.lastBlock, device);
      s.setMeta.run('cursor_number', String(range.to.number));
      s.setMeta.run('cursor_hash', range.to.hash);
      this.raiseFinalBlock(Math.min(range.finalBlock, range.to.number));
    })();

  private applyEvent(event: ChainEvent, range: IndexedRange, counters: Map<string, ReadingCounters>): void {
    const s = this.statements;
    const at = [event.blockNumber, event.logIndex, event.transactionHash] as const;
    s.event.run(...at, event.contract, event.address, event.name, JSON.stringify(event.args), event.sender ?? null);
    for (const actor of eventActors(event)) s.actor.run(actor, event.blockNumber, event.logIndex);
    const a = event.args;
    if (event.contract === 'fleet') {
      switch (event.name) {
        case 'DeviceRegistered':
          s.registered.run(a.device, Number(a.classId), a.publicKey, a.registrar, event.blockNumber, event.blockNumber);
          return;
        case 'DeviceStatusChanged':
          s.statusChange.run(...at, a.device, statusName(a.previous), statusName(a.current), a.by, a.reason);
          s.deviceStatus.run(statusName(a.current), event.blockNumber, a.device);
          return;
        case 'ReadingAccepted':
        case 'ReadingFlagged':
        case 'ReadingSkipped': {
          const flagged = event.name === 'ReadingFlagged';
          const skipped = event.name === 'ReadingSkipped';
          const signed = range.readings.get(`${String(a.device).toLowerCase()}:${String(a.sequence)}`);
          s.reading.run(
            ...at,
            a.device,
            uint64ToSqlite(a.sequence as string),
            flagged ? 'flagged' : skipped ? 'skipped' : 'accepted',
            flagged ? Number(a.reasons) : null,
            flagged ? Number(a.metric) : null,
            flagged ? Number(a.value) : null,
            skipped ? Number(a.reason) : null,
            signed ? uint64ToSqlite(signed.timestamp) : null,
            signed?.payload ?? null,
            signed?.r ?? null,
            signed?.vs ?? null,
          );
          if (!skipped) {
            const device = String(a.device);
            const c = counters.get(device) ?? { readings: 0, flags: 0, lastSequence: 0n, lastBlock: 0 };
            counters.set(device, {
              readings: c.readings + 1,
              flags: c.flags + (flagged ? 1 : 0),
              lastSequence: uint64ToSqlite(a.sequence as string),
              lastBlock: event.blockNumber,
            });
          }
          return;
        }
      }
    }
    const ownerChange = ownerChangeOf(event);
    if (ownerChange) s.owner.run(ownerChange.owner, event.blockNumber, ownerChange.device);
    if (event.contract === deviceListEvent.contract && event.name === deviceListEvent.name && Array.isArray(a.devices)) {
      for (const listed of a.devices) if (typeof listed === 'string') s.listedDevice.run(listed, event.blockNumber, event.logIndex);
    }
  }

  recordedBlocksFrom(height: number, limit: number): IndexedBlock[] {
    return this.statements.blocksFrom.all(height, limit) as IndexedBlock[];
  }

  rollbackAbove(keep: IndexedBlock | undefined): void {
    const above = keep?.number ?? -1;
    this.db.transaction(() => {
      const touched = this.db
        .prepare(`SELECT address FROM devices WHERE status_block > ? OR owner_block > ? OR last_reading_block > ?`)
        .pluck()
        .all(above, above, above) as string[];
      for (const table of BLOCK_ROW_TABLES) {
        this.db.prepare(`DELETE FROM ${table} WHERE block_number > ?`).run(above);
      }
      this.db.prepare('DELETE FROM blocks WHERE number > ?').run(above);
      this.db.prepare('DELETE FROM devices WHERE registered_block > ?').run(above);
      for (const device of touched) this.recomputeDevice(device);
      if (keep === undefined) {
        this.statements.deleteMeta.run('cursor_number');
        this.statements.deleteMeta.run('cursor_hash');
      } else {
        this.statements.setMeta.run('cursor_number', String(keep.number));
        this.statements.setMeta.run('cursor_hash', keep.hash);
      }
      // A reorg below the final block contradicts what was reported final: the rows follow the chain.
      const final = this.position().finalBlock;
      if (final > above) this.statements.setMeta.run('final_block', String(above));
    })();
  }

  /** A device's columns from its remaining rows (after a rollback removed some). */
  private recomputeDevice(address: string): void {
    const db = this.db;
    const exists = db.prepare('SELECT 1 FROM devices WHERE address = ?').pluck().get(address);
    if (!exists) return;
    const status = db
      .prepare('SELECT current, block_number FROM status_changes WHERE device = ? ORDER BY block_number DESC, log_index DESC LIMIT 1')
      .get(address) as { current: string; block_number: number } | undefined;
    // The owner: the last completed transfer's (through events_by_device: the unary + keeps SQLite
    // from reading every transfer of the fleet through events_by_name), else the token's mint (in
    // the registration's block).
    db.prepare(
      `UPDATE devices SET status = ?, status_block = COALESCE(?, registered_block),
         (owner, owner_block) = (SELECT owner, block_number FROM (
             SELECT json_extract(args, '$.newOwner') AS owner, block_number, log_index FROM events
              WHERE json_extract(args, '$.device') = devices.address AND name NOT IN (${readingEventNamesSql})
                AND +contract = 'deviceOwnership' AND +name = 'OwnershipTransferred'
             UNION ALL
             SELECT json_extract(args, '$.to'), block_number, log_index FROM events
              WHERE block_number = devices.registered_block AND contract = 'deviceOwnership' AND name = 'Transfer'
                AND json_extract(args, '$.from') = '${zeroAddress}' AND json_extract(args, '$.tokenId') = ?)
           ORDER BY block_number DESC, log_index DESC LIMIT 1),
         readings = (SELECT count(*) FROM readings WHERE device = devices.address AND outcome <> 'skipped'),
         flags = (SELECT count(*) FROM readings WHERE device = devices.address AND outcome = 'flagged'),
         last_sequence = (SELECT sequence FROM readings WHERE device = devices.address AND outcome <> 'skipped' ORDER BY block_number DESC, log_index DESC LIMIT 1),
         last_reading_block = (SELECT max(block_number) FROM readings WHERE device = devices.address AND outcome <> 'skipped')
       WHERE address = ?`,
    ).run(status?.current ?? 'active', status?.block_number ?? null, deviceTokenId(address), address);
  }

  setFinalBlock(height: number): void {
    this.raiseFinalBlock(height);
  }

  eventsWithoutSender(after: EventPlace | undefined, limit: number): EventWithoutSender[] {
    return this.statements.withoutSender.all(after?.blockNumber ?? -1, after?.logIndex ?? -1, limit) as EventWithoutSender[];
  }

  recordSenders(senders: readonly EventSender[]): void {
    const s = this.statements;
    this.db.transaction(() => {
      for (const { blockNumber, logIndex, sender } of senders) {
        // Only a row still there and still without one (a rollback may have taken it meanwhile).
        if (s.sender.run(sender, blockNumber, logIndex).changes > 0) s.actor.run(sender, blockNumber, logIndex);
      }
    })();
  }

  private raiseFinalBlock(height: number): void {
    const { finalBlock, cursor } = this.position();
    const bounded = Math.min(height, cursor?.number ?? -1);
    if (bounded > finalBlock) this.statements.setMeta.run('final_block', String(bounded));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  devices(parameters: ListDevicesParameters) {
    return listDevices(this.db, parameters);
  }

  device(address: string) {
    return readIndexedDevice(this.db, address);
  }

  deviceReadings(parameters: ListReadingsParameters) {
    return listDeviceReadings(this.db, this.position().finalBlock, parameters);
  }

  flags(parameters: PositionPageParameters) {
    return listFlags(this.db, this.position().finalBlock, parameters);
  }

  statusChanges(parameters: PositionPageParameters) {
    return listStatusChanges(this.db, this.position().finalBlock, parameters);
  }

  events(parameters: ListEventsParameters) {
    return listEvents(this.db, this.position().finalBlock, parameters);
  }

  consentVoids(grants: readonly GrantOfDevices[]) {
    return listConsentVoids(this.db, this.position().finalBlock, grants);
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > indexSchemaMigrations.length) {
    throw new IndexerDatabaseError(
      `the index database has schema version ${version}, newer than this Pythia (${indexSchemaMigrations.length}): upgrade Pythia`,
    );
  }
  for (let i = version; i < indexSchemaMigrations.length; i++) {
    db.transaction(() => {
      db.exec(indexSchemaMigrations[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

function bindContracts(db: Database.Database, contracts: string): void {
  const stored = db.prepare("SELECT value FROM meta WHERE key = 'contracts'").pluck().get() as string | undefined;
  if (stored === contracts) return;
  db.transaction(() => {
    for (const table of [...BLOCK_ROW_TABLES, 'devices', 'blocks']) db.prepare(`DELETE FROM ${table}`).run();
    db.prepare("DELETE FROM meta WHERE key IN ('cursor_number', 'cursor_hash', 'final_block')").run();
    db.prepare("INSERT INTO meta (key, value) VALUES ('contracts', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
      contracts,
    );
  })();
}

function bindIdentity(db: Database.Database, identity: string): void {
  const stored = db.prepare("SELECT value FROM meta WHERE key = 'identity'").pluck().get() as string | undefined;
  if (stored === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('identity', ?)").run(identity);
  } else if (stored !== identity) {
    throw new IndexerDatabaseError(
      `the index database belongs to another deployment (${stored}), not this one (${identity}): remove it to index this one from the start`,
    );
  }
}
