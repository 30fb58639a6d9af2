import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruMap } from './lruMap.js';

describe('LruMap', () => {
  it('holds at most maxEntries, forgetting the least recently used first', () => {
    const lru = new LruMap<string, number>(3);
    lru.set('a', 1).set('b', 2).set('c', 3);
    assert.equal(lru.get('a'), 1, 'a read makes a the most recent');
    lru.set('d', 4);
    assert.equal(lru.size, 3);
    assert.equal(lru.has('b'), false, 'b was the least recently used');
    assert.deepEqual([...lru.keys()], ['c', 'a', 'd']);
  });

  it('peek does not change the order; set of an existing key refreshes it', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1).set('b', 2);
    assert.equal(lru.peek('a'), 1);
    lru.set('c', 3);
    assert.equal(lru.has('a'), false, 'peek left a the oldest');
    lru.set('b', 20).set('d', 4);
    assert.deepEqual([...lru.keys()], ['b', 'd']);
    assert.equal(lru.get('b'), 20);
  });

  it('stays bounded under a flood of distinct keys', () => {
    const lru = new LruMap<number, number>(1000);
    for (let i = 0; i < 100_000; i++) lru.set(i, i);
    assert.equal(lru.size, 1000);
    assert.equal(lru.has(99_999), true);
    assert.equal(lru.has(98_999), false);
  });

  it('refuses a size that is not a positive integer', () => {
    assert.throws(() => new LruMap(0), RangeError);
    assert.throws(() => new LruMap(1.5), RangeError);
  });
});
