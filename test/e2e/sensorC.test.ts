import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { airQualityProfile } from '../../src/protocol/airQuality.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from './runPythia.js';

const run = promisify(execFile);
const passphrase = 'sensor-c-test-passphrase-not-a-secret';
const pythia = (args: string[]) => runPythia(args, passphrase);
const sdkC = fileURLToPath(new URL('../../sdk-c/', import.meta.url));
const sensorBin = join(sdkC, 'build/examples/sensor');

/** Runs the C sensor; resolves with its exit code and output whatever the code. */
async function sensor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(sensorBin, args, { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function readingStatus(gatewayUrl: string, device: string, sequence: number): Promise<{ code: number; status?: string }> {
  const response = await fetch(`${gatewayUrl}/v1/readings/${device}/${sequence}`);
  const body = (await response.json()) as { status?: string };
  return { code: response.status, ...(body.status ? { status: body.status } : {}) };
}

describe('the C SDK example sensor against a real stack: registers, its readings over HTTP and MQTT are accepted on chain, it stops once suspended', {
  timeout: 600_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-sensor-c-'));
  const dataDir = join(dir, 'node');
  const keyFile = join(dir, 'sensor.key');
  let stack: Stack;
  let device: string;
  let runArgs: string[];
  let mqttArgs: string[];
  let bundlePath: string;

  before(async () => {
    await run('make', ['-C', sdkC, 'sensor'], { timeout: 300_000 });
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    // The class profile without a minimum interval, so readings a second apart are within it.
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify({ ...airQualityProfile, minInterval: 0 }));
    assert.equal((await pythia(['profile', 'set', '--class', '1', '--file', profile, '--data-dir', dataDir])).code, 0);
    bundlePath = join(dir, 'bundle.json');
    const created = await pythia(['bundle', 'create', '--out', bundlePath, '--data-dir', dataDir]);
    assert.equal(created.code, 0, created.stderr);
    // Everything it trusts comes from the bundle: chain, fleet, Pythia keys, freshness, the gateway.
    runArgs = ['--key-file', keyFile, '--bundle', bundlePath];
    assert.ok(stack.mqttUrl, 'the stack runs its embedded MQTT broker');
    mqttArgs = [...runArgs, '--transport', 'mqtt', '--mqtt', new URL(stack.mqttUrl).host];
  });
  /** The reading's status once it leaves pending (at most a minute). */
  async function acceptedOnChain(sequence: number): Promise<string | undefined> {
    let status: string | undefined;
    for (let i = 0; i < 120; i++) {
      ({ status } = await readingStatus(stack.gatewayUrl, device, sequence));
      if (status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return status;
  }

  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes its key and a registration request the operator registers with pythia device register', async () => {
    const keygen = await sensor(['keygen', '--key-file', keyFile]);
    assert.equal(keygen.code, 0, keygen.stderr);
    device = /^device (0x[0-9a-fA-F]{40})$/m.exec(keygen.stdout)![1]!;
    const request = await sensor(['register', '--key-file', keyFile, '--class', '1', '--site', 'Rue de la Gare 4']);
    assert.equal(request.code, 0, request.stderr);
    assert.equal(JSON.parse(request.stdout).deviceId, device);
    writeFileSync(join(dir, 'request.json'), request.stdout);
    const registered = await pythia(['device', 'register', '--request', join(dir, 'request.json'), '--data-dir', dataDir]);
    assert.equal(registered.code, 0, registered.stderr);
  });

  it('asks its status (verified: active) before each reading, sends three, and all three are accepted on chain', async () => {
    const result = await sensor(['run', ...runArgs, '--readings', '3', '--first-sequence', '1', '--interval-ms', '1100']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.match(/^status active block \d+$/gm)?.length, 3);
    assert.deepEqual(result.stdout.match(/^reading \d+ \d+$/gm), ['reading 1 202', 'reading 2 202', 'reading 3 202']);
    for (const sequence of [1, 2, 3])
      assert.equal(await acceptedOnChain(sequence), 'accepted', `reading ${sequence} on chain as ReadingAccepted`);
  });

  it('over MQTT (device-signed login, its own topics): asks its status before each reading, sends three, all accepted on chain', async () => {
    const result = await sensor(['run', ...mqttArgs, '--readings', '3', '--first-sequence', '4', '--interval-ms', '1100']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.match(/^status active block \d+$/gm)?.length, 3);
    assert.deepEqual(result.stdout.match(/^reading \d+ \d+$/gm), ['reading 4 202', 'reading 5 202', 'reading 6 202']);
    for (const sequence of [4, 5, 6])
      assert.equal(await acceptedOnChain(sequence), 'accepted', `reading ${sequence} on chain as ReadingAccepted`);
  });

  it('a used sequence signed again over MQTT (another timestamp: not a redelivery) comes back as its 409 ack, not taken as accepted', async () => {
    const result = await sensor(['run', ...mqttArgs, '--readings', '1', '--first-sequence', '4']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.match(/^reading \d+ \d+$/gm), ['reading 4 409']);
    assert.match(result.stderr, /replayed_sequence/);
  });

  it('stops once the operator suspends it: the verified answer says suspended, no reading is sent (exit 3), over HTTP and MQTT', async () => {
    const suspended = await pythia(['device', 'suspend', device, '--reason', 'sensor-c test', '--data-dir', dataDir]);
    assert.equal(suspended.code, 0, suspended.stderr);
    for (const args of [runArgs, mqttArgs]) {
      const result = await sensor(['run', ...args, '--readings', '3', '--first-sequence', '7']);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stdout, /^status suspended block \d+$/m);
      assert.match(result.stdout, /^halted suspended$/m);
      assert.doesNotMatch(result.stdout, /^reading /m);
    }
    assert.equal((await readingStatus(stack.gatewayUrl, device, 7)).code, 404, 'the gateway never got reading 7');
  });

  it('refuses a bundle whose Pythia key is not the key of its address, naming the field, and sends nothing', async () => {
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
    const key = bundle.pythiaKeys[0];
    key.publicKey = `${key.publicKey.slice(0, -2)}${key.publicKey.endsWith('00') ? '01' : '00'}`;
    const tampered = join(dir, 'tampered-bundle.json');
    writeFileSync(tampered, JSON.stringify(bundle));
    const result = await sensor(['run', '--key-file', keyFile, '--bundle', tampered, '--readings', '1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bundle refused: key_mismatch pythiaKeys\[0\]\.publicKey/);
    assert.doesNotMatch(result.stdout, /^status /m);
  });
});
