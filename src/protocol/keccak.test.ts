import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { keccak256, keccak256Js, keccakImplementation } from './keccak.js';

it('the native keccak is loaded on this machine', () => {
  assert.equal(keccakImplementation, 'native');
});

it('native and JavaScript keccak256 agree on empty, block-edge and random inputs', () => {
  assert.equal(
    Buffer.from(keccak256(new Uint8Array())).toString('hex'),
    'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
  );
  for (const length of [1, 31, 32, 135, 136, 137, 272, 1000, 75_000]) {
    const data = randomBytes(length);
    assert.deepEqual(keccak256(data), keccak256Js(data), `length ${length}`);
    assert.deepEqual(keccak256(new Uint8Array(data)), keccak256Js(data), `Uint8Array of length ${length}`);
  }
});
