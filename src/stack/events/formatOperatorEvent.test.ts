import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOperatorEvent, operatorEventJson, operatorEventJsonLine, parseOperatorEventJsonLine } from './formatOperatorEvent.js';
import type { OperatorEvent } from './operatorEvent.js';
import { shownWhenQuiet } from './operatorEvent.js';

const device = '0x1111111111111111111111111111111111111111';
const operator = '0x2222222222222222222222222222222222222222';
const txHash = `0x${'ab'.repeat(32)}` as const;
const time = '2026-12-07T01:02:03.000Z';

const flagged: OperatorEvent = {
  time,
  level: 'info',
  event: 'device_flagged',
  device,
  sequence: '7',
  reasons: ['OutOfRange'],
  metric: 0,
  value: 5100,
  limit: { min: 0, max: 5000 },
  block: 42,
  txHash,
};

describe('formatOperatorEvent', () => {
  it('says a flag with the device, the reading, the metric, its value against the limit, the block and the labelled tx', () => {
    assert.equal(
      formatOperatorEvent(flagged),
      `${time} info  device flagged: device ${device} reading 7: OutOfRange, metric 0 = 5100 outside [0, 5000] (block 42, tx ${txHash})`,
    );
    assert.match(
      formatOperatorEvent({ ...flagged, reasons: ['ExcessiveChange'], limit: { maxDelta: 300 } }),
      /ExcessiveChange, metric 0 = 5100, change above max delta 300 \(block 42/,
    );
    const { metric: _m, value: _v, limit: _l, ...noMetric } = flagged as Extract<OperatorEvent, { event: 'device_flagged' }>;
    assert.match(
      formatOperatorEvent({ ...noMetric, reasons: ['TooFrequent', 'ClockSkew'] }),
      /reading 7: TooFrequent, ClockSkew \(block 42/,
    );
  });

  it('says who changed a device and why, the reason quoted', () => {
    for (const [event, words] of [
      ['device_suspended', 'device suspended'],
      ['device_reinstated', 'device reinstated'],
      ['device_revoked', 'device revoked \\(banned for good\\)'],
      ['device_key_revoked', 'device key revoked \\(compromised\\)'],
    ] as const) {
      const line = formatOperatorEvent({ time, level: 'warn', event, device, by: operator, reason: 'says "no"', block: 9, txHash });
      assert.match(
        line,
        new RegExp(`^${time} warn  ${words}: device ${device} by ${operator} reason "says \\\\"no\\\\"" \\(block 9, tx ${txHash}\\)$`),
      );
    }
  });

  it('says refusals as a count of one reason, with the interval, the security kind, the channels and some devices', () => {
    const base = { time, level: 'warn', event: 'refused', reason: 'unknown_device', security: 'device_refused' } as const;
    assert.equal(
      formatOperatorEvent({ ...base, count: 1, seconds: 0, channels: ['http'] }),
      `${time} warn  refused: 1 × unknown_device (security device_refused, http)`,
    );
    assert.equal(
      formatOperatorEvent({ ...base, count: 812, seconds: 5, channels: ['http', 'mqtt'], devices: [device] }),
      `${time} warn  refused: 812 × unknown_device in the last 5 s (security device_refused, http, mqtt, devices ${device})`,
    );
  });

  it('says where the chain went back to and how many events told for the blocks above were undone', () => {
    const back = { time, level: 'warn', event: 'chain_went_back', fromBlock: 42, toBlock: 39 } as const;
    assert.equal(
      formatOperatorEvent({ ...back, undoneEvents: 1 }),
      `${time} warn  chain went back from block 42 to block 39: events of blocks after 39 were undone (1 event told for them); told again as they become final`,
    );
    assert.match(formatOperatorEvent({ ...back, undoneEvents: 0 }), /undone \(0 events told for them\)/);
    assert.equal(
      formatOperatorEvent({ ...back, undoneEvents: 3, deeperThanRemembered: true }),
      `${time} warn  chain went back from block 42 to block 39 or lower (deeper than the blocks remembered): events of blocks after 39 were undone (3 events told for them), those at or below it may have been too; events from block 40 on are told again as they become final`,
    );
  });

  it('says a gateway event with its message, its labelled tx and its details', () => {
    assert.equal(
      formatOperatorEvent({
        time,
        level: 'info',
        event: 'relayer_fee_bump',
        message: 'relayer: transaction stuck; signing it again with higher fees',
        txHash,
        details: { nonce: 4, underpriced: false },
      }),
      `${time} info  relayer fee bump: relayer: transaction stuck; signing it again with higher fees tx ${txHash} (nonce 4, underpriced false)`,
    );
  });

  it("writes pino's line format (level number, epoch ms, msg) with the event's facts, and reads it back", () => {
    const json = operatorEventJson(flagged);
    assert.equal(json.level, 30);
    assert.equal(json.time, Date.parse(time));
    assert.equal(json.event, 'device_flagged');
    assert.equal(json.value, 5100);
    assert.match(String(json.msg), /^device flagged: device/);
    assert.deepEqual(parseOperatorEventJsonLine(operatorEventJsonLine(flagged)), flagged);
    const refused: OperatorEvent = {
      time,
      level: 'error',
      event: 'refused',
      reason: 'internal_error',
      count: 2,
      seconds: 5,
      channels: ['mqtt'],
    };
    assert.deepEqual(parseOperatorEventJsonLine(operatorEventJsonLine(refused)), refused);
    const back: OperatorEvent = { time, level: 'warn', event: 'chain_went_back', fromBlock: 42, toBlock: 39, undoneEvents: 2 };
    assert.deepEqual(parseOperatorEventJsonLine(operatorEventJsonLine(back)), back);
  });

  it('reads nothing but its own lines: a torn line, another log line, an unknown event or level', () => {
    const line = operatorEventJsonLine(flagged);
    for (const bad of [
      line.slice(0, 40),
      '',
      'null',
      '[]',
      JSON.stringify({ level: 30, time: 1, msg: 'incoming request' }),
      JSON.stringify({ ...JSON.parse(line), event: 'made_up' }),
      JSON.stringify({ ...JSON.parse(line), level: 35 }),
      JSON.stringify({ ...JSON.parse(line), time: 'yesterday' }),
    ]) {
      assert.equal(parseOperatorEventJsonLine(bad), undefined, bad);
    }
  });

  it('--quiet keeps warnings and errors only', () => {
    assert.equal(shownWhenQuiet({ level: 'info' }), false);
    assert.equal(shownWhenQuiet({ level: 'warn' }), true);
    assert.equal(shownWhenQuiet({ level: 'error' }), true);
  });
});
