import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keccak256, toHex, type Address } from 'viem';
import { deliveryBatchRoot, deliveryLeaf, deliveryProof, verifyDeliveryProof } from './deliveryBatch.js';
import { deliveryKey, type DeliveryEntry } from './recipientTerms.js';

const entry = (i: number, consentId = 7n): DeliveryEntry => ({
  consentId,
  device: `0x${'d'.repeat(39)}${i % 10}` as Address,
  recipient: `0x${'b'.repeat(40)}` as Address,
  streams: 0b101,
  readings: i + 1,
  dataHash: keccak256(toHex(`delivery ${i}`)),
});

describe('delivery batch tree (AccessLog roots, issue #12)', () => {
  it('a batch of one has its leaf as root and an empty proof', () => {
    const d = entry(0);
    assert.equal(deliveryBatchRoot([d]), deliveryLeaf(0, 7n, deliveryKey(d)));
    const p = deliveryProof([d], 0);
    assert.deepEqual(p.proof, []);
    assert.ok(verifyDeliveryProof(p));
  });

  it('proves every entry of batches of every size up to 33, and nothing moved or altered', () => {
    for (let n = 1; n <= 33; n++) {
      const batch = Array.from({ length: n }, (_, i) => entry(i));
      const root = deliveryBatchRoot(batch);
      for (let i = 0; i < n; i++) {
        const p = deliveryProof(batch, i);
        assert.equal(p.batchRoot, root);
        assert.ok(p.proof.length <= Math.ceil(Math.log2(n)), `depth of ${i} in ${n}`);
        assert.ok(verifyDeliveryProof(p), `entry ${i} of ${n}`);
        if (n > 1) {
          assert.equal(verifyDeliveryProof({ ...p, index: BigInt((i + 1) % n) }), false, 'another index');
          assert.equal(verifyDeliveryProof({ ...p, consentId: 8n }), false, 'another consent');
        }
      }
    }
  });

  it('the root depends on the order and on every field', () => {
    const batch = [entry(0), entry(1), entry(2)];
    const root = deliveryBatchRoot(batch);
    assert.notEqual(deliveryBatchRoot([batch[1]!, batch[0]!, batch[2]!]), root);
    assert.notEqual(deliveryBatchRoot([batch[0]!, batch[1]!, { ...batch[2]!, readings: 99 }]), root);
  });

  it('refuses an empty batch and an index outside it', () => {
    assert.throws(() => deliveryBatchRoot([]), RangeError);
    assert.throws(() => deliveryProof([entry(0)], 1), RangeError);
    assert.throws(() => deliveryProof([entry(0)], -1), RangeError);
  });
});
