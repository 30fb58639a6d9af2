import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { laggingNode, lagThresholdsOf, type NodeHead } from './laggingNode.js';

/** The rule that leaves a node that answers but lags, on made-up heads (the network test runs it on geth). */
const thresholds = { maxBlocksBehind: 3, graceMs: 3000, stalledMs: 5000, pollMs: 1000 };
const at = (head: number, movedAt: number): NodeHead => ({ head, movedAt });

describe('laggingNode', () => {
  it('thresholds follow the block period, with floors for fast chains and a ceiling on the poll', () => {
    assert.deepEqual(lagThresholdsOf(1000), { maxBlocksBehind: 6, graceMs: 3000, stalledMs: 5000, pollMs: 1000 });
    assert.deepEqual(lagThresholdsOf(2000), { maxBlocksBehind: 3, graceMs: 6000, stalledMs: 10_000, pollMs: 2000 });
    assert.deepEqual(lagThresholdsOf(15_000), { maxBlocksBehind: 3, graceMs: 45_000, stalledMs: 75_000, pollMs: 5000 });
    assert.deepEqual(lagThresholdsOf(0), { maxBlocksBehind: 60, graceMs: 3000, stalledMs: 5000, pollMs: 500 });
  });

  it('a node level with the others, ahead of them, or a few blocks behind stays', () => {
    for (const heads of [
      [at(100, 0), at(100, 0), at(100, 0)],
      [at(100, 0), at(90, 0), at(80, 0)],
      [at(97, 0), at(100, 0), at(99, 0)],
    ]) {
      assert.deepEqual(laggingNode({ current: 0, heads, behindSince: undefined, now: 1000, thresholds }), { behindSince: undefined });
    }
  });

  it('far behind: waits the grace, then moves to the node with the highest head; catching up meanwhile resets it', () => {
    const heads = [at(90, 0), at(100, 0), at(105, 0)];
    const first = laggingNode({ current: 0, heads, behindSince: undefined, now: 10_000, thresholds });
    assert.deepEqual(first, { behindSince: 10_000 }, 'behind, within the grace');
    const later = laggingNode({ current: 0, heads, behindSince: first.behindSince, now: 12_999, thresholds });
    assert.deepEqual(later, { behindSince: 10_000 });
    const caughtUp = laggingNode({
      current: 0,
      heads: [at(103, 12_000), at(100, 0), at(105, 0)],
      behindSince: 10_000,
      now: 12_999,
      thresholds,
    });
    assert.deepEqual(caughtUp, { behindSince: undefined }, 'two blocks behind is gossip');
    const gone = laggingNode({ current: 0, heads, behindSince: 10_000, now: 13_000, thresholds });
    assert.equal(gone.switchTo?.index, 2);
    assert.equal(gone.switchTo?.cause, 'behind');
    assert.match(gone.switchTo!.reason, /block 90.*3 blocks.*105/);
    assert.equal(gone.behindSince, undefined);
  });

  it('stalled: a head that stands still while another moves on is left, two blocks behind already; one block is a race', () => {
    assert.deepEqual(laggingNode({ current: 0, heads: [at(100, 1000), at(101, 5500)], behindSince: undefined, now: 60_000, thresholds }), {
      behindSince: undefined,
    });
    const heads = [at(100, 1000), at(102, 5500), at(100, 1000)];
    const verdict = laggingNode({ current: 0, heads, behindSince: undefined, now: 6000, thresholds });
    assert.equal(verdict.switchTo?.index, 1);
    assert.equal(verdict.switchTo?.cause, 'stalled');
    assert.match(verdict.switchTo!.reason, /stayed at block 100 for 5 s.*moved on to 102/);
    assert.deepEqual(
      laggingNode({ current: 0, heads, behindSince: undefined, now: 5999, thresholds }),
      { behindSince: undefined },
      'not before stalledMs',
    );
  });

  it('a chain that stopped everywhere (no majority of signers) is no reason to move', () => {
    const heads = [at(100, 1000), at(100, 1000), at(100, 900)];
    assert.deepEqual(laggingNode({ current: 0, heads, behindSince: undefined, now: 60_000, thresholds }), { behindSince: undefined });
    const aheadButStill = [at(100, 1000), at(102, 900)];
    assert.deepEqual(
      laggingNode({ current: 0, heads: aheadButStill, behindSince: undefined, now: 60_000, thresholds }),
      { behindSince: undefined },
      'the other node is ahead but has not moved since the node in use last did',
    );
  });

  it('nodes that do not answer are left out; without an answer from the node in use there is nothing to judge', () => {
    assert.deepEqual(laggingNode({ current: 0, heads: [at(90, 0), undefined], behindSince: 1, now: 60_000, thresholds }), {
      behindSince: undefined,
    });
    assert.deepEqual(
      laggingNode({ current: 1, heads: [at(200, 0), at(100, 0), undefined], behindSince: 1, now: 60_000, thresholds }).switchTo?.index,
      0,
    );
    assert.deepEqual(laggingNode({ current: 0, heads: [undefined, at(200, 0)], behindSince: 1, now: 60_000, thresholds }), {
      behindSince: undefined,
    });
  });

  it('on a tie, the first node after the one in use', () => {
    const heads = [at(200, 0), at(100, 0), at(200, 0), at(200, 0)];
    assert.equal(laggingNode({ current: 1, heads, behindSince: 0, now: 60_000, thresholds }).switchTo?.index, 2);
    assert.equal(
      laggingNode({ current: 3, heads: [at(200, 0), at(200, 0), at(150, 0), at(10, 0)], behindSince: 0, now: 60_000, thresholds }).switchTo
        ?.index,
      0,
    );
  });
});
