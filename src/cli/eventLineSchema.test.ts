import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operatorEventJson } from '../stack/events/formatOperatorEvent.js';
import type { OperatorEvent } from '../stack/events/operatorEvent.js';
import { jsonOutputError } from './jsonOutputSchemas.js';

const device = '0x1111111111111111111111111111111111111111';
const txHash = `0x${'ab'.repeat(32)}` as const;
const time = '2026-12-07T01:02:03.000Z';

describe('the event line schema (docs/cli.md, "pythia watch --json")', () => {
  it('takes the line of every kind of event', () => {
    const events: OperatorEvent[] = [
      {
        time,
        level: 'info',
        event: 'device_flagged',
        device,
        sequence: '3',
        reasons: ['OutOfRange'],
        metric: 1,
        value: -9,
        limit: { min: 0, max: 10 },
        block: 1,
        txHash,
      },
      { time, level: 'info', event: 'device_flagged', device, reasons: ['FirmwareUnapproved'], block: 1, txHash },
      { time, level: 'warn', event: 'device_suspended', device, by: device, reason: 'auto', block: 2, txHash },
      { time, level: 'warn', event: 'device_key_revoked', device, by: device, reason: 'leaked', block: 2, txHash },
      {
        time,
        level: 'warn',
        event: 'refused',
        reason: 'bad_signature',
        count: 4,
        seconds: 5,
        security: 'signature_refused',
        channels: ['http', 'mqtt'],
        devices: [device],
      },
      { time, level: 'warn', event: 'chain_went_back', fromBlock: 42, toBlock: 39, undoneEvents: 2 },
      { time, level: 'warn', event: 'chain_went_back', fromBlock: 42, toBlock: 39, undoneEvents: 0, deeperThanRemembered: true },
      { time, level: 'info', event: 'relayer_retry', message: 'relayer: will retry', details: { failures: 2 } },
      { time, level: 'error', event: 'relayer_batch_reverted', message: 'relayer: batch reverted', txHash },
    ];
    for (const event of events) assert.equal(jsonOutputError('watch', operatorEventJson(event)), undefined, JSON.stringify(event));
  });

  it('refuses a line that is not one: an unknown event, a missing fact, an extra field', () => {
    const refused = operatorEventJson({ time, level: 'warn', event: 'refused', reason: 'x', count: 1, seconds: 0, channels: ['http'] });
    assert.notEqual(jsonOutputError('watch', { ...refused, event: 'made_up' }), undefined);
    const { count: _c, ...noCount } = refused;
    assert.notEqual(jsonOutputError('watch', noCount), undefined);
    assert.notEqual(jsonOutputError('watch', { ...refused, extra: 1 }), undefined);
  });
});
