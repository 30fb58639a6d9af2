import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import { inTurnSigner, sealingOrder, type IdleValidator } from './startSealing.js';

const a = '0x1000000000000000000000000000000000000000' as Address;
const b = '0x2000000000000000000000000000000000000000' as Address;
const c = '0x3000000000000000000000000000000000000000' as Address;
const validator = (name: string, signer: Address): IdleValidator => ({ name, ipcPath: `/run/${name}.ipc`, signer });

describe('sealing order', () => {
  it("takes Clique's turn: the signers sorted by address, the block number modulo their count", () => {
    // Given in any order and case: geth sorts the signers by address bytes.
    const signers = [c, a.toLowerCase() as Address, b];
    assert.equal(inTurnSigner(signers, 1n), b);
    assert.equal(inTurnSigner(signers, 2n), c);
    assert.equal(inTurnSigner(signers, 3n), a);
    assert.equal(inTurnSigner([], 1n), undefined);
  });

  it('starts the validator in turn for the next block last, the others first in their given order', () => {
    const v = [validator('v-a', a), validator('v-b', b), validator('v-c', c)];
    assert.deepEqual(
      sealingOrder(v, [a, b, c], 1n).map((x) => x.name),
      ['v-a', 'v-c', 'v-b'],
    );
    assert.deepEqual(
      sealingOrder(v, [a, b, c], 3n).map((x) => x.name),
      ['v-b', 'v-c', 'v-a'],
    );
    // The one in turn is not among those started (it runs already, or is down): the order is kept.
    assert.deepEqual(
      sealingOrder(v.slice(0, 2), [a, b, c], 2n).map((x) => x.name),
      ['v-a', 'v-b'],
    );
  });
});
