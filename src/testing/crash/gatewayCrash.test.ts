import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCrashReport } from './runCrashScenario.js';
import { runGatewayCrash } from './runGatewayCrash.js';

/**
 * kill -9 of the gateway process at random moments while devices send readings (the CI size of
 * issue #11's target; `npm run bench -- crash` runs 20 kills in 10,000 readings). The seed is
 * random unless PYTHIA_CRASH_SEED is set, and printed with the figures to replay a failure.
 */
describe('crash: kill -9 of the gateway', () => {
  it('every acknowledged reading is on chain exactly once, none recorded that the devices did not sign, none skipped', async () => {
    const seed = Number(process.env.PYTHIA_CRASH_SEED ?? Math.floor(Math.random() * 1_000_000));
    const report = await runGatewayCrash({ totalReadings: 2000, kills: 3, seed, devices: 10 });
    const figures = formatCrashReport(report);
    process.stdout.write(`${figures}\n`);
    assert.equal(report.kills.length, 3, figures);
    assert.equal(report.acknowledged, 2000, figures);
    assert.deepEqual(
      { lost: report.lost, duplicated: report.duplicated, unexpected: report.unexpected, skipped: report.skipped },
      { lost: [], duplicated: [], unexpected: [], skipped: {} },
      figures,
    );
    assert.equal(report.onChainOnce, report.acknowledged, figures);
  });
});
