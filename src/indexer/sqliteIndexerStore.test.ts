import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { getAddress, zeroAddress } from 'viem';
import {
  actorAccounts,
  actorPages,
  actorTestEvents,
  device,
  event,
  hash,
  range,
  sqliteStoreKind,
  storeContractTests,
} from '../testing/indexerStoreContract.js';
import { deviceEventsQuery, encodeCursor } from './queryIndex.js';
import { indexSchemaMigrations, SqliteIndexerStore } from './sqliteIndexerStore.js';

const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

storeContractTests(sqliteStoreKind(dir));

test('the SQLite file is private to its user (0600)', () => {
  const path = join(dir, 'private.sqlite');
  new SqliteIndexerStore({ path, identity: '1:fleet' }).close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
});

test('an index file of schema version 1 is migrated in place: its rows stay, and flags and sorted fleet pages read the new indexes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
  const path = join(dir, 'index.sqlite');
  try {
    const old = new Database(path);
    old.exec(indexSchemaMigrations[0]!);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO meta (key, value) VALUES ('identity', '1:fleet')").run();
    old
      .prepare(
        `INSERT INTO devices (address, class_id, status, public_key, registrar, registered_block, status_block, readings, flags, last_sequence, last_reading_block)
         VALUES (?, 1, 'active', '0x', ?, 5, 5, 1, 1, 1, 6)`,
      )
      .run(device, device);
    old
      .prepare(
        `INSERT INTO readings (block_number, log_index, tx_hash, device, sequence, outcome, reasons, metric, value)
         VALUES (6, 0, ?, ?, 1, 'flagged', 1, 0, 9000)`,
      )
      .run(hash(1006), device);
    old.close();

    const store = new SqliteIndexerStore({ path, identity: '1:fleet' });
    assert.equal(store.db.pragma('user_version', { simple: true }), indexSchemaMigrations.length);
    assert.deepEqual(
      store.flags({ device, limit: 10 }).items.map((r) => [r.sequence, r.flag?.rules]),
      [[1, ['OutOfRange']]],
    );
    const plan = (sql: string) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join();
    assert.match(
      plan("SELECT * FROM readings WHERE outcome = 'flagged' AND device = 'x' ORDER BY block_number DESC LIMIT 5"),
      /flags_by_device/,
    );
    assert.match(
      plan("SELECT * FROM devices WHERE status = 'active' ORDER BY coalesce(last_reading_block, -1) DESC, address DESC LIMIT 5"),
      /devices_by_status_last_reading/,
    );
    // A range's readings of one device move its counters once, to the range's totals and last reading.
    store.applyRange(
      range(9, [
        event(7, 0, 'ReadingAccepted', { device, sequence: '2' }),
        event(8, 0, 'ReadingFlagged', { device, sequence: '3', reasons: 2, metric: 1, value: 5 }),
        event(9, 0, 'ReadingSkipped', { device, sequence: '4', reason: 1 }),
      ]),
    );
    const row = store.device(device);
    assert.deepEqual([row?.readings, row?.flags, row?.lastSequence, row?.lastReadingBlock], [3, 2, 3, 8]);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an index file of schema version 2 is migrated in place: a device's owner is read from its registration's mint", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
  const path = join(dir, 'index.sqlite');
  const minted = getAddress('0x00000000000000000000000000000000000000d3');
  const [operator, buyer] = [getAddress(`0x${'0a'.repeat(20)}`), getAddress(`0x${'0b'.repeat(20)}`)];
  try {
    const old = new Database(path);
    old.exec(indexSchemaMigrations[0]!);
    old.exec(indexSchemaMigrations[1]!);
    old.pragma('user_version = 2');
    old.prepare("INSERT INTO meta (key, value) VALUES ('identity', '1:fleet')").run();
    const addDevice = old.prepare(
      `INSERT INTO devices (address, class_id, status, public_key, registrar, registered_block, status_block, owner, owner_block)
       VALUES (?, 1, 'active', '0x', ?, 5, 5, ?, ?)`,
    );
    const addEvent = old.prepare(
      'INSERT INTO events (block_number, log_index, tx_hash, contract, address, name, args) VALUES (5, ?, ?, ?, ?, ?, ?)',
    );
    // Registered and minted in one transaction; registered before the fleet had DeviceOwnership (no mint); minted, then transferred.
    const transferred = getAddress('0x00000000000000000000000000000000000000d4');
    addDevice.run(minted, operator, null, null);
    addDevice.run(device, operator, null, null);
    addDevice.run(transferred, operator, buyer, 9);
    const registration = (logIndex: number, id: string) => {
      addEvent.run(logIndex, hash(5), 'fleet', `0x${'f1'.repeat(20)}`, 'DeviceRegistered', JSON.stringify({ device: id, classId: '1' }));
      addEvent.run(
        logIndex + 1,
        hash(5),
        'deviceOwnership',
        `0x${'f2'.repeat(20)}`,
        'Transfer',
        JSON.stringify({ from: zeroAddress, to: operator, tokenId: BigInt(id).toString() }),
      );
    };
    registration(0, minted);
    addEvent.run(2, hash(5), 'fleet', `0x${'f1'.repeat(20)}`, 'DeviceRegistered', JSON.stringify({ device, classId: '1' }));
    registration(3, transferred);
    old.close();

    const store = new SqliteIndexerStore({ path, identity: '1:fleet' });
    try {
      assert.equal(store.db.pragma('user_version', { simple: true }), indexSchemaMigrations.length);
      assert.equal(store.device(minted)?.owner, operator, 'the owner the registration minted the token to');
      assert.equal(store.device(device)?.owner, null, 'no mint: no owner');
      assert.equal(store.device(transferred)?.owner, buyer, 'a transferred device keeps its owner');
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an index file of schema version 3 is migrated in place: a device's events are read by index, each kind from its own", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
  const path = join(dir, 'index.sqlite');
  const operator = getAddress(`0x${'0a'.repeat(20)}`);
  const other = getAddress(`0x${'d7'.repeat(20)}`);
  try {
    const old = new Database(path);
    for (const migration of indexSchemaMigrations.slice(0, 3)) old.exec(migration);
    old.pragma('user_version = 3');
    old.prepare("INSERT INTO meta (key, value) VALUES ('identity', '1:fleet')").run();
    const addEvent = old.prepare(
      'INSERT INTO events (block_number, log_index, tx_hash, contract, address, name, args) VALUES (?, 0, ?, ?, ?, ?, ?)',
    );
    addEvent.run(1, hash(1), 'fleet', `0x${'f1'.repeat(20)}`, 'DeviceRegistered', JSON.stringify({ device, classId: '1' }));
    addEvent.run(2, hash(2), 'fleet', `0x${'f1'.repeat(20)}`, 'ReadingAccepted', JSON.stringify({ device, sequence: '1' }));
    old
      .prepare("INSERT INTO readings (block_number, log_index, tx_hash, device, sequence, outcome) VALUES (2, 0, ?, ?, 1, 'accepted')")
      .run(hash(2), device);
    const grant = { consentId: '4', owner: operator, recipient: operator, devices: [other, device, device] };
    addEvent.run(3, hash(3), 'consentRegistry', `0x${'f3'.repeat(20)}`, 'ConsentGranted', JSON.stringify(grant));
    old.close();

    const store = new SqliteIndexerStore({ path, identity: '1:fleet' });
    try {
      assert.equal(store.db.pragma('user_version', { simple: true }), indexSchemaMigrations.length);
      assert.deepEqual(
        store.db.prepare('SELECT device, block_number FROM event_devices ORDER BY device').raw().all(),
        [
          [device, 3],
          [other, 3],
        ],
        "the stored grants' device lists, one row per device",
      );
      assert.deepEqual(
        store.events({ device, limit: 10 }).items.map((e) => e.name),
        ['ConsentGranted', 'ReadingAccepted', 'DeviceRegistered'],
      );
      const plan = (query: { sql: string; args: unknown[] } | undefined) =>
        (store.db.prepare(`EXPLAIN QUERY PLAN ${query!.sql}`).all(...query!.args) as { detail: string }[]).map((r) => r.detail).join('; ');
      const every = plan(deviceEventsQuery({ limit: 10, cursor: encodeCursor([9, 0]) }, device));
      assert.match(every, /events_by_device/, every);
      assert.match(every, /readings_by_device_block/, every);
      assert.match(every, /SEARCH d USING PRIMARY KEY \(device=\?/, every);
      assert.doesNotMatch(every, /SCAN e\b/, `no branch reads every event: ${every}`);
      const ownership = plan(deviceEventsQuery({ limit: 10, names: ['DeviceRegistered', 'OwnershipTransferred'] }, device));
      assert.match(ownership, /events_by_device/, ownership);
      assert.doesNotMatch(ownership, /readings|SEARCH d /, `only the branch the names let through: ${ownership}`);
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an index file of schema version 4 is migrated in place: events get a sender column, null (unknown) for the rows already there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
  const path = join(dir, 'index.sqlite');
  const operator = getAddress(`0x${'0a'.repeat(20)}`);
  try {
    const old = new Database(path);
    for (const migration of indexSchemaMigrations.slice(0, 4)) old.exec(migration);
    old.pragma('user_version = 4');
    old.prepare("INSERT INTO meta (key, value) VALUES ('identity', '1:fleet'), ('cursor_number', '1'), ('cursor_hash', ?)").run(hash(1));
    old
      .prepare('INSERT INTO events (block_number, log_index, tx_hash, contract, address, name, args) VALUES (1, 0, ?, ?, ?, ?, ?)')
      .run(hash(1001), 'fleet', `0x${'f1'.repeat(20)}`, 'ClassProfileSet', JSON.stringify({ classId: '1', version: '2' }));
    old.close();

    const store = new SqliteIndexerStore({ path, identity: '1:fleet' });
    try {
      assert.equal(store.db.pragma('user_version', { simple: true }), indexSchemaMigrations.length);
      store.applyRange(range(2, [{ ...event(2, 0, 'ClassProfileSet', { classId: '1', version: '3' }), sender: operator }]));
      assert.deepEqual(
        store.events({ limit: 10 }).items.map((e) => [e.blockNumber, e.sender]),
        [
          [2, operator],
          [1, null],
        ],
        'the rows indexed before stay, with no sender',
      );
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an index file of schema version 5 is migrated in place: the actor filter reads event_actors, filled from the stored events, and answers as the former filter over every event', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
  const path = join(dir, 'index.sqlite');
  try {
    const old = new Database(path);
    for (const migration of indexSchemaMigrations.slice(0, 5)) old.exec(migration);
    old.pragma('user_version = 5');
    old.prepare("INSERT INTO meta (key, value) VALUES ('identity', '1:fleet')").run();
    const addEvent = old.prepare(
      'INSERT INTO events (block_number, log_index, tx_hash, contract, address, name, args, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const e of actorTestEvents())
      addEvent.run(e.blockNumber, e.logIndex, e.transactionHash, e.contract, e.address, e.name, JSON.stringify(e.args), e.sender ?? null);
    // The filter as it was before event_actors (every event read), for each account.
    const formerFilter = old.prepare(
      `SELECT block_number FROM events e WHERE (e.sender = ? OR EXISTS (SELECT 1 FROM json_each(e.args) WHERE key != 'device' AND value = ?))
       ORDER BY block_number DESC, log_index DESC`,
    );
    const before = Object.values(actorAccounts).map((a) => formerFilter.pluck().all(a, a));
    old.close();

    const store = new SqliteIndexerStore({ path, identity: '1:fleet' });
    try {
      assert.equal(store.db.pragma('user_version', { simple: true }), indexSchemaMigrations.length);
      const after = Object.values(actorAccounts).map((a) => store.events({ actor: a, limit: 10 }).items.map((e) => e.blockNumber));
      assert.deepEqual(after, before, 'the same events as the former filter');
      assert.deepEqual(after, Object.values(actorPages));
      assert.deepEqual(
        store.eventsWithoutSender(undefined, 10),
        [{ blockNumber: 6, logIndex: 0, transactionHash: hash(1006) }],
        'the events without a sender, reading events left out: the follower reads them again',
      );
      const found = (
        store.db
          .prepare(
            "EXPLAIN QUERY PLAN SELECT block_number FROM events WHERE sender IS NULL AND name NOT IN ('ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped') ORDER BY block_number, log_index",
          )
          .all() as { detail: string }[]
      )
        .map((r) => r.detail)
        .join('; ');
      assert.match(found, /events_without_sender/, found);
      // The page's query (captured as the store prepares it) reads the actor's rows by key, in order.
      const ran: { sql: string; args: unknown[] }[] = [];
      const prepare = store.db.prepare.bind(store.db);
      store.db.prepare = ((sql: string) => {
        const statement = prepare(sql);
        const all = statement.all.bind(statement);
        statement.all = (...args: unknown[]) => {
          ran.push({ sql, args });
          return all(...args);
        };
        return statement;
      }) as typeof store.db.prepare;
      const { operator } = actorAccounts;
      store.events({ actor: operator, contracts: ['fleet'], names: ['DeviceRegistered'], limit: 2, cursor: encodeCursor([9, 0]) });
      store.events({ actor: operator, device, limit: 2 });
      store.db.prepare = prepare;
      const plan = (query: { sql: string; args: unknown[] } | undefined) =>
        (store.db.prepare(`EXPLAIN QUERY PLAN ${query!.sql}`).all(...query!.args) as { detail: string }[]).map((r) => r.detail).join('; ');
      const alonePlan = plan(ran[0]);
      assert.match(alonePlan, /SEARCH a USING PRIMARY KEY \(actor=\? AND \(block_number,log_index\)<\(\?,\?\)\)/, alonePlan);
      assert.doesNotMatch(alonePlan, /SCAN e\b|TEMP B-TREE/, `neither every event read nor a sort: ${alonePlan}`);
      const devicePlan = plan(ran[1]);
      // With a device, each of its events is one key lookup (actor, block, log index) in event_actors.
      const lookups = devicePlan.split('; ').filter((step) => /^SEARCH a\b/.test(step));
      assert.ok(lookups.length > 0, devicePlan);
      for (const step of lookups) assert.match(step, /(?=.*actor=\?)(?=.*block_number=\?)(?=.*log_index=\?)/, devicePlan);
      assert.doesNotMatch(devicePlan, /SCAN a\b/, devicePlan);
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
