import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { DatabaseVersionError, GatewayDatabase } from './gatewayDatabase.js';
import { gatewayMigrations, type Migration } from './migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'pythia-migrations-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `db-${++files}.sqlite`);

const tables = (db: GatewayDatabase) =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
  ).map((r) => r.name);

describe('gateway database migrations', () => {
  it('released migrations are never edited: each one is pinned by the SHA-256 of its SQL', () => {
    // A schema change is a new migration at the end; add its hash here when it is released.
    const released = [
      '4abaaf3483d04062af195f3d3c14d1daff044794fa8582b97b6bfcdc36624b5c',
      '4d7d4cd59b882645a7b65c7ab845e13a71552d0d166cb9552636f998a0c6ece4',
      '47020863b1815dab8eaa5daacc4f117aefdaeac3d2c16935fde93aa0c195d3ca',
      'ba5ef1f95280df1218c1beadb0ace977f58d2a342553d7a4236c9da543840bb0',
    ];
    assert.deepEqual(
      gatewayMigrations.slice(0, released.length).map((m) => createHash('sha256').update(m.sql).digest('hex')),
      released,
    );
    assert.deepEqual(
      gatewayMigrations.map((m) => m.version),
      gatewayMigrations.map((_, i) => i + 1),
    );
  });

  it('a new database gets every migration, WAL and synchronous=FULL', () => {
    const path = freshPath();
    const db = new GatewayDatabase({ path });
    assert.equal(db.schemaVersion, gatewayMigrations.length);
    assert.deepEqual(tables(db), [
      'access_entries',
      'access_log_batches',
      'batch_attempts',
      'batches',
      'canaries',
      'commands',
      'device_actions',
      'policy_documents',
      'readings',
      'recipient_nonces',
    ]);
    assert.equal(db.prepare('PRAGMA journal_mode').pluck().get(), 'wal');
    assert.equal(db.prepare('PRAGMA synchronous').pluck().get(), 2, 'FULL');
    db.close();
    const again = new GatewayDatabase({ path });
    assert.equal(again.schemaVersion, gatewayMigrations.length, 'reopening applies nothing twice');
    again.close();
  });

  it('a migration that fails leaves the database as it was: its writes and its version roll back together', () => {
    const path = freshPath();
    new GatewayDatabase({ path }).close();
    const broken: Migration[] = [
      ...gatewayMigrations,
      {
        version: gatewayMigrations.length + 1,
        description: 'fails half-way',
        sql: 'CREATE TABLE half (x INTEGER); INSERT INTO readings (id) VALUES (1);',
      },
    ];
    assert.throws(() => new GatewayDatabase({ path, migrations: broken }), /NOT NULL/);
    const db = new GatewayDatabase({ path });
    assert.equal(db.schemaVersion, gatewayMigrations.length);
    assert.equal(tables(db).includes('half'), false, 'the first statement of the failed migration is gone too');
    db.close();
  });

  it('refuses a database written by a newer gateway, and migrations out of order', () => {
    const path = freshPath();
    const raw = new Database(path);
    raw.pragma(`user_version = ${gatewayMigrations.length + 1}`);
    raw.close();
    assert.throws(() => new GatewayDatabase({ path }), DatabaseVersionError);
    assert.throws(
      () => new GatewayDatabase({ path: freshPath(), migrations: [{ version: 2, description: 'gap', sql: '' }] }),
      /migration 1 is numbered 2/,
    );
  });
});
