import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { broadcastRejectionOf } from './broadcastRejection.js';
import { bumpedFees } from './feeBump.js';

describe('bumpedFees', () => {
  it('raises both fields by at least 10 % (geth replacement rule) and 1 wei, never below what the chain asks', () => {
    for (const [fee, tip] of [
      [0n, 0n],
      [7n, 0n],
      [9n, 1n],
      [2_000_000_000n, 1_000_000n],
    ] as const) {
      const next = bumpedFees({ maxFeePerGas: fee, maxPriorityFeePerGas: tip }, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
      assert.ok(next.maxFeePerGas >= (fee * 110n) / 100n && next.maxFeePerGas > fee, `fee ${fee} → ${next.maxFeePerGas}`);
      assert.ok(
        next.maxPriorityFeePerGas >= (tip * 110n) / 100n && next.maxPriorityFeePerGas > tip,
        `tip ${tip} → ${next.maxPriorityFeePerGas}`,
      );
      assert.ok(next.maxFeePerGas >= next.maxPriorityFeePerGas);
    }
    const afterBaseFeeRise = bumpedFees(
      { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000n },
      { maxFeePerGas: 90_000_000_000n, maxPriorityFeePerGas: 1_000_000n },
    );
    assert.deepEqual(afterBaseFeeRise, { maxFeePerGas: 90_000_000_000n, maxPriorityFeePerGas: 1_125_000n });
  });
});

describe('broadcastRejectionOf', () => {
  it('tells a known transaction, a used nonce and too low fees apart, in the words of geth and Anvil', () => {
    assert.equal(broadcastRejectionOf('already known'), 'known');
    assert.equal(broadcastRejectionOf('Transaction creation failed. | nonce too low'), 'nonce_too_low');
    assert.equal(broadcastRejectionOf('nonce too low: next nonce 5, tx nonce 3'), 'nonce_too_low');
    assert.equal(broadcastRejectionOf('replacement transaction underpriced'), 'underpriced');
    assert.equal(broadcastRejectionOf('max fee per gas less than block base fee'), 'underpriced');
    assert.equal(broadcastRejectionOf('max fee per gas less than block base fee: address 0x…, maxFeePerGas: 7, baseFee: 8'), 'underpriced');
    assert.equal(broadcastRejectionOf('insufficient funds for gas * price + value'), undefined);
    assert.equal(broadcastRejectionOf('fetch failed'), undefined);
  });
});
