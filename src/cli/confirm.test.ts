import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { generateDeviceKey } from '../sdk/index.js';
import { pythiaBin } from '../testing/pythiaBin.js';
import { type ConfirmedCommand, confirmedCommands } from './confirm.js';
import { buildProgram } from './main.js';

/** Every command of the CLI with its full name ("device revoke"), leaves and groups alike. */
function walk(command: Command, prefix: string[] = []): Array<{ name: string; command: Command }> {
  return command.commands.flatMap((child) => {
    const path = [...prefix, child.name()];
    return [{ name: path.join(' '), command: child }, ...walk(child, path)];
  });
}

const address = '0xbd9302f395cd8356bb228dBB2e118893FE6D45d7';
const hash = `0x${'ab'.repeat(32)}`;

/** Arguments that parse, for each command that asks: the question comes before anything is read. */
const runs: ReadonlyArray<[ConfirmedCommand, string[]]> = [
  ['device revoke', ['device', 'revoke', address, '--reason', 'stolen']],
  ['device revoke-key', ['device', 'revoke-key', address, '--reason', 'key extracted']],
  ['pythia revoke', ['pythia', 'revoke', address, '--reason', 'host decommissioned']],
  ['pythia rotate', ['pythia', 'rotate', address, '--public-key', generateDeviceKey().publicKey, '--unattested']],
  ['pythia revoke-measurement', ['pythia', 'revoke-measurement', 'sgx', hash, '--reason', 'enclave CVE']],
  ['firmware revoke', ['firmware', 'revoke', '1:2', '--reason', 'CVE-2026-0042']],
  ['consent revoke', ['consent', 'revoke', '7']],
  ['consent revoke', ['consent', 'revoke', '--recipient', address]],
  ['feed close', ['feed', 'close', '3']],
  ['canary resolve', ['canary', 'resolve', hash, '--uphold']],
];

/** Asks after it has read what it names (the feed's price and terms): test/e2e/consent.test.ts runs it on a chain. */
const askedAfterReading: readonly ConfirmedCommand[] = ['feed buy'];

function run(args: string[]): { code: number; stderr: string; stdout: string } {
  // stdin is a pipe, not a terminal: the command cannot ask.
  const result = spawnSync(process.execPath, [pythiaBin(), ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  return { code: result.status ?? -1, stderr: result.stderr, stdout: result.stdout };
}

describe('confirmation before anything irreversible (docs/cli.md, "Errors and exit codes")', () => {
  it('is asked by exactly the commands of the table, each of which declares --yes', async () => {
    const withYes = walk(await buildProgram())
      .filter(({ command }) => command.options.some((option) => option.long === '--yes'))
      .map(({ name }) => name)
      .sort();
    assert.deepEqual(withYes, Object.keys(confirmedCommands).sort());
    const tested = new Set([...runs.map(([name]) => name), ...askedAfterReading]);
    assert.deepEqual(
      Object.keys(confirmedCommands).filter((name) => !tested.has(name as ConfirmedCommand)),
      [],
      'each is run below',
    );
  });

  const empty = mkdtempSync(join(tmpdir(), 'pythia-confirm-'));
  for (const [name, args] of runs) {
    it(`${args.slice(0, 3).join(' ')}…: refused with exit code 2 and a sentence naming --yes without a terminal, goes on with --yes`, () => {
      const refused = run([...args, '--data-dir', empty]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.ok(
        refused.stderr.endsWith(`${confirmedCommands[name]}: run the command again with --yes to confirm\n`),
        `${name}: ${refused.stderr}`,
      );
      assert.match(refused.stderr, /^error: /);
      assert.equal(refused.stdout, '');

      const asJson = run([...args, '--data-dir', empty, '--json']);
      assert.equal(asJson.code, 2);
      const { error } = JSON.parse(asJson.stdout);
      assert.equal(error.code, 'usage');
      assert.match(error.message, /--yes/);

      // Confirmed, the command goes on to read the data directory, which has no deployment.
      const confirmed = run([...args, '--data-dir', empty, '--yes']);
      assert.equal(confirmed.code, 3, confirmed.stderr);
      assert.match(confirmed.stderr, /Pythia has not been started on this data directory/);
    });
  }
});
