import { createHash } from 'node:crypto';
import pg from 'pg';
import { zeroAddress, type Hex } from 'viem';
import { deviceStatusNames } from '../protocol/reasons.js';
import { withDatabasePassword } from './databaseUrl.js';
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
import {
  pgConsentVoids,
  pgDeviceReadings,
  pgDevices,
  pgEvents,
  pgFlags,
  pgReadableArgs,
  pgReadDevice,
  pgStatusChanges,
  type PgQueryable,
} from './postgresQueryIndex.js';
import {
  readingEventNamesSql,
  type GrantOfDevices,
  type ListDevicesParameters,
  type ListEventsParameters,
  type ListReadingsParameters,
  type PositionPageParameters,
} from './queryIndex.js';
import { IndexerDatabaseError } from './sqliteIndexerStore.js';

/**
 * The schema of one deployment's index, one migration per entry (meta's schema_version counts
 * those applied). The same tables as the SQLite store's; text compared and sorted byte-wise
 * (COLLATE "C") so that pages come in the same order; uint64 values (sequence, signed time) as
 * numeric; a status change's reason (any string the chain carried, NUL included) as its UTF-8 bytes.
 */
export const postgresIndexSchemaMigrations: readonly string[] = [
  `CREATE TABLE meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
   CREATE TABLE blocks (number bigint PRIMARY KEY, hash text NOT NULL);
   CREATE TABLE events (
     block_number bigint NOT NULL, log_index integer NOT NULL, tx_hash text NOT NULL,
     contract text COLLATE "C" NOT NULL, address text NOT NULL, name text COLLATE "C" NOT NULL, args json NOT NULL,
     PRIMARY KEY (block_number, log_index));
   CREATE INDEX events_by_name ON events (contract, name, block_number, log_index);
   CREATE TABLE devices (
     address text COLLATE "C" PRIMARY KEY, class_id integer NOT NULL, status text COLLATE "C" NOT NULL, public_key text NOT NULL,
     registrar text NOT NULL, registered_block bigint NOT NULL, status_block bigint NOT NULL,
     owner text COLLATE "C", owner_block bigint,
     readings bigint NOT NULL DEFAULT 0, flags bigint NOT NULL DEFAULT 0,
     last_sequence numeric, last_reading_block bigint);
   CREATE INDEX devices_by_status ON devices (status, address);
   CREATE INDEX devices_by_class ON devices (class_id, address);
   CREATE INDEX devices_by_owner ON devices (owner, address);
   CREATE INDEX devices_by_last_reading ON devices ((coalesce(last_reading_block, -1)), address);
   CREATE INDEX devices_by_flags ON devices (flags, address);
   CREATE INDEX devices_by_registered ON devices (registered_block, address);
   CREATE TABLE readings (
     block_number bigint NOT NULL, log_index integer NOT NULL, tx_hash text NOT NULL,
     device text COLLATE "C" NOT NULL, sequence numeric NOT NULL, outcome text COLLATE "C" NOT NULL,
     reasons integer, metric integer, value integer, skip_reason integer,
     timestamp numeric, payload text, r text, vs text,
     PRIMARY KEY (block_number, log_index));
   CREATE INDEX readings_by_device_time ON readings (device, timestamp, sequence);
   CREATE INDEX readings_by_device_block ON readings (device, block_number, log_index);
   CREATE INDEX flags_by_block ON readings (outcome, block_number, log_index);
   CREATE TABLE status_changes (
     block_number bigint NOT NULL, log_index integer NOT NULL, tx_hash text NOT NULL,
     device text COLLATE "C" NOT NULL, previous text NOT NULL, current text NOT NULL, by text NOT NULL, reason bytea NOT NULL,
     PRIMARY KEY (block_number, log_index));
   CREATE INDEX status_changes_by_device ON status_changes (device, block_number, log_index);`,
  // As the SQLite store's migration 3: the owner a registration minted the token to, for an index
  // that recorded owners only at completed transfers (the mint's Transfer is the log after DeviceRegistered).
  `UPDATE devices SET owner = m.owner, owner_block = m.block_number
   FROM (SELECT r.args->>'device' AS device, t.args->>'to' AS owner, t.block_number
         FROM events r JOIN events t ON t.block_number = r.block_number AND t.log_index = r.log_index + 1 AND t.tx_hash = r.tx_hash
         WHERE r.contract = 'fleet' AND r.name = 'DeviceRegistered' AND t.contract = 'deviceOwnership' AND t.name = 'Transfer'
           AND t.args->>'from' = '${zeroAddress}') AS m
   WHERE devices.address = m.device AND devices.owner IS NULL;`,
  // As the SQLite store's migration 4: a device's events by index (listEvents' branches): by the
  // `device` argument, reading events left out (found by device through the readings table),
  // and a consent grant's `devices` list (a GIN index on it: containment, @>). Both read the
  // arguments through pgReadableArgs (postgresQueryIndex.ts): a chain string with NUL in it would
  // otherwise make the insert fail, and the indexer stop at that range for good.
  `CREATE INDEX IF NOT EXISTS events_by_device ON events ((replace(args::text, '\\u0000', '\\ufffd')::json ->> 'device'), block_number, log_index)
     WHERE name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped');
   CREATE INDEX IF NOT EXISTS events_by_listed_device ON events USING gin ((replace(args::text, '\\u0000', '\\ufffd')::jsonb -> 'devices') jsonb_path_ops)
     WHERE contract = 'consentRegistry' AND name = 'ConsentGranted';`,
  // The writes of a range, made cheaper (bench/indexerStores.ts; comes after the events' index by
  // device argument, branch evindex). A device's reading counters change at every range it sends
  // readings in, and any change to an indexed column makes PostgreSQL write a new entry in every
  // index of the row (no HOT update): the fleet's row had seven. The counters get a narrow table of
  // their own with the two indexes that sort by them; the record (registration, status, owner) keeps
  // its indexes and is written only when those change. `devices` is the view that joins them.
  // Flagged readings (about 1 %) are found by partial indexes, as in the SQLite store since its
  // migration 2, instead of two entries per reading (a rollback recounts a device's readings by
  // readings_by_device_time, which starts with the device too).
  `ALTER TABLE devices RENAME TO device_records;
   CREATE TABLE device_counters (
     address text COLLATE "C" PRIMARY KEY,
     readings bigint NOT NULL DEFAULT 0, flags bigint NOT NULL DEFAULT 0,
     last_sequence numeric, last_reading_block bigint);
   INSERT INTO device_counters (address, readings, flags, last_sequence, last_reading_block)
     SELECT address, readings, flags, last_sequence, last_reading_block FROM device_records;
   DROP INDEX devices_by_last_reading, devices_by_flags;
   ALTER TABLE device_records DROP COLUMN readings, DROP COLUMN flags, DROP COLUMN last_sequence, DROP COLUMN last_reading_block;
   CREATE INDEX devices_by_last_reading ON device_counters ((coalesce(last_reading_block, -1)), address);
   CREATE INDEX devices_by_flags ON device_counters (flags, address);
   CREATE VIEW devices AS
     SELECT r.address, r.class_id, r.status, r.public_key, r.registrar, r.registered_block, r.status_block, r.owner, r.owner_block,
       c.readings, c.flags, c.last_sequence, c.last_reading_block
     FROM device_records r JOIN device_counters c ON c.address = r.address;
   DROP INDEX flags_by_block, readings_by_device_block;
   CREATE INDEX flags_by_position ON readings (block_number, log_index) WHERE outcome = 'flagged';
   CREATE INDEX flags_by_device ON readings (device, block_number, log_index) WHERE outcome = 'flagged';`,
  // As the SQLite store's migration 5: who sent each event's transaction, checksummed; null for the
  // fleet's reading events (always the gateway's relayer) and for rows indexed before (unknown).
  `ALTER TABLE events ADD COLUMN sender text;`,
  // As the SQLite store's migration 6: the `actor` filter by index (event_actors, one row per event
  // and account it names: eventActors), the rows already there filled by the same rule in SQL
  // (reading events left out: their sender is null and they name no one); and the events still
  // without a sender indexed apart, for the follower to read their senders again.
  `CREATE TABLE event_actors (
     actor text COLLATE "C" NOT NULL, block_number bigint NOT NULL, log_index integer NOT NULL,
     PRIMARY KEY (actor, block_number, log_index));
   CREATE INDEX event_actors_by_block ON event_actors (block_number);
   CREATE INDEX events_without_sender ON events (block_number, log_index)
     WHERE sender IS NULL AND name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped');
   INSERT INTO event_actors (actor, block_number, log_index)
     SELECT sender, block_number, log_index FROM events
      WHERE name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped') AND sender IS NOT NULL
     UNION
     SELECT a.value, e.block_number, e.log_index FROM events e, json_each_text(replace(e.args::text, '\\u0000', '\\ufffd')::json) a
      WHERE e.name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped') AND a.key <> 'device'
        AND a.value ~ '^0x[0-9a-fA-F]{40}$';`,
];

