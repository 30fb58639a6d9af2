import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { CommandStore } from '../commands/commandStore.js';
import { AccessLedger } from '../consentedData/accessLedger.js';
import { PolicyStore } from '../policies/policyStore.js';
import { ReadingQueue } from '../readings/readingQueue.js';
import { buildGateway } from '../server.js';
import { GatewayDatabase } from './gatewayDatabase.js';
import { gatewayMigrations } from './migrations.js';

/**
 * A database written by the gateway before versioned migrations (Pythia 0.1.0, main at 0fb3da3),
 * opened by this one. The schema below is that version's, copied from its code (the SCHEMA
 * constants of ReadingQueue, CommandStore, AccessLedger and PolicyStore, which it ran with
 * `CREATE TABLE IF NOT EXISTS` on every start); the rows are what its code wrote, access-log
 * batches included (device_actions rows under the zero address).
 */
const SCHEMA_0_1_0 = {
  readingQueue: `
CREATE TABLE IF NOT EXISTS readings (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  device       TEXT    NOT NULL,
  seq          TEXT    NOT NULL,
  timestamp    TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  signature    BLOB    NOT NULL,
  received_at  INTEGER NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'pending',
  batch_id     INTEGER,
  reasons      TEXT,
  metric       INTEGER,
  value        INTEGER,
  tx_hash      TEXT,
  block_number INTEGER,
  decided_at   INTEGER,
  UNIQUE (device, seq)
);
CREATE INDEX IF NOT EXISTS readings_unbatched ON readings (id) WHERE status = 'pending' AND batch_id IS NULL;
CREATE INDEX IF NOT EXISTS readings_by_batch ON readings (batch_id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS batches (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  nonce        INTEGER NOT NULL,
  tx_hash      TEXT    NOT NULL,
  raw_tx       TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  state        TEXT    NOT NULL DEFAULT 'sent',
  block_number INTEGER
);
CREATE INDEX IF NOT EXISTS batches_open ON batches (id) WHERE state = 'sent';
CREATE TABLE IF NOT EXISTS device_actions (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  device       TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  target       TEXT    NOT NULL,
  calldata     TEXT    NOT NULL,
  dedupe_key   TEXT    NOT NULL UNIQUE,
  received_at  INTEGER NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'pending',
  batch_id     INTEGER,
  tx_hash      TEXT,
  block_number INTEGER,
  error        TEXT,
  decided_at   INTEGER
);
CREATE INDEX IF NOT EXISTS device_actions_unbatched ON device_actions (id) WHERE status = 'pending' AND batch_id IS NULL;
`,
  commandStore: `
CREATE TABLE IF NOT EXISTS commands (
  id               TEXT    PRIMARY KEY,
  recipient        TEXT    NOT NULL,
  nonce            TEXT    NOT NULL,
  device           TEXT    NOT NULL,
  consent_id       TEXT    NOT NULL,
  command          INTEGER NOT NULL,
  args             TEXT    NOT NULL,
  expires_at       TEXT    NOT NULL,
  signature        TEXT    NOT NULL,
  checked_at_block INTEGER NOT NULL,
  received_at      INTEGER NOT NULL,
  status           TEXT    NOT NULL DEFAULT 'accepted',
  log_entry_id    INTEGER,
  UNIQUE (recipient, nonce)
);
`,
  accessLedger: `
CREATE TABLE IF NOT EXISTS recipient_nonces (
  recipient   TEXT    NOT NULL,
  nonce       TEXT    NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (recipient, nonce)
);
CREATE TABLE IF NOT EXISTS access_entries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind        TEXT    NOT NULL,
  consent_id  TEXT    NOT NULL,
  device      TEXT    NOT NULL,
  recipient   TEXT    NOT NULL,
  scope       INTEGER NOT NULL,
  count       INTEGER NOT NULL,
  hash        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  action_id   INTEGER
);
CREATE INDEX IF NOT EXISTS access_entries_unbatched ON access_entries (kind, id) WHERE action_id IS NULL;
CREATE TABLE IF NOT EXISTS canaries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  consent_id  TEXT    NOT NULL,
  recipient   TEXT    NOT NULL,
  device      TEXT    NOT NULL,
  stream      INTEGER NOT NULL,
  seq         TEXT    NOT NULL,
  value       INTEGER NOT NULL,
  salt        TEXT    NOT NULL,
  commitment  TEXT    NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  action_id   INTEGER
);
CREATE INDEX IF NOT EXISTS canaries_unbatched ON canaries (id) WHERE action_id IS NULL;
CREATE INDEX IF NOT EXISTS canaries_by_consent ON canaries (consent_id, id);
`,
  policyStore: `
CREATE TABLE IF NOT EXISTS policy_documents (
  policy_id      TEXT    PRIMARY KEY,
  content_hash   TEXT    NOT NULL,
  canonical_json TEXT    NOT NULL,
  stored_at      INTEGER NOT NULL
);
`,
};

