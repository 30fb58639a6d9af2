import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import { compareBatch } from './compareBatch.js';
import type { FleetLog } from './decodeFleetLogs.js';
import { newTestKey, signItem } from './testKit.js';

const fleet = '0x00000000000000000000000000000000000F1EE7' as Address;
const key = newTestKey();
const readings = [1, 2].map((s) =>
  signItem({ chainId: 1, fleetAddress: fleet }, key, { device: key.address, sequence: s, timestamp: 1000 * s }),
);
const device = key.address;
const accepted = (sequence: bigint, logIndex = 0): FleetLog => ({ kind: 'accepted', device, sequence, logIndex });
const flagged = (sequence: bigint): FleetLog => ({ kind: 'flagged', device, sequence, reasonBits: 1, metric: 2, value: 4500, logIndex: 1 });
const suspension = (by: Address = fleet): FleetLog => ({
  kind: 'status',
  device,
  previous: 'active',
  current: 'suspended',
  by,
  reason: 'flag threshold reached',
  logIndex: 2,
});
const expectFlagThenSuspend = [
  { outcome: { status: 'accepted' as const }, response: undefined },
  {
    outcome: { status: 'flagged' as const, reasons: ['OutOfRange' as const], metric: 2, value: 4500 },
    response: { previous: 'active' as const, current: 'suspended' as const },
  },
];
const compare = (recorded: FleetLog[], expected = expectFlagThenSuspend) =>
  compareBatch({ blockNumber: 7n, transactionHash: `0x${'aa'.repeat(32)}`, fleet, readings, expected, recorded });

describe('compareBatch (verdicts against the receipt)', () => {
  it('agrees when each reading has its outcome, in order, and the response follows its flag', () => {
    assert.deepEqual(compare([accepted(1n), flagged(2n), suspension()]), { agreed: 2, discrepancies: [] });
  });

  it('reports a different outcome, a missing one, one for another reading, and an extra one', () => {
    const other = compare([flagged(1n), accepted(2n)]);
    assert.deepEqual(
      other.discrepancies.map((d) => [d.kind, d.index, d.expected, d.recorded]),
      [
        ['outcome', 0, { status: 'accepted' }, { status: 'flagged', reasons: ['OutOfRange'], metric: 2, value: 4500 }],
        ['outcome', 1, expectFlagThenSuspend[1]!.outcome, { status: 'accepted' }],
        ['response', 1, { previous: 'active', current: 'suspended' }, null],
      ],
    );
    assert.deepEqual(
      compare([accepted(1n)]).discrepancies.map((d) => [d.kind, d.index, d.recorded]),
      [['outcome', 1, null]],
    );
    assert.deepEqual(compare([accepted(1n), flagged(3n), suspension()]).discrepancies[0]!.recorded, {
      status: 'flagged',
      reasons: ['OutOfRange'],
      metric: 2,
      value: 4500,
      device,
      sequence: 3n,
    });
    const extra = compare([accepted(1n), flagged(2n), suspension(), accepted(9n)]);
    assert.deepEqual(
      extra.discrepancies.map((d) => [d.kind, d.sequence, d.expected]),
      [['outcome', 9n, null]],
    );
    assert.equal(extra.agreed, 2);
  });

  it('reports a response that is missing, unexpected, or not made by the fleet itself', () => {
    const bySomeoneElse = compare([accepted(1n), flagged(2n), suspension(newTestKey().address)]);
    assert.deepEqual(
      bySomeoneElse.discrepancies.map((d) => d.kind),
      ['response'],
    );
    const unexpected = compare([accepted(1n), suspension(), flagged(2n), suspension()]);
    assert.deepEqual(
      unexpected.discrepancies.map((d) => [d.kind, d.index, d.expected]),
      [['response', 0, null]],
    );
    const stray = compare([suspension(), accepted(1n), flagged(2n), suspension()]);
    assert.deepEqual(
      stray.discrepancies.map((d) => [d.kind, d.expected]),
      [['outcome', null]],
    );
  });
});