/** How long opening waits for the writer's lock before it refuses (another indexer holds it). */
const LOCK_WAIT_MS = 3_000;

/** PostgreSQL's limit on an identifier's length. */
const MAX_IDENTIFIER = 63;

/**
 * The schema that holds a deployment's index: `pythia_<chain id>_<fleet address>` for an identity
 * `<chain id>:<fleet address>` (deploymentIdentity), so that several deployments (demos, test
 * networks) share one database without meeting; a hash of the identity for anything else.
 */
export function indexSchemaName(identity: string): string {
  const match = /^(\d+):0x([0-9a-f]{40})$/.exec(identity.toLowerCase());
  const readable = match && `pythia_${match[1]}_${match[2]}`;
  if (readable && readable.length <= MAX_IDENTIFIER) return readable;
  return `pythia_${createHash('sha256').update(identity).digest('hex').slice(0, 48)}`;
}

export type PostgresIndexerStoreOptions = {
  /** postgres://user@host:5432/database (checked by parseDatabaseUrl). */
  url: string;
  /** The password when the URL carries none (else PGPASSWORD or ~/.pgpass, as libpq). */
  password?: string;
  /** What the rows belong to (chain id and fleet): a schema of another deployment is refused. */
  identity: string;
  /** The followed contracts: when they change, the rows are dropped and read again (as SqliteIndexerStore). */
  contracts?: string;
  /** The schema to use instead of indexSchemaName(identity) (tests). */
  schema?: string;
  /** Connections for the query API (the writer has its own). Default 4. */
  readers?: number;
  /** How long opening waits for another writer's lock before it refuses (ms). Default 3,000. */
  lockWaitMs?: number;
};

