import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uint64FromSqlite, uint64ToSqlite } from './sqliteUint64.js';

test('a uint64 goes into a signed 64-bit column and comes back: below 2^63 as itself, from there as its two-complement', () => {
  assert.equal(uint64ToSqlite(1), 1n);
  assert.equal(uint64ToSqlite((1n << 63n) - 1n), (1n << 63n) - 1n);
  assert.equal(uint64ToSqlite(1n << 63n), -(1n << 63n));
  assert.equal(uint64ToSqlite('18446744073709551615'), -1n);
  assert.throws(() => uint64ToSqlite(-1), /not a uint64/);
  assert.throws(() => uint64ToSqlite(1n << 64n), /not a uint64/);
  assert.equal(uint64FromSqlite(5), 5);
  assert.equal(uint64FromSqlite(-1), 2 ** 64 - 1);
  assert.equal(uint64FromSqlite(Number(-(1n << 63n))), 2 ** 63);
  assert.equal(uint64FromSqlite(null), null);
});
