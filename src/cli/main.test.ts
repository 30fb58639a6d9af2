import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pythiaBin } from '../testing/pythiaBin.js';

/** Runs the CLI as a user does (the compiled command, its own process) and returns its exit code and output. */
async function run(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const result = spawnSync(process.execPath, [pythiaBin(), ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stderr: result.stderr, stdout: result.stdout };
}

const device = '0xbd9302f395cd8356bb228dBB2e118893FE6D45d7';
const empty = mkdtempSync(join(tmpdir(), 'pythia-cli-'));

describe('the CLI refuses a bad argument of every grammar with its reason and exit code 2', () => {
  for (const [grammar, args, pattern] of [
    [
      'time',
      ['consent', 'grant', '--device', device, '--recipient', device, '--streams', 'pm25', '--purpose', 'p', '--until', 'soon'],
      /--until must be an ISO time/,
    ],
    ['time (deadline)', ['deletion', 'request', '1', '--deadline', '2001-01-01', '--signer-key', 'k'], /--deadline must be in the future/],
    [
      'time (firmware deadline)',
      ['firmware', 'fund', device, '1:1', '--value', '1', '--deadline', 'tomorrow'],
      /--deadline must be an ISO time/,
    ],
    [
      'duration',
      ['feed', 'offer', '--device', device, '--streams', 'pm25', '--price', '1', '--period', '30 days', '--purpose', 'p'],
      /--period must be <n> followed by/,
    ],
    ['counter id', ['consent', 'show', '0'], /<consentId> must be a positive integer/],
    ['policy id', ['policy', 'show', '0x12'], /<policyId> must be 32 bytes of hex/],
    ['release id', ['firmware', 'revoke', '1:x', '--reason', 'r'], /<release> sequence must be an integer/],
    ['device id', ['device', 'show', 'not-a-device'], /<id> is not a device id \/ address/],
    ['address', ['bond', 'show', '0x1234'], /not a device id \/ address/],
    ['amount', ['bond', 'deposit', '--value', 'lots'], /--value must be an amount in ether/],
    ['text', ['device', 'suspend', device, '--reason', ' '], /--reason must be 1 to 256 bytes/],
  ] as const) {
    it(grammar, async () => {
      const result = await run(...args, '--data-dir', empty);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
      assert.equal(result.stdout, '');
    });
  }

  it('takes the same relative times for every time option: a deletion deadline of 30d parses, then needs a deployment', async () => {
    const result = await run('deletion', 'request', '1', '--deadline', '30d', '--from', '-7d', '--signer-key', 'k', '--data-dir', empty);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /Pythia has not been started on this data directory/);
  });
});
