import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Hex } from 'viem';
import type { ChainEvent } from './decodeChainLog.js';
import { IndexerDatabaseError, SqliteIndexerStore } from './sqliteIndexerStore.js';

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex;
const device = '0x00000000000000000000000000000000000000d1';
const event = (blockNumber: number, logIndex: number, name: string, args: ChainEvent['args']): ChainEvent => ({
  blockNumber,
  blockHash: hash(blockNumber),
  logIndex,
  transactionHash: hash(1000 + blockNumber),
  contract: 'fleet',
  address: '0x00000000000000000000000000000000000000f1',
  name,
  args,
});
const range = (to: number, events: ChainEvent[], finalBlock = to) => ({
  to: { number: to, hash: hash(to) },
  blocks: [],
  events,
  readings: new Map(),
  finalBlock,
});

test('the position and rows survive a reopen; a file of another deployment is refused; new contracts make it read again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-index-store-'));
  const path = join(dir, 'index.sqlite');
  try {
    const store = new SqliteIndexerStore({ path, identity: '1:fleet', contracts: 'fleet=a' });
    store.applyRange(range(5, [event(5, 0, 'DeviceRegistered', { device, classId: '1', publicKey: '0x', registrar: device })], 4));
    store.applyRange(range(6, [event(6, 1, 'ReadingAccepted', { device, sequence: '1' })], 2));
    assert.deepEqual(store.position(), { cursor: { number: 6, hash: hash(6) }, finalBlock: 4 }, 'the final block never goes down');
    store.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);

    const again = new SqliteIndexerStore({ path, identity: '1:fleet', contracts: 'fleet=a' });
    assert.equal(again.position().cursor?.number, 6);
    assert.equal(again.db.prepare('SELECT readings FROM devices').pluck().get(), 1);
    assert.throws(() => again.applyRange(range(7, [event(6, 1, 'ReadingAccepted', { device, sequence: '1' })])), /UNIQUE/);
    assert.equal(again.position().cursor?.number, 6, 'a failed range leaves nothing behind');
    assert.equal(again.db.prepare('SELECT readings FROM devices').pluck().get(), 1);
    again.rollbackAbove({ number: 5, hash: hash(5) });
    assert.equal(again.db.prepare('SELECT readings FROM devices').pluck().get(), 0, 'counters recomputed');
    assert.deepEqual(again.position(), { cursor: { number: 5, hash: hash(5) }, finalBlock: 4 });
    again.close();

    assert.throws(() => new SqliteIndexerStore({ path, identity: '2:other', contracts: 'fleet=a' }), IndexerDatabaseError);
    const widened = new SqliteIndexerStore({ path, identity: '1:fleet', contracts: 'fleet=a,policyRegistry=b' });
    assert.deepEqual(widened.position(), { cursor: undefined, finalBlock: -1 });
    assert.equal(widened.db.prepare('SELECT count(*) FROM events').pluck().get(), 0);
    widened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
