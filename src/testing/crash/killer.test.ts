import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Killer, type CrashTarget } from './killer.js';

describe('Killer', () => {
  it('keeps a failed restart for finish() to throw, without an unhandled rejection, and kills no more after it', async () => {
    const calls: string[] = [];
    const target: CrashTarget = {
      name: 'flaky',
      async kill() {
        calls.push('kill');
      },
      async start() {
        calls.push('start');
        throw new Error('port held by another process');
      },
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const killer = new Killer(target, { kills: 3, totalReadings: 100, seed: 7, jitterMs: [0, 0], downtimeMs: [0, 0] });
      killer.progress(100);
      await new Promise((r) => setTimeout(r, 50));
      killer.progress(100);
      await assert.rejects(killer.finish(), /port held by another process/);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
      assert.deepEqual(calls, ['kill', 'start'], 'one kill, its failed restart, nothing after');
      assert.equal(killer.kills.length, 0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
