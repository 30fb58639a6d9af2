import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getAddress } from 'viem';
import { pythiaBin } from '../../src/testing/pythiaBin.js';
import { pythiaAt } from './runPythia.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const passphrase = 'walkthrough-test-passphrase-not-a-secret';

/** The shell block of README.md that follows `<!-- walkthrough:<name> -->`, as printed. */
export function readmeBlock(readme: string, name: string): string {
  const match = readme.match(new RegExp(`<!-- walkthrough:${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``));
  assert.ok(match, `README.md has a \`\`\`sh block after <!-- walkthrough:${name} -->`);
  return match[1]!;
}

/**
 * Issue #13: "Running it for real" in README.md is a test. Its two blocks run exactly as printed,
 * in order, under bash with `set -euo pipefail`, in a fresh folder with a fresh data directory: the
 * node's block in the background (as in its own terminal), then the commands' block. The README
 * runs in the project folder, where `npx pythia-iot` is the checkout's command and docs/ and src/
 * hold the example files it names; here the fresh folder gets the same: a PATH shim named `npx`
 * that runs this checkout's bin/pythia.js for `pythia-iot` (a real `npx` outside the project would
 * look the name up on the npm registry), and links to the checkout's docs/ and src/. The
 * passphrases come from the environment, as the README says.
 */
describe('the README walk-through, run as printed', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-readme-'));
  const work = join(dir, 'work');
  const shims = join(dir, 'bin');
  let node: ChildProcess | undefined;
  after(async () => {
    if (node?.pid !== undefined && node.exitCode === null && node.signalCode === null) {
      const exited = new Promise((resolve) => node!.once('exit', resolve));
      process.kill(-node.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
      if (node.exitCode === null && node.signalCode === null) process.kill(-node.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the node block, then every command, in order, from a fresh data directory', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const nodeBlock = readmeBlock(readme, 'node');
    const commandsBlock = readmeBlock(readme, 'commands');
    assert.doesNotMatch(`${nodeBlock}\n${commandsBlock}`, /<[a-zA-Z][^>]*>|…/, 'no <placeholders> left to fill in');

    mkdirSync(work);
    mkdirSync(shims);
    symlinkSync(join(root, 'docs'), join(work, 'docs'));
    symlinkSync(join(root, 'src'), join(work, 'src'));
    const bin = pythiaBin();
    writeFileSync(
      join(shims, 'npx'),
      `#!/bin/sh\nif [ "$1" = pythia-iot ]; then shift; exec "${process.execPath}" "${bin}" "$@"; fi\necho "npx shim: only pythia-iot" >&2; exit 127\n`,
    );
    chmodSync(join(shims, 'npx'), 0o755);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${shims}:${process.env.PATH}`,
      PYTHIA_PASSPHRASE: passphrase,
      PYTHIA_KEY_PASSPHRASE: `${passphrase}-keys`,
      PYTHIA_DEVICE_PASSPHRASE: `${passphrase}-device`,
    };
    delete env.PYTHIA_DATA_DIR;
    const started = Date.now();

    // Terminal 1.
    let nodeOutput = '';
    node = spawn('bash', ['-c', `set -euo pipefail\n${nodeBlock}`], { cwd: work, env, detached: true });
    node.stdout!.on('data', (c) => (nodeOutput += c));
    node.stderr!.on('data', (c) => (nodeOutput += c));
    await new Promise<void>((resolve, reject) => {
      const check = () => /Pythia is up/.test(nodeOutput) && resolve();
      node!.stdout!.on('data', check);
      node!.once('exit', (code) => reject(new Error(`the node block exited with ${code}:\n${nodeOutput}`)));
    });
    const upSeconds = (Date.now() - started) / 1000;

    // Terminal 2.
    // set -x with a time stamp per command: the trace says where a failure or the time went.
    const commands = spawn('bash', ['-c', `set -euo pipefail\nPS4='+ \${EPOCHREALTIME} '\nset -x\n${commandsBlock}`], {
      cwd: work,
      env,
    });
    let stdout = '';
    let stderr = '';
    commands.stdout.on('data', (c) => (stdout += c));
    commands.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => commands.once('exit', resolve));
    const commandsSeconds = (Date.now() - started) / 1000 - upSeconds;
    assert.equal(code, 0, `the commands block failed:\n${stderr.split('\n').slice(-40).join('\n')}\n--- node:\n${nodeOutput.slice(-3000)}`);
    process.stderr.write(`walk-through: node up in ${upSeconds.toFixed(1)} s, commands in ${commandsSeconds.toFixed(1)} s; slowest:\n`);
    const traced = [...stderr.matchAll(/^\++ (\d+\.\d+) (.*)$/gm)].map((m) => ({ at: Number(m[1]), command: m[2]! }));
    const slowest = traced
      .slice(0, -1)
      .map((t, i) => ({ seconds: traced[i + 1]!.at - t.at, command: t.command }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 8);
    for (const { seconds, command } of slowest) process.stderr.write(`  ${seconds.toFixed(1)} s  ${command.slice(0, 100)}\n`);

    // What it did, read back from the chain through the CLI.
    const { json } = pythiaAt(join(work, '.pythia'), passphrase);
    const devices = (await json(['device', 'list'])) as { device: string; status: string; lastSequence: string }[];
    assert.equal(devices.length, 4, 'three simulated sensors and the provisioned one');
    const sensor = readFileSync(join(work, 'sensor-request.json'), 'utf8');
    const sensorId = JSON.parse(sensor).deviceId as string;
    const simulated = devices.filter((d) => d.device !== sensorId);
    assert.deepEqual(
      simulated.map((d) => [d.status, d.lastSequence]),
      [
        ['active', '2'],
        ['active', '2'],
        ['active', '2'],
      ],
      'every simulated reading accepted on chain',
    );
    const provisioned = devices.find((d) => d.device === sensorId)!;
    assert.deepEqual([provisioned.status, provisioned.lastSequence], ['revoked', '2'], 'the sensor reported twice, then was banned');
    assert.match(stdout, /accepted on chain +6\b/);
    const releases = (await json(['firmware', 'list'])) as { releaseId: string; revoked: boolean }[];
    assert.deepEqual(
      releases.map((r) => r.revoked),
      [true],
    );
    const addressOf = (file: string) => getAddress(`0x${JSON.parse(readFileSync(join(work, file), 'utf8')).address}`);
    assert.equal((await json(['device', 'owner', sensorId])).owner, addressOf('owner.json'), 'the household owns the sensor');
    const [consent] = (await json(['consent', 'list', '--owner', addressOf('owner.json')])) as { consentId: string; status: string }[];
    assert.equal(consent?.status, 'revoked');
    const shares = (await json(['share', 'list', consent!.consentId])) as { sharedWith: string }[];
    assert.deepEqual(
      shares.map((s) => s.sharedWith),
      [addressOf('partner.json')],
    );
  });
});
