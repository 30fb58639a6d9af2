import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { formatDuration, formatTime, parseDuration, parseTime } from './time.js';

const NOW_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const now = () => NOW_MS;
const NOW = 1_767_225_600n;
const DAY = 86_400n;

describe('the time grammar', () => {
  it('reads ISO 8601 dates and times with a zone, Unix seconds, and times relative to now', () => {
    const good: Array<[string, bigint]> = [
      ['2027-01-31T00:00:00Z', 1_801_353_600n],
      ['2027-01-31', 1_801_353_600n],
      ['2027-01-31T01:30Z', 1_801_359_000n],
      ['2027-01-31T01:00:00+01:00', 1_801_353_600n],
      ['2027-01-31T00:00:00.999Z', 1_801_353_600n],
      ['1798675200', 1_798_675_200n],
      ['0', 0n],
      ['30d', NOW + 30n * DAY],
      ['+7d', NOW + 7n * DAY],
      ['12h', NOW + 12n * 3_600n],
      ['45m', NOW + 45n * 60n],
      ['90s', NOW + 90n],
      ['2w', NOW + 14n * DAY],
      ['-7d', NOW - 7n * DAY],
    ];
    for (const [text, seconds] of good) assert.equal(parseTime('--until', text, { now }), seconds, text);
  });

  it('refuses anything else with the grammar in the message', () => {
    const bad = [
      'soon',
      'tomorrow',
      '',
      '30 d',
      '30D',
      '7y',
      '+-7d',
      '2027-02-31',
      '2027-13-01',
      '2027-01-31T25:00:00Z',
      '2027-01-31T00:00:00',
      '2027-01-31 00:00:00Z',
      '31/01/2027',
      '1e9',
      '1798675200.5',
      '-1798675200',
      '9999999999999',
    ];
    for (const text of bad) {
      assert.throws(
        () => parseTime('--until', text, { now }),
        (e: unknown) =>
          e instanceof InvalidArgumentError && /^--until must be an ISO time \(2027-01-31T00:00:00Z\), Unix seconds/.test(e.message),
        text,
      );
    }
  });

  it('accepts Unix second 30 as a time in 1970, which a deadline refuses as past', () => {
    assert.equal(parseTime('--from', '30', { now }), 30n);
    assert.throws(() => parseTime('--deadline', '30', { now, future: true }), /--deadline must be in the future/);
  });

  it('refuses a past or present deadline, and accepts one a second ahead', () => {
    assert.throws(() => parseTime('--deadline', '2001-01-01T00:00:00Z', { now, future: true }), /must be in the future/);
    assert.throws(() => parseTime('--deadline', '-1d', { now, future: true }), /must be in the future/);
    assert.throws(() => parseTime('--deadline', '0s', { now, future: true }), /must be in the future/);
    assert.equal(parseTime('--deadline', '1s', { now, future: true }), NOW + 1n);
    assert.equal(parseTime('--deadline', '+2d', { now, future: true }), NOW + 2n * DAY);
  });

  it('quotes at most a short prefix of a bad argument', () => {
    const huge = 'x'.repeat(10_000);
    assert.throws(
      () => parseTime('--until', huge, { now }),
      (e: unknown) => e instanceof Error && e.message.length < 300,
    );
  });
});

describe('the duration grammar', () => {
  it('reads <n>s|m|h|d|w and plain seconds within bounds', () => {
    assert.equal(parseDuration('--period', '30d'), 30n * DAY);
    assert.equal(parseDuration('--period', '90'), 90n);
    assert.equal(parseDuration('--period', '2w'), 14n * DAY);
    assert.equal(parseDuration('--period', '5m', { max: 300n }), 300n);
  });

  it('refuses other text, zero and what is over the bound', () => {
    for (const text of ['30 days', '-1d', '1.5h', 'd', '', '0x10']) {
      assert.throws(() => parseDuration('--period', text), /--period must be <n> followed by s, m, h, d or w/, text);
    }
    assert.throws(() => parseDuration('--period', '0d'), /--period must be at least 1s/);
    assert.throws(() => parseDuration('--period', '6m', { max: 300n }), /--period must be at most 5m/);
  });

  it('formats times and durations back', () => {
    assert.equal(formatTime(0n), '-');
    assert.equal(formatTime(NOW), '2026-01-01T00:00:00.000Z');
    assert.equal(formatDuration(30n * DAY), '30d');
    assert.equal(formatDuration(14n * DAY), '2w');
    assert.equal(formatDuration(90n), '90s');
  });
});
