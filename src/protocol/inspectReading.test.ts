import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspectReading, MAX_RECORDED_TIMESTAMP } from './inspectReading.js';
import { encodeMetrics } from './payload.js';
import type { Profile } from './profile.js';

const profile: Profile = {
  metricCount: 3,
  maxPayloadBytes: 8,
  minInterval: 60,
  maxClockSkew: 120,
  flagThreshold: 3,
  flagWindow: 3600,
  suspensionsBeforeRevoke: 2,
  minValue: [0, -500, 0],
  maxValue: [1000, 500, 100],
  maxDelta: [100, 0, 10],
};
const T = 1_700_000_000;
const inspect = (
  values: number[] | `0x${string}`,
  extra: { timestamp?: number | bigint; previous?: { timestamp: number | bigint; values?: number[] }; blockTime?: number } = {},
) =>
  inspectReading({
    profile,
    reading: { timestamp: extra.timestamp ?? T, payload: typeof values === 'string' ? values : encodeMetrics(values) },
    previous: extra.previous,
    blockTime: extra.blockTime ?? T,
  });

describe('inspectReading (docs/protocol.md, "What the contract does with a reading")', () => {
  it('a clean reading raises nothing and records its values and timestamp', () => {
    assert.deepEqual(inspect([500, -500, 100], { previous: { timestamp: T - 60, values: [450, 500, 95] } }), {
      reasons: [],
      reasonBits: 0,
      metric: 0,
      value: 0,
      values: [500, -500, 100],
      recordedTimestamp: BigInt(T),
    });
  });

  it('OutOfRange: a metric outside [min, max], naming the first one and its value', () => {
    const verdict = inspect([500, -501, 101]);
    assert.deepEqual([verdict.reasons, verdict.metric, verdict.value], [['OutOfRange'], 1, -501]);
    assert.equal(inspect([1001, 0, 0]).metric, 0);
  });

  it('ExcessiveChange: against the last recorded values, where maxDelta is not 0; a missing last value counts as 0', () => {
    const previous = { timestamp: T - 60, values: [500, -500, 50] };
    assert.deepEqual(inspect([601, 500, 50], { previous }).reasons, ['ExcessiveChange']);
    assert.deepEqual(inspect([600, 500, 60], { previous }).reasons, [], 'a change of exactly maxDelta passes; metric 1 has none');
    assert.deepEqual(inspect([500, -500, 61], { previous }).metric, 2);
    assert.deepEqual(inspect([500, 0, 11], { previous: { timestamp: T - 60, values: [500, 0] } }).reasons, ['ExcessiveChange']);
    assert.deepEqual(inspect([900, 0, 0], { previous: { timestamp: T - 60 } }).reasons, [], 'no values recorded yet: no change check');
    assert.deepEqual(inspect([900, 0, 0]).reasons, []);
  });

  it('names the first metric that breaks either metric check, with every reason', () => {
    const verdict = inspect([700, 600, 0], { previous: { timestamp: T - 60, values: [500, 0, 0] } });
    assert.deepEqual([verdict.reasons, verdict.reasonBits, verdict.metric, verdict.value], [['OutOfRange', 'ExcessiveChange'], 3, 0, 700]);
  });

  it('TooFrequent: closer than minInterval to the last reading, or going backwards', () => {
    assert.deepEqual(inspect([0, 0, 0], { previous: { timestamp: T - 59 } }).reasons, ['TooFrequent']);
    assert.deepEqual(inspect([0, 0, 0], { previous: { timestamp: T - 60 } }).reasons, []);
    assert.deepEqual(inspect([0, 0, 0], { previous: { timestamp: T + 1 } }).reasons, ['TooFrequent']);
  });

  it('PayloadSize: shorter than the metrics (values not decoded, nothing else checked on them) or over maxPayloadBytes', () => {
    const short = inspect('0x00010002');
    assert.deepEqual([short.reasons, short.values], [['PayloadSize'], undefined]);
    const long = inspect(`${encodeMetrics([1, 2, 3])}00000000`);
    assert.deepEqual([long.reasons, long.values], [['PayloadSize'], [1, 2, 3]]);
    assert.deepEqual(inspect(`${encodeMetrics([1, 2, 3])}0000`).reasons, [], '8 bytes: at the bound');
  });

  it('ClockSkew: the device clock more than maxClockSkew ahead of the block; the timestamp is recorded saturated at 2^40 - 1', () => {
    assert.deepEqual(inspect([0, 0, 0], { timestamp: T + 120 }).reasons, []);
    assert.deepEqual(inspect([0, 0, 0], { timestamp: T + 121 }).reasons, ['ClockSkew']);
    const far = inspect([0, 0, 0], { timestamp: 2n ** 64n - 1n });
    assert.deepEqual([far.reasons, far.recordedTimestamp], [['ClockSkew'], MAX_RECORDED_TIMESTAMP]);
    const afterFar = inspect([0, 0, 0], { timestamp: 2n ** 50n, previous: { timestamp: MAX_RECORDED_TIMESTAMP } });
    assert.deepEqual(afterFar.reasons, ['TooFrequent', 'ClockSkew'], 'both saturate: no time between them');
    assert.deepEqual(
      inspectReading({ profile, reading: { timestamp: T + 10_000, payload: encodeMetrics([0, 0, 0]) } }).reasons,
      [],
      'no block time, no clock check',
    );
  });
});