const statusName = (value: unknown) => deviceStatusNames[Number(value)] ?? `unknown(${String(value)})`;

/** int8, numeric: block numbers, counters, sequences as numbers (the SQLite store's values). */
const NUMBER_TYPES = new Set<number>([pg.types.builtins.INT8, pg.types.builtins.NUMERIC]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMBER_TYPES.has(oid) ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A device's columns after one range, as the SQLite store's statements leave them one event at a time. */
type DevicePatch = {
  status?: string;
  statusBlock?: number;
  owner?: string;
  ownerBlock?: number;
  readings: number;
  flags: number;
  /** A uint64, exact, for the numeric column. */
  lastSequence?: string;
  lastReadingBlock?: number;
};
type NewDevice = { classId: number; publicKey: string; registrar: string; block: number; patch: DevicePatch };

/**
 * The indexer's store in PostgreSQL, beside SqliteIndexerStore with the same semantics: every range
 * and every rollback is one transaction (a kill -9 of the indexer at any moment leaves the rows and
 * the cursor at the same range boundary), the final block only rises except when a reorg goes below
 * it. A range is written in one statement (applyRangeStatement: rows as arrays, unnest), not one
 * per event. One indexer writes a schema at a time: it holds a session advisory lock on it while open.
 */
export class PostgresIndexerStore implements IndexerStore, IndexReader {
  readonly schema: string;
  private readonly pool: pg.Pool;
  private lock: pg.Client | undefined;
  private lockError: Error | undefined;
  private readonly lockKey: string;
  private readonly connection: pg.ClientConfig;

  private constructor(schema: string, connection: pg.ClientConfig, readers: number) {
    this.schema = schema;
    this.lockKey = `pythia-index:${schema}`;
    this.connection = connection;
    this.pool = new pg.Pool({ ...connection, max: readers + 1 });
    // An idle connection the server dropped is replaced on the next query; the error is not the process's end.
    this.pool.on('error', () => {});
  }

  /** Connects, takes the schema's writer lock, creates or upgrades the schema, and checks whose rows it holds. */
  static async open(options: PostgresIndexerStoreOptions): Promise<PostgresIndexerStore> {
    const schema = options.schema ?? indexSchemaName(options.identity);
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new IndexerDatabaseError(`not a schema name: ${schema}`);
    const connection: pg.ClientConfig = {
      connectionString: options.password === undefined ? options.url : withDatabasePassword(options.url, options.password),
      options: `-c search_path=${schema}`,
      application_name: 'pythia-indexer',
      types,
      connectionTimeoutMillis: 10_000,
    };
    const store = new PostgresIndexerStore(schema, connection, options.readers ?? 4);
    try {
      await store.takeLock(options.lockWaitMs ?? LOCK_WAIT_MS);
      await store.migrate();
      await store.bindIdentity(options.identity);
      if (options.contracts !== undefined) await store.bindContracts(options.contracts);
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** The writer's lock, on a connection of its own: a second indexer on the same schema is refused. */
  private async takeLock(waitMs = LOCK_WAIT_MS): Promise<void> {
    const client = new pg.Client(this.connection);
    client.on('error', (error) => {
      this.lockError = error;
    });
    client.on('end', () => {
      this.lockError ??= new Error('the connection holding the index lock closed');
    });
    await client.connect();
    // An indexer killed a moment ago holds the lock until the server sees its connection gone: wait a little for it.
    const deadline = Date.now() + waitMs;
    let locked = false;
    for (;;) {
      const held = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
        this.lockKey,
      ]);
      locked = held.rows[0]?.locked === true;
      if (locked || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!locked) {
      await client.end().catch(() => {});
      throw new IndexerDatabaseError(
        `another indexer is writing the index in schema ${this.schema} of this database (a second node of the same deployment?): one writer per schema`,
      );
    }
    this.lock = client;
    this.lockError = undefined;
  }

  /** One transaction on a pooled connection, with the writer's lock checked (and taken again after a lost connection). */
  private async write<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.lockError) {
      const lost = this.lock;
      this.lock = undefined;
      await lost?.end().catch(() => {});
      await this.takeLock();
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async migrate(): Promise<void> {
    await this.write(async (client) => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      const exists = await client.query<{ meta: string | null }>(`SELECT to_regclass('${this.schema}.meta')::text AS meta`);
      let version = 0;
      if (exists.rows[0]?.meta) {
        const stored = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'");
        version = Number(stored.rows[0]?.value ?? 0);
      }
      if (version > postgresIndexSchemaMigrations.length) {
        throw new IndexerDatabaseError(
          `the index schema ${this.schema} has version ${version}, newer than this Pythia (${postgresIndexSchemaMigrations.length}): upgrade Pythia`,
        );
      }
      for (let i = version; i < postgresIndexSchemaMigrations.length; i++) await client.query(postgresIndexSchemaMigrations[i]!);
      if (version < postgresIndexSchemaMigrations.length)
        await setMeta(client, 'schema_version', String(postgresIndexSchemaMigrations.length));
    });
  }

  private async bindIdentity(identity: string): Promise<void> {
    await this.write(async (client) => {
      const stored = await meta(client, 'identity');
      if (stored === undefined) await setMeta(client, 'identity', identity);
      else if (stored !== identity) {
        throw new IndexerDatabaseError(
          `the index schema ${this.schema} belongs to another deployment (${stored}), not this one (${identity}): drop the schema to index this one from the start`,
        );
      }
    });
  }

  private async bindContracts(contracts: string): Promise<void> {
    await this.write(async (client) => {
      if ((await meta(client, 'contracts')) === contracts) return;
      await client.query('TRUNCATE events, readings, status_changes, event_actors, device_records, device_counters, blocks');
      await client.query("DELETE FROM meta WHERE key IN ('cursor_number', 'cursor_hash', 'final_block')");
      await setMeta(client, 'contracts', contracts);
    });
  }

  async position(): Promise<IndexerPosition> {
    return positionOf(this.pool);
  }

  async applyRange(range: IndexedRange): Promise<void> {
    await this.write(async (client) => {
      const touched = new Set<string>();
      for (const event of range.events) {
        if (typeof event.args.device === 'string') touched.add(event.args.device);
        const ownerChange = ownerChangeOf(event);
        if (ownerChange) touched.add(ownerChange.device);
      }
      const existing =
        touched.size === 0
          ? []
          : (
              await client.query<{ address: string }>('SELECT address FROM device_records WHERE address = ANY($1::text[])', [[...touched]])
            ).rows.map((r) => r.address);
      // The range's rows and its position in one statement (one round trip).
      await client.query(applyRangeStatement, rangeRows(range, new Set(existing)));
    });
  }

  async recordedBlocksFrom(height: number, limit: number): Promise<IndexedBlock[]> {
    const result = await this.pool.query<IndexedBlock>('SELECT number, hash FROM blocks WHERE number <= $1 ORDER BY number DESC LIMIT $2', [
      height,
      limit,
    ]);
    return result.rows;
  }

  async rollbackAbove(keep: IndexedBlock | undefined): Promise<void> {
    const above = keep?.number ?? -1;
    await this.write(async (client) => {
      const touched = (
        await client.query<{ address: string }>(
          'SELECT address FROM devices WHERE status_block > $1 OR owner_block > $1 OR last_reading_block > $1',
          [above],
        )
      ).rows.map((r) => r.address);
      for (const table of ['events', 'readings', 'status_changes', 'event_actors'])
        await client.query(`DELETE FROM ${table} WHERE block_number > $1`, [above]);
      await client.query('DELETE FROM blocks WHERE number > $1', [above]);
      await client.query('DELETE FROM device_counters c USING device_records r WHERE c.address = r.address AND r.registered_block > $1', [
        above,
      ]);
      await client.query('DELETE FROM device_records WHERE registered_block > $1', [above]);
      if (touched.length > 0) await recomputeDevices(client, touched);
      if (keep === undefined) {
        await client.query("DELETE FROM meta WHERE key IN ('cursor_number', 'cursor_hash')");
      } else {
        await setMeta(client, 'cursor_number', String(keep.number));
        await setMeta(client, 'cursor_hash', keep.hash);
      }
      // A reorg below the final block contradicts what was reported final: the rows follow the chain.
      const { finalBlock } = await positionOf(client);
      if (finalBlock > above) await setMeta(client, 'final_block', String(above));
    });
  }

  async setFinalBlock(height: number): Promise<void> {
    await this.write((client) => raiseFinalBlock(client, height));
  }

  async eventsWithoutSender(after: EventPlace | undefined, limit: number): Promise<EventWithoutSender[]> {
    return this.query<EventWithoutSender>(
      `SELECT block_number AS "blockNumber", log_index AS "logIndex", tx_hash AS "transactionHash" FROM events
        WHERE sender IS NULL AND name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped')
          AND (block_number, log_index) > ($1::bigint, $2::integer)
        ORDER BY block_number, log_index LIMIT $3`,
      [after?.blockNumber ?? -1, after?.logIndex ?? -1, limit],
    );
  }

  async recordSenders(senders: readonly EventSender[]): Promise<void> {
    if (senders.length === 0) return;
    // Only rows still there and still without one (a rollback may have taken some meanwhile).
    await this.write((client) =>
      client.query(
        `WITH found AS (SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[]) AS f (block_number, log_index, sender)),
           updated AS (
             UPDATE events e SET sender = f.sender FROM found f
              WHERE e.block_number = f.block_number AND e.log_index = f.log_index AND e.sender IS NULL
              RETURNING e.sender, e.block_number, e.log_index)
         INSERT INTO event_actors (actor, block_number, log_index) SELECT * FROM updated ON CONFLICT DO NOTHING`,
        [senders.map((s) => s.blockNumber), senders.map((s) => s.logIndex), senders.map((s) => s.sender)],
      ),
    );
  }

  async close(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.end().catch(() => {});
    if (!this.pool.ended) await this.pool.end();
  }

  /** Runs one read-only query on the readers' pool (tests and benchmarks look at the rows with it). */
  async query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, values)).rows;
  }

  async devices(parameters: ListDevicesParameters) {
    return pgDevices(this.pool, parameters);
  }

  async device(address: string) {
    return pgReadDevice(this.pool, address);
  }

  async deviceReadings(parameters: ListReadingsParameters) {
    return pgDeviceReadings(this.pool, (await this.position()).finalBlock, parameters);
  }

  async flags(parameters: PositionPageParameters) {
    return pgFlags(this.pool, (await this.position()).finalBlock, parameters);
  }

  async statusChanges(parameters: PositionPageParameters) {
    return pgStatusChanges(this.pool, (await this.position()).finalBlock, parameters);
  }

  async events(parameters: ListEventsParameters) {
    return pgEvents(this.pool, (await this.position()).finalBlock, parameters);
  }

  async consentVoids(grants: readonly GrantOfDevices[]) {
    return pgConsentVoids(this.pool, (await this.position()).finalBlock, grants);
  }
}

