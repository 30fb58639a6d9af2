import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { RefusedEvent } from './operatorEvent.js';
import { createRefusalTally } from './refusalTally.js';

function tallyWithClock() {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2026-12-07T00:00:00Z') });
  const told: RefusedEvent[] = [];
  const tally = createRefusalTally({ intervalMs: 5_000, onEvent: (e) => told.push(e) });
  return { told, tally };
}

describe('createRefusalTally', () => {
  it('tells the first refusal at once, then a flood as one count per reason per interval', (t) => {
    t.after(() => mock.timers.reset());
    const { told, tally } = tallyWithClock();
    tally.count({ reason: 'bad_signature', channel: 'http', security: 'signature_refused' });
    assert.equal(told.length, 1);
    assert.deepEqual(
      { ...told[0], time: undefined },
      {
        time: undefined,
        level: 'warn',
        event: 'refused',
        reason: 'bad_signature',
        count: 1,
        seconds: 0,
        security: 'signature_refused',
        channels: ['http'],
      },
    );
    for (let i = 0; i < 10_000; i++) tally.count({ reason: 'bad_signature', channel: i % 2 ? 'mqtt' : 'http', device: `0x${i}` });
    assert.equal(told.length, 1, 'nothing more during the interval');
    mock.timers.tick(5_000);
    assert.equal(told.length, 2);
    assert.equal(told[1]!.count, 10_000);
    assert.equal(told[1]!.seconds, 5);
    assert.deepEqual(told[1]!.channels, ['http', 'mqtt']);
    assert.equal(told[1]!.devices?.length, 3, 'some devices, not ten thousand');
    assert.equal(told[1]!.time, '2026-12-07T00:00:05.000Z');
    // The flood goes on: one more line per interval.
    tally.count({ reason: 'bad_signature', channel: 'http', count: 400 });
    mock.timers.tick(5_000);
    assert.equal(told.length, 3);
    assert.equal(told[2]!.count, 400);
    // Quiet: an interval without refusals closes the window; the next refusal is told at once again.
    mock.timers.tick(5_000);
    mock.timers.tick(5_000);
    assert.equal(told.length, 3);
    tally.count({ reason: 'bad_signature', channel: 'mqtt' });
    assert.equal(told.length, 4);
    assert.equal(told[3]!.seconds, 0);
    tally.stop();
  });

  it('counts each reason apart, a request of several readings as their count, and tells the rest when stopped', (t) => {
    t.after(() => mock.timers.reset());
    const { told, tally } = tallyWithClock();
    tally.count({ reason: 'invalid_body', channel: 'http' });
    tally.count({ reason: 'queue_full', channel: 'http', count: 250 });
    tally.count({ reason: 'internal_error', channel: 'mqtt' });
    tally.count({ reason: 'invalid_body', channel: 'http', count: 3 });
    tally.count({ reason: 'invalid_body', channel: 'http', count: 0 });
    assert.deepEqual(
      told.map((e) => [e.reason, e.count, e.level]),
      [
        ['invalid_body', 1, 'info'],
        ['queue_full', 250, 'warn'],
        ['internal_error', 1, 'error'],
      ],
    );
    tally.stop();
    assert.deepEqual(
      told.slice(3).map((e) => [e.reason, e.count]),
      [['invalid_body', 3]],
    );
    mock.timers.tick(60_000);
    assert.equal(told.length, 4, 'no timer left after stop');
  });
});
