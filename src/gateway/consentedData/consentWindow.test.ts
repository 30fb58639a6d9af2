import assert from 'node:assert/strict';
import { it } from 'node:test';
import { windowOf } from './consentWindow.js';

it('windowOf: from the second after the later of the consent start and the ownership epoch start, to the expiry', () => {
  assert.deepEqual(windowOf({ start: 1_000n, expiry: 5_000n, epochStart: 2_000n }), { receivedFrom: 2_001_000, receivedBefore: 5_000_000 });
  assert.deepEqual(windowOf({ start: 3_000n, expiry: 5_000n, epochStart: 2_000n }), { receivedFrom: 3_001_000, receivedBefore: 5_000_000 });
  assert.deepEqual(windowOf({ start: 3_000n, expiry: 5_000n, epochStart: 0n }), { receivedFrom: 3_001_000, receivedBefore: 5_000_000 });
});