/**
 * applyRangeStatement: the range's rows in one statement, a data-modifying CTE per table (rows as
 * arrays, unnest); each touched device written once, its counters in their table and its record
 * only when its status or owner changed; the cursor, and the final block raised (raiseFinalBlock).
 */
const applyRangeStatement = `WITH
  blocks_in AS (
    INSERT INTO blocks (number, hash) SELECT * FROM unnest($1::bigint[], $2::text[])
    ON CONFLICT (number) DO UPDATE SET hash = excluded.hash),
  events_in AS (
    INSERT INTO events (block_number, log_index, tx_hash, contract, address, name, args, sender)
    SELECT * FROM unnest($3::bigint[], $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[], $9::json[], $10::text[])),
  readings_in AS (
    INSERT INTO readings (block_number, log_index, tx_hash, device, sequence, outcome, reasons, metric, value, skip_reason, timestamp, payload, r, vs)
    SELECT * FROM unnest($11::bigint[], $12::integer[], $13::text[], $14::text[], $15::numeric[], $16::text[], $17::integer[],
      $18::integer[], $19::integer[], $20::integer[], $21::numeric[], $22::text[], $23::text[], $24::text[])),
  status_changes_in AS (
    INSERT INTO status_changes (block_number, log_index, tx_hash, device, previous, current, by, reason)
    SELECT * FROM unnest($25::bigint[], $26::integer[], $27::text[], $28::text[], $29::text[], $30::text[], $31::text[], $32::bytea[])),
  new_devices AS (
    SELECT * FROM unnest($33::text[], $34::integer[], $35::text[], $36::text[], $37::text[], $38::bigint[], $39::bigint[], $40::text[],
      $41::bigint[], $42::bigint[], $43::bigint[], $44::numeric[], $45::bigint[])
      AS d (address, class_id, status, public_key, registrar, registered_block, status_block, owner, owner_block,
        readings, flags, last_sequence, last_reading_block)),
  records_in AS (
    INSERT INTO device_records (address, class_id, status, public_key, registrar, registered_block, status_block, owner, owner_block)
    SELECT address, class_id, status, public_key, registrar, registered_block, status_block, owner, owner_block FROM new_devices),
  counters_in AS (
    INSERT INTO device_counters (address, readings, flags, last_sequence, last_reading_block)
    SELECT address, readings, flags, last_sequence, last_reading_block FROM new_devices),
  records_up AS (
    UPDATE device_records d SET status = coalesce(p.status, d.status), status_block = coalesce(p.status_block, d.status_block),
      owner = coalesce(p.owner, d.owner), owner_block = coalesce(p.owner_block, d.owner_block)
    FROM unnest($46::text[], $47::text[], $48::bigint[], $49::text[], $50::bigint[]) AS p (address, status, status_block, owner, owner_block)
    WHERE d.address = p.address),
  counters_up AS (
    UPDATE device_counters d SET readings = d.readings + p.readings, flags = d.flags + p.flags,
      last_sequence = coalesce(p.last_sequence, d.last_sequence), last_reading_block = coalesce(p.last_reading_block, d.last_reading_block)
    FROM unnest($51::text[], $52::bigint[], $53::bigint[], $54::numeric[], $55::bigint[])
      AS p (address, readings, flags, last_sequence, last_reading_block)
    WHERE d.address = p.address),
  actors_in AS (
    INSERT INTO event_actors (actor, block_number, log_index) SELECT * FROM unnest($58::text[], $59::bigint[], $60::integer[]))
INSERT INTO meta (key, value) SELECT * FROM unnest($56::text[], $57::text[])
ON CONFLICT (key) DO UPDATE SET value = excluded.value
WHERE CASE WHEN meta.key = 'final_block' THEN meta.value::bigint < excluded.value::bigint ELSE true END`;

