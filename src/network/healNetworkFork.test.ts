import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hex } from 'viem';
import { keptBranch, type BranchHead } from './healNetworkFork.js';

const head = (node: string, number: number, hashByte: string, totalDifficulty: number): BranchHead => ({
  node,
  number,
  hash: `0x${hashByte.repeat(32)}` as Hex,
  totalDifficulty: String(totalDifficulty),
});

describe('keptBranch: the branch every partner keeps', () => {
  it('the highest total difficulty first, as geth chooses', () => {
    assert.equal(keptBranch([head('a', 10, '01', 15), head('b', 10, 'ff', 16)]).node, 'b');
  });
  it('at equal difficulty the lower block (geth prefers it too)', () => {
    assert.equal(keptBranch([head('a', 11, '01', 16), head('b', 10, 'ff', 16)]).node, 'b');
  });
  it('then the lowest hash, whatever the order it is given in', () => {
    const one = head('a', 10, 'aa', 16);
    const two = head('b', 10, '0b', 16);
    assert.equal(keptBranch([one, two]).node, 'b');
    assert.equal(keptBranch([two, one]).node, 'b');
  });
});
