import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from './runPythia.js';

const run = promisify(execFile);
const passphrase = 'docs-client-test-passphrase-not-a-secret';
const pythia = (args: string[]) => runPythia(args, passphrase);
const root = fileURLToPath(new URL('../../', import.meta.url));
const client = join(root, 'test/conformance/docs_client.py');
const python = join(root, '.venv-conformance/bin/python');
const venvMissing = 'the conformance client needs its Python venv: npm run install:conformance (npm run test:e2e runs it first)';

type Check = { name: string; ok: boolean; detail?: unknown };
type Answer = { blockNumber: number; blockHash: string; status: number; lastSequence: number };
type Report = { device: string; ok: boolean; checks: Check[]; answers: Answer[] };

/** Runs the Python client; resolves with its exit code and output whatever the code. */
async function docsClient(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(python, [client, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('a device client written in Python from docs/ alone works against a real gateway, and what the docs call bad is refused', {
  timeout: 600_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-docs-client-'));
  const dataDir = join(dir, 'node');
  const keyFile = join(dir, 'device.key');
  const bundlePath = join(dir, 'bundle.json');
  let stack: Stack;
  let report: Report;

  before(async () => {
    assert.ok(existsSync(python), venvMissing);
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    // The air-quality class's profile as docs/api.md ("GET /v1/devices/{id}") shows it.
    const profile = join(dir, 'profile.json');
    writeFileSync(
      profile,
      JSON.stringify({
        metricCount: 6,
        maxPayloadBytes: 12,
        minInterval: 5,
        maxClockSkew: 120,
        flagThreshold: 3,
        flagWindow: 3600,
        suspensionsBeforeRevoke: 2,
        minValue: [0, 0, 0, 0, -4000, 0],
        maxValue: [5000, 6000, 4000, 4000, 6000, 10000],
        maxDelta: [600, 1000, 1500, 1500, 1000, 3000],
      }),
    );
    const set = await pythia(['profile', 'set', '--class', '1', '--file', profile, '--data-dir', dataDir]);
    assert.equal(set.code, 0, set.stderr);
    const created = await pythia(['bundle', 'create', '--out', bundlePath, '--data-dir', dataDir]);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('computes every test vector of docs/protocol.md (reading, registration request, answer) and its verifier refuses tampered answers', async () => {
    const result = await docsClient(['selftest']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stdout.trim(), 'ok');
  });

  it('makes a registration request the operator registers with pythia device register', async () => {
    // A throwaway key of this test, written as the client reads it.
    writeFileSync(keyFile, `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}\n`, { mode: 0o600 });
    const request = await docsClient(['request', '--key-file', keyFile, '--class', '1', '--site', 'Rue de la Gare 4']);
    assert.equal(request.code, 0, request.stderr);
    const requestPath = join(dir, 'request.json');
    writeFileSync(requestPath, request.stdout);
    const registered = await pythia(['device', 'register', '--request', requestPath, '--json', '--data-dir', dataDir]);
    assert.equal(registered.code, 0, registered.stderr);
    assert.deepEqual(
      JSON.parse(registered.stdout).devices.map((d: string) => d.toLowerCase()),
      [JSON.parse(request.stdout).deviceId.toLowerCase()],
    );
  });

  it('runs the conformance checks: every one passes', async () => {
    assert.ok(stack.mqttUrl, 'the stack runs its embedded MQTT broker');
    const mqtt = new URL(stack.mqttUrl).host;
    const result = await docsClient(['run', '--gateway', stack.gatewayUrl, '--key-file', keyFile, '--bundle', bundlePath, '--mqtt', mqtt]);
    report = JSON.parse(result.stdout) as Report;
    const failed = report.checks.filter((c) => !c.ok);
    assert.deepEqual(failed, [], 'every check of the docs client passes');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(report.ok, true);
    // The checks the brief asks for are all there (a client that skipped one would not say ok).
    const names = report.checks.map((c) => c.name);
    for (const expected of [
      'the docs test vectors',
      'POST /v1/readings: 202 with the documented acknowledgement',
      'status before any reading: answer verified',
      'high s refused high_s_signature (400)',
      'replayed sequence refused replayed_sequence (409)',
      'signed by another key refused bad_signature (401)',
      'malformed body (not JSON) refused invalid_body (400)',
      'malformed body (a fraction) refused invalid_body (400)',
      'malformed body (a property twice) refused invalid_body (400)',
      'reading 3 accepted on chain',
      'status after the readings: answer verified',
      'status, the JSON form: answer verified',
      'a question asked as this device by another key refused bad_signature (401)',
      'a question signed with high s refused bad_signature (401)',
      'MQTT: the device logs in with its signed token',
      'MQTT: a reading is acknowledged 202 as documented',
      'MQTT: a used sequence signed again is refused replayed_sequence (409)',
      'MQTT: status asked on the questions topic, the answer verified',
      'MQTT: reading 4 accepted on chain',
      'MQTT: a token that logged in before is refused (CONNACK 4)',
    ])
      assert.ok(names.includes(expected), `the report has "${expected}"`);
  });

  it("fails when the gateway's answers are not signed by a key of its bundle (the client can say no)", async () => {
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
    // Another Pythia key than the gateway's: the docs' answer test key (public, address and key).
    bundle.pythiaKeys = [
      {
        address: '0x571865e2e64D066dC1eC5d60a907E377F90589da',
        publicKey: bytesToHex(
          secp256k1.getPublicKey(hexToBytes('0x2f57cb779fce6b259dec43057ddf96058ffef68d938414ed15b709e4dcc1b538'), false),
        ),
        attested: false,
      },
    ];
    const untrusting = join(dir, 'untrusting-bundle.json');
    writeFileSync(untrusting, JSON.stringify(bundle));
    const result = await docsClient(['run', '--gateway', stack.gatewayUrl, '--key-file', keyFile, '--bundle', untrusting]);
    assert.equal(result.code, 1, 'the client exits 1');
    const refused = (JSON.parse(result.stdout) as Report).checks.find((c) => c.name === 'status before any reading: answer verified');
    assert.equal(refused?.ok, false);
    assert.match(String(refused?.detail), /^untrusted_key: /);
  });

  it('what the client saw is what the chain says: its readings are in mined transactions, the answers name real blocks', async () => {
    const { publicClient } = createChainClients(stack.deployment);
    for (const sequence of [1, 2, 3, 4]) {
      const response = await fetch(`${stack.gatewayUrl}/v1/readings/${report.device}/${sequence}`);
      const reading = (await response.json()) as { status: string; txHash: `0x${string}` };
      assert.equal(reading.status, 'accepted');
      const receipt = await publicClient.getTransactionReceipt({ hash: reading.txHash });
      assert.equal(receipt.status, 'success', `reading ${sequence}'s transaction was mined`);
      assert.equal(receipt.to?.toLowerCase(), stack.deployment.contracts.fleet.toLowerCase(), 'by the fleet contract');
    }
    assert.equal(report.answers.length, 2);
    for (const answer of report.answers) {
      const block = await publicClient.getBlock({ blockNumber: BigInt(answer.blockNumber) });
      assert.equal(answer.blockHash, block.hash, `the answer's block ${answer.blockNumber} is the chain's`);
    }
    assert.deepEqual(
      report.answers.map((a) => [a.status, a.lastSequence]),
      [
        [1, 0],
        [1, 3],
      ],
    );
  });
});