/** The parameters of applyRangeStatement for a range, given the devices the index already holds. */
function rangeRows(range: IndexedRange, existing: ReadonlySet<string>): unknown[][] {
  const blocks = new Map<number, Hex>();
  for (const block of range.blocks) blocks.set(block.number, block.hash);
  blocks.set(range.to.number, range.to.hash);
  const created = new Map<string, NewDevice>();
  const patches = new Map<string, DevicePatch>();
  // A statement of the SQLite store that updates a device changes nothing while the device is not there.
  const patchOf = (device: string): DevicePatch | undefined => {
    const fresh = created.get(device);
    if (fresh) return fresh.patch;
    if (!existing.has(device)) return undefined;
    const patch = patches.get(device) ?? { readings: 0, flags: 0 };
    patches.set(device, patch);
    return patch;
  };
  const events = columns(8);
  const readings = columns(14);
  const statusChanges = columns(8);
  const actors = columns(3);
  for (const event of range.events) {
    const at = [event.blockNumber, event.logIndex, event.transactionHash] as const;
    events.push(...at, event.contract, event.address, event.name, JSON.stringify(event.args), event.sender ?? null);
    for (const actor of eventActors(event)) actors.push(actor, event.blockNumber, event.logIndex);
    const a = event.args;
    const device = String(a.device);
    if (event.contract === 'fleet') {
      switch (event.name) {
        case 'DeviceRegistered':
          if (!existing.has(device) && !created.has(device)) {
            created.set(device, {
              classId: Number(a.classId),
              publicKey: String(a.publicKey),
              registrar: String(a.registrar),
              block: event.blockNumber,
              patch: { readings: 0, flags: 0 },
            });
          }
          break;
        case 'DeviceStatusChanged': {
          statusChanges.push(...at, device, statusName(a.previous), statusName(a.current), String(a.by), Buffer.from(String(a.reason)));
          const patch = patchOf(device);
          if (patch) Object.assign(patch, { status: statusName(a.current), statusBlock: event.blockNumber });
          break;
        }
        case 'ReadingAccepted':
        case 'ReadingFlagged':
        case 'ReadingSkipped': {
          const flagged = event.name === 'ReadingFlagged';
          const skipped = event.name === 'ReadingSkipped';
          const signed = range.readings.get(`${device.toLowerCase()}:${String(a.sequence)}`);
          readings.push(
            ...at,
            device,
            String(a.sequence),
            flagged ? 'flagged' : skipped ? 'skipped' : 'accepted',
            flagged ? Number(a.reasons) : null,
            flagged ? Number(a.metric) : null,
            flagged ? Number(a.value) : null,
            skipped ? Number(a.reason) : null,
            signed ? String(signed.timestamp) : null,
            signed?.payload ?? null,
            signed?.r ?? null,
            signed?.vs ?? null,
          );
          const patch = skipped ? undefined : patchOf(device);
          if (patch) {
            patch.readings += 1;
            patch.flags += flagged ? 1 : 0;
            patch.lastSequence = String(a.sequence);
            patch.lastReadingBlock = event.blockNumber;
          }
          break;
        }
      }
    }
    const ownerChange = ownerChangeOf(event);
    if (ownerChange) {
      const patch = patchOf(ownerChange.device);
      if (patch) Object.assign(patch, { owner: ownerChange.owner, ownerBlock: event.blockNumber });
    }
  }
  const newDevices = columns(13);
  for (const [address, d] of created) {
    const p = d.patch;
    newDevices.push(
      address,
      d.classId,
      p.status ?? 'active',
      d.publicKey,
      d.registrar,
      d.block,
      p.statusBlock ?? d.block,
      p.owner ?? null,
      p.ownerBlock ?? null,
      p.readings,
      p.flags,
      p.lastSequence ?? null,
      p.lastReadingBlock ?? null,
    );
  }
  // Only the devices whose status or owner changed have their record (and its indexes) written.
  const records = columns(5);
  const counters = columns(5);
  for (const [address, p] of patches) {
    if (p.status !== undefined || p.owner !== undefined) {
      records.push(address, p.status ?? null, p.statusBlock ?? null, p.owner ?? null, p.ownerBlock ?? null);
    }
    if (p.readings > 0) counters.push(address, p.readings, p.flags, p.lastSequence ?? null, p.lastReadingBlock ?? null);
  }
  // The final block only rises, and never above the cursor (raiseFinalBlock's rule; none yet is -1).
  const meta = columns(2);
  meta.push('cursor_number', String(range.to.number));
  meta.push('cursor_hash', range.to.hash);
  const finalBlock = Math.min(range.finalBlock, range.to.number);
  if (finalBlock >= 0) meta.push('final_block', String(finalBlock));
  return [
    [...blocks.keys()],
    [...blocks.values()],
    ...events.arrays,
    ...readings.arrays,
    ...statusChanges.arrays,
    ...newDevices.arrays,
    ...records.arrays,
    ...counters.arrays,
    ...meta.arrays,
    ...actors.arrays,
  ];
}

