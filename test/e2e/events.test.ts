import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { parseDeployment } from '../../src/chain/deployment.js';
import { signedReading, type ReadingJson, type TestDevice } from '../../src/gateway/testKit.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../src/protocol/airQuality.js';
import { generateDeviceKey, type DeviceKey } from '../../src/sdk/index.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';
import { jsonOutputError } from '../../src/cli/jsonOutputSchemas.js';
import { pythiaAt } from './runPythia.js';

const bin = pythiaBin();
const passphrase = 'events-test-passphrase-not-a-secret';

/** A long-running `pythia` command whose output lines are kept and can be waited for. */
type Running = {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout (or stderr) has a line matching, with that line. */
  waitFor: (pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number) => Promise<string>;
  stop: () => Promise<number | string | null>;
  /** Resolves with the exit code once it has ended by itself. */
  exit: () => Promise<number | string | null>;
};

function start(args: string[]): Running {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, PYTHIA_PASSPHRASE: passphrase } });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => (out.stdout += c));
  child.stderr.on('data', (c) => (out.stderr += c));
  let exited: number | string | null | undefined;
  child.on('exit', (code, signal) => (exited = code ?? signal));
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor: async (pattern, stream = 'stdout', timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = out[stream].split('\n').find((l) => pattern.test(l));
        if (line !== undefined) return line;
        if (exited !== undefined) throw new Error(`pythia ${args[0]} exited (${exited}) before ${pattern}:\n${out.stdout}\n${out.stderr}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} on ${stream} of pythia ${args[0]}:\n${out.stdout}\n${out.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    exit: () =>
      new Promise((resolve) => {
        if (exited !== undefined) return resolve(exited);
        child.on('exit', (code, signal) => resolve(code ?? signal));
      }),
    stop: () =>
      new Promise((resolve) => {
        if (exited !== undefined) return resolve(exited);
        child.on('exit', (code, signal) => resolve(code ?? signal));
        child.kill('SIGTERM');
      }),
  };
}

/** The JSON event lines of an output, each checked against docs/cli.md ("pythia watch --json"). */
const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const event = JSON.parse(l) as Record<string, unknown>;
      assert.equal(jsonOutputError('watch', event), undefined, l);
      return event;
    });

describe('pythia up tells what happens, and pythia watch shows it in another terminal', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-events-'));
  const dataDir = join(dir, 'node');
  const running: Running[] = [];
  after(async () => {
    for (const r of running) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = pythiaAt(dataDir, passphrase);
  const launch = (args: string[]) => {
    const r = start(args);
    running.push(r);
    return r;
  };

  const deviceKey = generateDeviceKey();
  const testDevice = (k: DeviceKey): TestDevice => ({
    account: privateKeyToAccount(k.privateKey),
    id: k.deviceId,
    publicKey64: k.publicKey,
  });
  let gatewayUrl = '';
  let domain = { chainId: 0, verifyingContract: '0x' as `0x${string}` };
  let sequence = 0;
  const post = async (readings: ReadingJson[]) => {
    const response = await fetch(`${gatewayUrl}/v1/readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ readings }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** A reading of the registered device; pending until the chain decides it. */
  const reading = async (values?: number[]) =>
    signedReading(testDevice(deviceKey), domain, {
      sequence: ++sequence,
      timestamp: Math.floor(Date.now() / 1000) - 3600 + sequence * 10,
      ...(values && { values }),
    });
  /** `count` requests of one reading each from devices never registered: refused unknown_device (403). */
  const refusedBurst = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const stranger = generateDeviceKey();
      const answer = await post([await signedReading(testDevice(stranger), domain, { sequence: 1 })]);
      assert.equal(answer.body.error, 'unknown_device', JSON.stringify(answer.body));
    }
  };
  const outOfRange = airQualityProfile.maxValue[0]! + 100;

  it('pythia watch says the node is not running before it runs (exit 3)', async () => {
    const before = await cli.run(['watch']);
    assert.equal(before.code, 3, before.stderr);
    assert.match(before.stderr, /Pythia has not been started on this data directory/);
  });

  let flagBlock = 0;
  it('prints one line per flag, suspension and burst of refusals; watch --json prints the same facts', async () => {
    const up = launch(['up', '--chain', 'anvil', '--port', '0', '--data-dir', dataDir]);
    await up.waitFor(/^Press Ctrl-C to stop\.$/, 'stdout', 180_000);
    const deployment = parseDeployment(JSON.parse(readFileSync(join(dataDir, 'deployment.json'), 'utf8')));
    gatewayUrl = deployment.gatewayUrl;
    domain = { chainId: deployment.chainId, verifyingContract: deployment.contracts.fleet };

    const watchJson = launch(['watch', '--json', '--data-dir', dataDir]);
    const watchQuiet = launch(['watch', '--quiet', '--data-dir', dataDir]);
    await watchJson.waitFor(/^watching /, 'stderr');
    // --quiet has no progress line: its start is seen by a line it shows later.

    const profileFile = join(dir, 'profile.json');
    writeFileSync(profileFile, JSON.stringify(airQualityProfile));
    await cli.ok(['profile', 'set', '--class', String(AIR_QUALITY_CLASS_ID), '--file', profileFile]);
    await cli.ok(['device', 'register', deviceKey.publicKey, '--class', String(AIR_QUALITY_CLASS_ID)]);

    // A flag: metric 0 above the profile's maximum.
    const values = [outOfRange, 250, 300, 450, 2150, 5500];
    const flagged = await post([await reading(values)]);
    assert.equal(flagged.status, 202, JSON.stringify(flagged.body));
    const device = deviceKey.deviceId;
    const flagLine = await up.waitFor(/device flagged:/);
    assert.match(
      flagLine,
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\S+Z info  device flagged: device ${device} reading ${sequence}: OutOfRange, metric 0 = ${outOfRange} ` +
          `outside \\[${airQualityProfile.minValue[0]}, ${airQualityProfile.maxValue[0]}\\] \\(block \\d+, tx 0x[0-9a-f]{64}\\)$`,
        'i',
      ),
    );

    // A suspension by the operator.
    await cli.ok(['device', 'suspend', device, '--reason', 'events test: out of profile']);
    const suspendedLine = await up.waitFor(/device suspended:/);
    assert.match(
      suspendedLine,
      new RegExp(
        `warn  device suspended: device ${device} by 0x[0-9a-fA-F]{40} reason "events test: out of profile" \\(block \\d+, tx 0x[0-9a-f]{64}\\)$`,
        'i',
      ),
    );

    // A burst of 40 refused readings is not 40 lines: the first at once, then one count per interval.
    await refusedBurst(40);
    await up.waitFor(/refused: 1 × unknown_device \(security device_refused, http\)$/);
    await up.waitFor(/refused: 39 × unknown_device in the last 5 s \(security device_refused, http\)$/, 'stdout', 20_000);
    const refusedLines = up
      .stdout()
      .split('\n')
      .filter((l) => l.includes('× unknown_device'));
    assert.equal(refusedLines.length, 2, refusedLines.join('\n'));

    // watch --json: the same facts as JSON lines (pino's format, an `event` field).
    await watchJson.waitFor(/"event":"refused".*"count":39/);
    const events = jsonLines(watchJson.stdout());
    const flag = events.find((e) => e.event === 'device_flagged');
    assert.ok(flag, watchJson.stdout());
    assert.equal(String(flag.device).toLowerCase(), device.toLowerCase());
    assert.equal(flag.sequence, String(sequence));
    assert.deepEqual(flag.reasons, ['OutOfRange']);
    assert.equal(flag.metric, 0);
    assert.equal(flag.value, outOfRange);
    assert.deepEqual(flag.limit, { min: airQualityProfile.minValue[0], max: airQualityProfile.maxValue[0] });
    assert.equal(flag.level, 30);
    assert.equal(typeof flag.time, 'number');
    assert.match(String(flag.txHash), /^0x[0-9a-f]{64}$/);
    flagBlock = flag.block as number;
    const suspension = events.find((e) => e.event === 'device_suspended');
    assert.equal(suspension?.reason, 'events test: out of profile');
    assert.equal(suspension?.level, 40);
    const refused = events.filter((e) => e.event === 'refused' && e.reason === 'unknown_device');
    assert.deepEqual(
      refused.map((e) => e.count),
      [1, 39],
    );
    assert.equal(refused[0]!.security, 'device_refused');

    // watch --quiet: warnings (the suspension, security refusals) and nothing routine.
    await watchQuiet.waitFor(/39 × unknown_device/);
    assert.match(watchQuiet.stdout(), /device suspended: device/);
    assert.doesNotMatch(watchQuiet.stdout(), /device flagged/);
    assert.equal(watchQuiet.stderr(), '', 'no progress line with --quiet');

    // The node's own events are in its data directory's event log, private to its user.
    assert.equal(statSync(join(dataDir, 'events.log')).mode & 0o777, 0o600);

    // watch ends when the node stops, and says so (exit 3).
    assert.equal(await up.stop(), 0, up.stderr());
    assert.equal(await watchJson.exit(), 3);
    assert.match(watchJson.stderr(), /the node on .* stopped/);
    await watchQuiet.stop();
    const after = await cli.run(['watch']);
    assert.equal(after.code, 3);
    assert.match(after.stderr, /Pythia is not running on this data directory/);
  });

  it('up --quiet --log-format json prints only warnings and errors, as JSON lines with an event field; watch --since replays', async () => {
    const up = launch(['up', '--chain', 'anvil', '--port', '0', '--data-dir', dataDir, '--quiet', '--log-format', 'json']);
    // The banner is the command's result: --quiet keeps it, and drops the progress lines.
    await up.waitFor(/^Press Ctrl-C to stop\.$/, 'stdout', 180_000);
    gatewayUrl = parseDeployment(JSON.parse(readFileSync(join(dataDir, 'deployment.json'), 'utf8'))).gatewayUrl;
    const history = launch(['watch', '--json', '--since', String(flagBlock), '--data-dir', dataDir]);
    const flagAgain = await history.waitFor(/"event":"device_flagged"/);
    assert.equal(JSON.parse(flagAgain).block, flagBlock);
    await history.waitFor(/"event":"device_suspended"/);

    // Routine: a reinstatement and a flag. Not routine: refusals of a security kind.
    await cli.ok(['device', 'reinstate', deviceKey.deviceId, '--reason', 'events test: back']);
    await history.waitFor(/"event":"device_reinstated"/);
    const flagged = await post([await reading([outOfRange, 250, 300, 450, 2150, 5500])]);
    assert.equal(flagged.status, 202, JSON.stringify(flagged.body));
    await history.waitFor(new RegExp(`"event":"device_flagged".*"sequence":"${sequence}"`));
    await refusedBurst(3);
    await up.waitFor(/"event":"refused"/);
    // A ban is a warning: --quiet shows it.
    await cli.ok(['device', 'revoke', deviceKey.deviceId, '--reason', 'events test: banned', '--yes']);
    const revoked = JSON.parse(await up.waitFor(/"event":"device_revoked"/)) as Record<string, unknown>;
    assert.equal(revoked.reason, 'events test: banned');
    assert.equal(revoked.level, 40);
    assert.match(String(revoked.msg), /^device revoked \(banned for good\): device /);
    const lines = up
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const events = jsonLines(up.stdout());
    assert.ok(jsonLines(history.stdout()).length >= 4);
    assert.ok(
      events.every((e) => typeof e.event === 'string' && typeof e.msg === 'string' && (e.level as number) >= 40),
      lines.join('\n'),
    );
    assert.ok(events.some((e) => e.event === 'refused' && e.reason === 'unknown_device'));
    assert.ok(!events.some((e) => e.event === 'device_flagged' || e.event === 'device_reinstated'), lines.join('\n'));
    // Ctrl-C ends watch at once, with 0.
    assert.equal(await history.stop(), 0, history.stderr());
    assert.equal(await up.stop(), 0, up.stderr());
  });

  it('every new option is in --help', async () => {
    const upHelp = await cli.run(['up', '--help']);
    assert.match(upHelp.stdout, /--log-format <format>/);
    assert.match(upHelp.stdout, /--quiet/);
    const watchHelp = await cli.run(['watch', '--help']);
    assert.equal(watchHelp.code, 0);
    assert.match(watchHelp.stdout, /--since <block>/);
    assert.match(watchHelp.stdout, /--json/);
  });
});