const ZERO: Address = '0x0000000000000000000000000000000000000000';
const deviceA: Address = '0x1111111111111111111111111111111111111111';
const deviceB: Address = '0x2222222222222222222222222222222222222222';
const recipient: Address = '0x3333333333333333333333333333333333333333';
const accessLog: Address = '0x4444444444444444444444444444444444444444';
const canaryRegistry: Address = '0x5555555555555555555555555555555555555555';
const ownership: Address = '0x6666666666666666666666666666666666666666';
const firmware: Address = '0x7777777777777777777777777777777777777777';
const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const seq = (n: number) => String(n).padStart(20, '0');
const T = 1_760_000_000_000;
const commandId = hash(0xc0ffee);
const policyId = hash(0xb0b);

/** Rows as 0.1.0 wrote them: every table, every state its code could leave a row in. */
function fill0_1_0(db: Database.Database): void {
  const reading = db.prepare(
    `INSERT INTO readings (device, seq, timestamp, payload, signature, received_at, status, batch_id, reasons, metric, value, tx_hash, block_number, decided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const sig = (n: number) => Buffer.alloc(65, n);
  reading.run(deviceA, seq(1), '1760000000', '0x00780096', sig(1), T, 'accepted', 1, '[]', null, null, hash(0xa1), 10, T + 900);
  reading.run(deviceA, seq(2), '1760000010', '0x0079009a', sig(2), T + 10, 'pending', 2, null, null, null, null, null, null);
  reading.run(deviceA, seq(3), '1760000020', '0x007a009b', sig(3), T + 20, 'pending', null, null, null, null, null, null, null);
  reading.run(deviceB, seq(1), '1760000000', '0x7fff0000', sig(4), T, 'flagged', 1, '["OutOfRange"]', 0, 32767, hash(0xa1), 10, T + 900);
  reading.run(
    deviceB,
    seq(2),
    '1760000000',
    '0x7fff0000',
    sig(5),
    T + 1,
    'rejected',
    1,
    '["Replayed"]',
    null,
    null,
    hash(0xa1),
    10,
    T + 900,
  );

  const batch = db.prepare('INSERT INTO batches (nonce, tx_hash, raw_tx, created_at, state, block_number) VALUES (?, ?, ?, ?, ?, ?)');
  batch.run(0, hash(0xa1), '0x02f8a1', T + 100, 'mined', 10); // 1: readings
  batch.run(1, hash(0xa2), '0x02f8a2', T + 200, 'sent', null); // 2: reading A/2, in flight
  batch.run(2, hash(0xa3), '0x02f8a3', T + 300, 'mined', 11); // 3: the deliveries log
  batch.run(3, hash(0xa4), '0x02f8a4', T + 400, 'sent', null); // 4: the commands log, in flight
  batch.run(4, hash(0xa5), '0x02f8a5', T + 500, 'mined', 12); // 5: an owner acknowledgement
  batch.run(5, hash(0xa6), '0x02f8a6', T + 600, 'reverted', 13); // 6: a failed firmware report

  const action = db.prepare(
    `INSERT INTO device_actions (device, kind, target, calldata, dedupe_key, received_at, status, batch_id, tx_hash, block_number, error, decided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  action.run(
    deviceA,
    'owner_acknowledgement',
    ownership,
    '0xaa01',
    `owner_acknowledgement:${deviceA}:2`,
    T + 450,
    'done',
    5,
    hash(0xa5),
    12,
    null,
    T + 700,
  ); // 1
  action.run(
    ZERO,
    'access-log-deliverys',
    accessLog,
    '0xbb01',
    'access-log-deliverys:1',
    T + 250,
    'done',
    3,
    hash(0xa3),
    11,
    null,
    T + 800,
  ); // 2
  action.run(
    deviceB,
    'firmware_report',
    firmware,
    '0xaa02',
    `firmware_report:${deviceB}:3`,
    T + 2000,
    'pending',
    null,
    null,
    null,
    null,
    null,
  ); // 3
  action.run(ZERO, 'access-log-commands', accessLog, '0xbb02', 'access-log-commands:2', T + 350, 'pending', 4, null, null, null, null); // 4
  action.run(
    ZERO,
    'canary-commitments',
    canaryRegistry,
    '0xbb03',
    'canary-commitments:1',
    T + 1500,
    'pending',
    null,
    null,
    null,
    null,
    null,
  ); // 5
  action.run(
    deviceB,
    'firmware_report',
    firmware,
    '0xaa03',
    `firmware_report:${deviceB}:2`,
    T + 550,
    'failed',
    6,
    hash(0xa6),
    13,
    'the transaction reverted',
    T + 650,
  ); // 6

  db.prepare(
    `INSERT INTO commands (id, recipient, nonce, device, consent_id, command, args, expires_at, signature, checked_at_block, received_at, status, log_entry_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(commandId, recipient, '7', deviceA, '3', 3, '0x', '1760000300', `0x${'cd'.repeat(65)}`, 9, T + 300, 'published', 2);

  const nonce = db.prepare('INSERT INTO recipient_nonces (recipient, nonce, expires_at) VALUES (?, ?, ?)');
  nonce.run(recipient, '41', 4_102_444_800_000);
  nonce.run(recipient, '42', 4_102_444_800_000);

  const entry = db.prepare(
    'INSERT INTO access_entries (kind, consent_id, device, recipient, scope, count, hash, created_at, action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  entry.run('delivery', '3', deviceA, recipient, 5, 2, hash(0xd1), T + 200, 2); // 1: logged by action 2
  entry.run('command', '3', deviceA, recipient, 3, 0, commandId, T + 300, 4); // 2: in action 4, in flight
  entry.run('delivery', '3', deviceA, recipient, 1, 1, hash(0xd3), T + 2500, null); // 3: waiting for a batch

  const canary = db.prepare(
    'INSERT INTO canaries (consent_id, recipient, device, stream, seq, value, salt, commitment, created_at, action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  canary.run('3', recipient, deviceA, 0, '1', 121, hash(0x51), hash(0xe1), T + 200, 5);
  canary.run('3', recipient, deviceA, 2, '2', 299, hash(0x52), hash(0xe2), T + 2500, null);

  db.prepare('INSERT INTO policy_documents (policy_id, content_hash, canonical_json, stored_at) VALUES (?, ?, ?, ?)').run(
    policyId,
    hash(0xf1),
    '{"pythiaPolicy":1}',
    T,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'pythia-upgrade-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A database file exactly as 0.1.0 left it: its schema (in the order it created it) and its rows. */
function write0_1_0(name: string, parts: (keyof typeof SCHEMA_0_1_0)[], fill?: (db: Database.Database) => void): string {
  const path = join(dir, name);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  for (const part of parts) db.exec(SCHEMA_0_1_0[part]);
  fill?.(db);
  db.close();
  return path;
}

const dump = (db: { prepare(sql: string): Database.Statement }, table: string) =>
  db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[];

/**
 * The columns later migrations add, as they leave them on a row written before them. Migration 3
 * (issue #12): the delivery a canary was carried by, unknown for canaries given before. Migration 4
 * (issue #11): no block hash yet (checked against the chain on first use), a batch already in a
 * block counted as included since it was created (so it can become final), no account (taken as
 * the current relayer's). A column the row already has (written at a later version) is kept.
 */
const addedByMigrations: Record<string, (row: Record<string, unknown>) => Record<string, unknown>> = {
  canaries: () => ({ entry_id: null, delivery_key: null }),
  batches: (row) => ({
    block_hash: null,
    included_at: (row.state === 'mined' || row.state === 'reverted') && row.block_number !== null ? row.created_at : null,
    final_at: null,
    account: null,
  }),
  readings: () => ({ block_hash: null }),
};

/** Every row of `table` as it was before, with only the later migrations' columns added. */
function assertRowsKept(db: GatewayDatabase, table: string, before: Record<string, unknown>[]): void {
  const added = addedByMigrations[table];
  assert.deepEqual(
    dump(db, table),
    before.map((row) => ({ ...added?.(row), ...row })),
    `${table}: every row kept`,
  );
}

describe('upgrading a database written by Pythia 0.1.0', () => {
  const path = write0_1_0('full.sqlite', ['readingQueue', 'commandStore', 'policyStore', 'accessLedger'], fill0_1_0);
  const old = new Database(path, { readonly: true });
  const before = Object.fromEntries(
    ['readings', 'batches', 'device_actions', 'commands', 'recipient_nonces', 'access_entries', 'canaries', 'policy_documents'].map((t) => [
      t,
      dump(old, t),
    ]),
  ) as Record<string, Record<string, unknown>[]>;
  old.close();
  const raw = new Database(path);
  assert.equal(raw.pragma('user_version', { simple: true }), 0, '0.1.0 never set a schema version');
  raw.close();

  it('loses no row: every table as it was, the access-log batches moved to their own table with their ids', () => {
    const db = new GatewayDatabase({ path });
    try {
      assert.equal(db.schemaVersion, gatewayMigrations.length);
      for (const table of ['readings', 'batches', 'commands', 'recipient_nonces', 'access_entries', 'canaries', 'policy_documents']) {
        assertRowsKept(db, table, before[table]!);
      }
      const deviceRows = before.device_actions!.filter((r) => r.device !== ZERO);
      const logRows = before.device_actions!.filter((r) => r.device === ZERO);
      assert.equal(deviceRows.length + logRows.length, before.device_actions!.length);
      assert.deepEqual(dump(db, 'device_actions'), deviceRows, 'device actions unchanged');
      const kinds: Record<string, string> = {
        'access-log-deliverys': 'deliveries',
        'access-log-commands': 'commands',
        'canary-commitments': 'canaries',
      };
      assert.deepEqual(
        dump(db, 'access_log_batches'),
        logRows.map((r) => ({
          id: r.id,
          kind: kinds[r.kind as string],
          target: r.target,
          calldata: r.calldata,
          created_at: r.received_at,
          status: r.status,
          batch_id: r.batch_id,
          tx_hash: r.tx_hash,
          block_number: r.block_number,
          error: r.error,
          decided_at: r.decided_at,
        })),
      );
    } finally {
      db.close();
    }
  });

  it('everything still works through the stores: reads, the relayer outbox, settling, new writes', () => {
    const db = new GatewayDatabase({ path });
    try {
      assert.equal(db.schemaVersion, gatewayMigrations.length, 'opening again migrates nothing twice');
      const queue = new ReadingQueue({ database: db });
      const commands = new CommandStore(db);
      const ledger = new AccessLedger(db);
      const policies = new PolicyStore(db);

      assert.equal(queue.pendingCount(), 2);
      assert.deepEqual(queue.countsOf(deviceB), { pending: 0, accepted: 0, flagged: 1, rejected: 1 });
      const flagged = queue.reading(deviceB, 1n);
      assert.equal(flagged?.status, 'flagged');
      assert.deepEqual(flagged?.reasons, ['OutOfRange']);
      assert.equal(flagged?.value, 32767);
      assert.equal(queue.reading(deviceA, 1n)?.txHash, hash(0xa1));
      assert.deepEqual(queue.highestSequences().get(deviceA), 3n);
      assert.deepEqual(
        queue.openBatches().map((b) => b.id),
        [2, 4],
      );
      assert.deepEqual(
        queue.takeUnbatched(10).map((r) => [r.device, r.sequence]),
        [[deviceA, 3n]],
      );
      // The outbox: the oldest waiting action of either table (the canary commitment came first).
      assert.deepEqual(queue.nextUnbatchedAction(), {
        source: 'access_log_batches',
        id: 5,
        kind: 'canaries',
        target: canaryRegistry,
        calldata: '0xbb03',
      });
      assert.equal(queue.deviceAction(2), undefined, 'an access-log batch is no device action any more');
      assert.equal(queue.deviceAction(1)?.status, 'done');
      assert.equal(queue.deviceAction(6)?.error, 'the transaction reverted');

      // The commands log in flight (batch 4) is settled by its receipt, as the relayer would.
      assert.equal(ledger.logBatch(4)?.status, 'pending');
      queue.settleBatch({ id: 4, txHash: hash(0xa4) }, 14, []);
      assert.deepEqual(ledger.logBatch(4), {
        id: 4,
        kind: 'commands',
        target: accessLog,
        calldata: '0xbb02',
        createdAt: T + 350,
        status: 'done',
        txHash: hash(0xa4),
        blockNumber: 14,
        error: null,
      });
      // The reading batch in flight settles too.
      queue.settleBatch({ id: 2, txHash: hash(0xa2) }, 15, [{ device: deviceA, sequence: 2n, status: 'accepted', reasons: [] }]);
      assert.equal(queue.reading(deviceA, 2n)?.status, 'accepted');
      assert.equal(queue.pendingCount(), 1);

      const command = commands.get(commandId);
      assert.equal(command?.status, 'published');
      assert.equal(commands.isReplay(recipient, 7n), true);
      const entry = ledger.entry(command!.logEntryId!);
      assert.equal(ledger.logBatch(entry!.actionId!)?.kind, 'commands', "the command's log entry still names its batch");
      assert.equal(ledger.logBatch(ledger.entry(1)!.actionId!)?.kind, 'deliveries');
      assert.deepEqual(
        ledger.canariesOfConsent(3n).map((c) => [c.value, c.actionId]),
        [
          [121, 5],
          [299, null],
        ],
      );
      assert.equal(ledger.useNonce(recipient, 42n, 4_102_444_800n, T), false, 'a used nonce is still used');
      assert.equal(ledger.useNonce(recipient, 43n, 4_102_444_800n, T), true);
      assert.equal(policies.get(policyId)?.canonicalJson, '{"pythiaPolicy":1}');

      // New rows continue every id sequence: nothing collides with what was there.
      queue.enqueue([{ device: deviceA, sequence: 4n, timestamp: 1760000030n, payload: '0x007b009c', signature: new Uint8Array(65) }]);
      assert.equal(queue.reading(deviceA, 4n)?.status, 'pending');
      const { action, duplicate } = queue.enqueueAction({
        device: deviceB,
        kind: 'firmware_report',
        target: firmware,
        calldata: '0xaa04',
        dedupeKey: `firmware_report:${deviceB}:4`,
      });
      assert.equal(duplicate, false);
      assert.equal(action.id, 7);
      assert.equal(
        queue.enqueueAction({
          device: deviceB,
          kind: 'firmware_report',
          target: firmware,
          calldata: '0xaa02',
          dedupeKey: `firmware_report:${deviceB}:3`,
        }).duplicate,
        true,
        'dedupe keys of old device actions still hold',
      );
      const batchId = ledger.batchInto('entries', [3], { kind: 'deliveries', target: accessLog, calldata: '0xbb04' });
      assert.equal(batchId, 6, 'after the moved batches');
      assert.equal(ledger.entry(3)?.actionId, 6);
    } finally {
      db.close();
    }
  });

  it('serves the upgraded data over HTTP', async () => {
    const app = await buildGateway({
      rpcUrl: 'http://127.0.0.1:9', // no chain needed for what the gateway holds itself
      chainId: 31337,
      fleetAddress: '0x8888888888888888888888888888888888888888',
      relayerAccount: privateKeyToAccount(generatePrivateKey()),
      dbPath: path,
    });
    try {
      const response = await app.inject(`/v1/readings/${deviceB}/1`);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        { status: response.json().status, reasons: response.json().reasons, txHash: response.json().txHash },
        { status: 'flagged', reasons: ['OutOfRange'], txHash: hash(0xa1) },
      );
      assert.equal(app.pythia.queue.pendingCount(), 2, 'A/3 and the new A/4');
    } finally {
      await app.close();
    }
  });

  it('its batches on chain can become final once their block hash is checked, and reopen with every relayed action when it vanished', () => {
    const copy = write0_1_0('full-rollback.sqlite', ['readingQueue', 'commandStore', 'policyStore', 'accessLedger'], fill0_1_0);
    const db = new GatewayDatabase({ path: copy });
    try {
      const queue = new ReadingQueue({ database: db });
      const ledger = new AccessLedger(db);
      assert.equal(queue.reading(deviceA, 1n)?.finality, 'included', 'an outcome from before is not final until its block is checked');
      assert.deepEqual(
        queue.batchesToFinalize(100, Date.now()).map((b) => [b.id, b.state, b.blockNumber, b.blockHash]),
        [
          [1, 'mined', 10, null],
          [3, 'mined', 11, null],
          [5, 'mined', 12, null],
          [6, 'reverted', 13, null],
        ],
        'every batch already in a block is due for the check',
      );
      queue.recordBlockHash(1, hash(0xb10));
      queue.finalizeBatch(1, T + 5000);
      assert.equal(queue.reading(deviceA, 1n)?.finality, 'final');
      assert.equal(queue.reading(deviceB, 1n)?.finalAt, T + 5000);

      // The blocks of batches 3 (the deliveries log), 5 (an owner acknowledgement) and 6 (a reverted firmware report) vanish.
      for (const id of [6, 5, 3]) queue.reopenBatch(id);
      assert.equal(ledger.logBatch(2)?.status, 'pending');
      assert.equal(ledger.logBatch(2)?.txHash, null);
      assert.equal(queue.deviceAction(1)?.status, 'pending');
      assert.equal(queue.deviceAction(6)?.status, 'pending');
      assert.equal(queue.deviceAction(6)?.error, null);
      assert.deepEqual(
        queue.openBatches().map((b) => b.id),
        [2, 3, 4, 5, 6],
        'sent again with their recorded bytes, lowest nonce first',
      );
      assert.equal(ledger.entry(1)?.actionId, 2, 'the delivery is still logged by the same batch');
    } finally {
      db.close();
    }
  });

  it('a database of a fleet-only 0.1.0 gateway (no policy or consent tables yet) gets them, its rows kept', () => {
    const small = write0_1_0('fleet-only.sqlite', ['readingQueue', 'commandStore'], (db) => {
      db.prepare('INSERT INTO readings (device, seq, timestamp, payload, signature, received_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        deviceA,
        seq(1),
        '1760000000',
        '0x0078',
        Buffer.alloc(65, 1),
        T,
      );
    });
    const db = new GatewayDatabase({ path: small });
    try {
      assert.equal(db.schemaVersion, gatewayMigrations.length);
      const queue = new ReadingQueue({ database: db });
      assert.equal(queue.pendingCount(), 1);
      assert.equal(queue.reading(deviceA, 1n)?.status, 'pending');
      const ledger = new AccessLedger(db);
      assert.equal(ledger.useNonce(recipient, 1n, 4_102_444_800n, T), true);
      assert.equal(new PolicyStore(db).put({ policyId, contentHash: hash(1), canonicalJson: '{}' }), true);
    } finally {
      db.close();
    }
  });
});

/**
 * A database written by the gateway at schema version 3 (migrations 1 to 3: access-log batches in
 * their own table, canaries naming their delivery; Pythia before issue #11), with rows in every state that code could leave them in, opened by this one.
 */
describe('upgrading a database written at schema version 3', () => {
  const path = join(dir, 'schema-2.sqlite');
  const v3 = new GatewayDatabase({ path, migrations: gatewayMigrations.slice(0, 3) });
  assert.equal(v3.schemaVersion, 3);
  const sig = (n: number) => Buffer.alloc(65, n);
  const reading = v3.prepare(
    `INSERT INTO readings (device, seq, timestamp, payload, signature, received_at, status, batch_id, reasons, metric, value, tx_hash, block_number, decided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  reading.run(deviceA, seq(1), '1760000000', '0x0078', sig(1), T, 'accepted', 1, '[]', null, null, hash(0xa1), 20, T + 900);
  reading.run(deviceA, seq(2), '1760000010', '0x0079', sig(2), T + 10, 'pending', 3, null, null, null, null, null, null);
  reading.run(deviceB, seq(1), '1760000000', '0x7fff', sig(3), T + 20, 'pending', null, null, null, null, null, null, null);
  const batch = v3.prepare('INSERT INTO batches (nonce, tx_hash, raw_tx, created_at, state, block_number) VALUES (?, ?, ?, ?, ?, ?)');
  batch.run(0, hash(0xa1), '0x02f8a1', T + 100, 'mined', 20); // 1: reading A/1
  batch.run(1, hash(0xa2), '0x02f8a2', T + 200, 'mined', 21); // 2: the deliveries log + nothing else
  batch.run(2, hash(0xa3), '0x02f8a3', T + 300, 'sent', null); // 3: reading A/2, in flight
  batch.run(3, hash(0xa4), '0x02f8a4', T + 400, 'sent', null); // 4: the canaries log, in flight
  batch.run(4, hash(0xa5), '0x02f8a5', T + 500, 'reverted', 22); // 5: the commands log, reverted
  batch.run(4, hash(0xa6), '0x02f8a6', T + 600, 'replaced', null); // 6: an owner acknowledgement whose nonce was taken
  const logBatch = v3.prepare(
    `INSERT INTO access_log_batches (kind, target, calldata, created_at, status, batch_id, tx_hash, block_number, error, decided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  logBatch.run('deliveries', accessLog, '0xbb01', T + 150, 'done', 2, hash(0xa2), 21, null, T + 950); // 1
  logBatch.run('canaries', canaryRegistry, '0xbb02', T + 350, 'pending', 4, null, null, null, null); // 2
  logBatch.run('commands', accessLog, '0xbb03', T + 450, 'failed', 5, hash(0xa5), 22, 'the transaction reverted', T + 980); // 3
  logBatch.run('deliveries', accessLog, '0xbb04', T + 2000, 'pending', null, null, null, null, null); // 4: waiting
  v3.prepare(
    `INSERT INTO device_actions (device, kind, target, calldata, dedupe_key, received_at, status, batch_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(deviceA, 'owner_acknowledgement', ownership, '0xaa01', `owner_acknowledgement:${deviceA}:1`, T + 550, 'pending', null); // released from 6
  const entry = v3.prepare(
    'INSERT INTO access_entries (kind, consent_id, device, recipient, scope, count, hash, created_at, action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  entry.run('delivery', '3', deviceA, recipient, 5, 2, hash(0xd1), T + 150, 1);
  entry.run('command', '3', deviceA, recipient, 3, 0, commandId, T + 450, 3);
  entry.run('delivery', '3', deviceA, recipient, 1, 1, hash(0xd3), T + 2000, 4);
  v3.prepare(
    'INSERT INTO canaries (consent_id, recipient, device, stream, seq, value, salt, commitment, created_at, action_id, entry_id, delivery_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run('3', recipient, deviceA, 0, '1', 121, hash(0x51), hash(0xe1), T + 350, 2, 1, hash(0xde1));
  const tablesV3 = ['readings', 'batches', 'device_actions', 'access_log_batches', 'access_entries', 'canaries'];
  const before = Object.fromEntries(tablesV3.map((t) => [t, dump(v3, t)])) as Record<string, Record<string, unknown>[]>;
  v3.close();

  it('loses no row and applies migration 4 once', () => {
    for (let open = 0; open < 2; open++) {
      const db = new GatewayDatabase({ path });
      try {
        assert.equal(db.schemaVersion, gatewayMigrations.length);
        for (const table of tablesV3) assertRowsKept(db, table, before[table]!);
        assert.deepEqual(dump(db, 'batch_attempts'), []);
      } finally {
        db.close();
      }
    }
  });

  it('the relayer outbox, settling, finality and a rollback work on the old rows, for relayed actions of both tables', () => {
    const db = new GatewayDatabase({ path });
    try {
      const queue = new ReadingQueue({ database: db });
      const ledger = new AccessLedger(db);
      assert.equal(queue.pendingCount(), 2);
      assert.deepEqual(
        queue.openBatches().map((b) => b.id),
        [3, 4],
      );
      assert.equal(queue.highestNonce('0x00000000000000000000000000000000000000a1'), 4, 'batches without account count for the relayer');
      assert.deepEqual(queue.nextUnbatchedAction(), {
        source: 'device_actions',
        id: 1,
        kind: 'owner_acknowledgement',
        target: ownership,
        calldata: '0xaa01',
      });

      // The canaries log in flight is mined, with its block hash (included, not final yet).
      queue.settleBatch({ id: 4, txHash: hash(0xa4) }, 23, [], hash(0xb23));
      assert.equal(ledger.logBatch(2)?.status, 'done');
      assert.deepEqual(
        queue.batchesOnChainBelow(undefined, 1).map((b) => [b.id, b.blockNumber, b.blockHash]),
        [[4, 23, hash(0xb23)]],
      );
      // A fee bump of the reading batch in flight keeps the earlier signature.
      queue.replaceAttempt(3, hash(0xa3), { txHash: hash(0xa7), rawTx: '0x02f8a7' });
      assert.deepEqual(queue.earlierAttempts(3), [hash(0xa3)]);
      assert.equal(queue.isOwnTransaction(hash(0xa3)), true);
      queue.settleBatch(
        { id: 3, txHash: hash(0xa3) },
        23,
        [{ device: deviceA, sequence: 2n, status: 'accepted', reasons: [] }],
        hash(0xb23),
      );
      assert.equal(queue.reading(deviceA, 2n)?.txHash, hash(0xa3));
      assert.equal(queue.reading(deviceA, 2n)?.finality, 'included');

      // Blocks 21 to 23 vanish: the deliveries log, the reverted commands log and the canaries log are pending again.
      for (const id of [4, 3, 5, 2]) queue.reopenBatch(id);
      assert.deepEqual(
        [1, 2, 3].map((id) => ledger.logBatch(id)?.status),
        ['pending', 'pending', 'pending'],
      );
      assert.equal(queue.reading(deviceA, 2n)?.finality, 'pending');
      assert.equal(queue.reading(deviceA, 1n)?.finality, 'included', 'block 20 stays');
      assert.deepEqual(
        queue.openBatches().map((b) => [b.id, b.nonce]),
        [
          [2, 1],
          [3, 2],
          [4, 3],
          [5, 4],
        ],
      );
      assert.deepEqual(
        [ledger.entry(1)?.actionId, ledger.entry(2)?.actionId, ledger.entry(3)?.actionId],
        [1, 3, 4],
        'entries still name their batches',
      );
    } finally {
      db.close();
    }
  });
});
