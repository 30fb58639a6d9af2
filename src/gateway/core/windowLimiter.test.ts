import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WindowLimiter } from './windowLimiter.js';

it('WindowLimiter: max events per key and window, a Retry-After to the window end, keys apart, a new window resets', () => {
  const limiter = new WindowLimiter({ max: 2, windowMs: 60_000 });
  const t = 1_000_000;
  assert.deepEqual(limiter.hit('a', t), { ok: true });
  assert.deepEqual(limiter.hit('a', t + 1), { ok: true });
  assert.deepEqual(limiter.hit('a', t + 10_000), { ok: false, retryAfterSeconds: 50 });
  assert.deepEqual(limiter.hit('b', t + 10_000), { ok: true }, 'another key has its own budget');
  assert.deepEqual(limiter.hit('a', t + 60_000), { ok: true }, 'a new window');
});

it('WindowLimiter: the keys it tracks are bounded', () => {
  const limiter = new WindowLimiter({ max: 1, windowMs: 60_000, trackedKeys: 3 });
  for (const key of ['a', 'b', 'c', 'd']) assert.equal(limiter.hit(key, 0).ok, true);
  assert.equal(limiter.hit('a', 1).ok, true, 'a was forgotten (the oldest), so it counts afresh');
  assert.equal(limiter.hit('d', 1).ok, false);
});