/** Rows of `width` columns gathered as one array per column (the parameters of an unnest insert). */
function columns(width: number) {
  const arrays: unknown[][] = Array.from({ length: width }, () => []);
  return {
    arrays,
    get length() {
      return arrays[0]!.length;
    },
    push(...row: unknown[]) {
      for (let i = 0; i < width; i++) arrays[i]!.push(row[i]);
    },
  };
}

async function meta(client: PgQueryable, key: string): Promise<string | undefined> {
  return (await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
}

async function setMeta(client: PgQueryable, key: string, value: string): Promise<void> {
  await client.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}

async function positionOf(client: PgQueryable): Promise<IndexerPosition> {
  const rows = (
    await client.query<{ key: string; value: string }>(
      "SELECT key, value FROM meta WHERE key IN ('cursor_number', 'cursor_hash', 'final_block')",
    )
  ).rows;
  const value = new Map(rows.map((r) => [r.key, r.value]));
  const number = value.get('cursor_number');
  const hash = value.get('cursor_hash') as Hex | undefined;
  const finalBlock = value.get('final_block');
  return {
    cursor: number === undefined || hash === undefined ? undefined : { number: Number(number), hash },
    finalBlock: finalBlock === undefined ? -1 : Number(finalBlock),
  };
}

async function raiseFinalBlock(client: PgQueryable, height: number): Promise<void> {
  const { finalBlock, cursor } = await positionOf(client);
  const bounded = Math.min(height, cursor?.number ?? -1);
  if (bounded > finalBlock) await setMeta(client, 'final_block', String(bounded));
}

/** The columns of devices a rollback touched, from their remaining rows (SqliteIndexerStore's recomputeDevice). */
async function recomputeDevices(client: PgQueryable, addresses: string[]): Promise<void> {
  // The owner: the last completed transfer's, else the token's mint (in the registration's block).
  await client.query(
    `WITH tokens AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t (address, token_id))
     UPDATE device_records d SET
       status = coalesce((SELECT current FROM status_changes s WHERE s.device = d.address
                          ORDER BY block_number DESC, log_index DESC LIMIT 1), 'active'),
       status_block = coalesce((SELECT block_number FROM status_changes s WHERE s.device = d.address
                          ORDER BY block_number DESC, log_index DESC LIMIT 1), registered_block),
       (owner, owner_block) = (SELECT owner, block_number FROM (
           SELECT args->>'newOwner' AS owner, block_number, log_index FROM events
            WHERE ${pgReadableArgs('events')}::json ->> 'device' = d.address AND name NOT IN (${readingEventNamesSql})
              AND contract = 'deviceOwnership' AND name = 'OwnershipTransferred'
           UNION ALL
           SELECT args->>'to', block_number, log_index FROM events
            WHERE block_number = d.registered_block AND contract = 'deviceOwnership' AND name = 'Transfer'
              AND args->>'from' = '${zeroAddress}'
              AND args->>'tokenId' = (SELECT token_id FROM tokens WHERE tokens.address = d.address)) AS owners
         ORDER BY block_number DESC, log_index DESC LIMIT 1)
     WHERE address = ANY($1::text[])`,
    [addresses, addresses.map(deviceTokenId)],
  );
  await client.query(
    `UPDATE device_counters c SET
       readings = (SELECT count(*) FROM readings WHERE device = c.address AND outcome <> 'skipped'),
       flags = (SELECT count(*) FROM readings WHERE device = c.address AND outcome = 'flagged'),
       last_sequence = (SELECT sequence FROM readings WHERE device = c.address AND outcome <> 'skipped'
                        ORDER BY block_number DESC, log_index DESC LIMIT 1),
       last_reading_block = (SELECT max(block_number) FROM readings WHERE device = c.address AND outcome <> 'skipped')
     WHERE address = ANY($1::text[])`,
    [addresses],
  );
}

/** Drops a deployment's index schema (a throwaway demo's, at its end): its rows are gone, nothing else. */
export async function dropIndexSchema(options: Pick<PostgresIndexerStoreOptions, 'url' | 'password' | 'identity'>): Promise<void> {
  const client = new pg.Client({
    connectionString: options.password === undefined ? options.url : withDatabasePassword(options.url, options.password),
  });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${indexSchemaName(options.identity)} CASCADE`);
  } finally {
    await client.end();
  }
}
