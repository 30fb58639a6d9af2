import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, parseAbiItem } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { airQualityProfile } from '../../src/protocol/airQuality.js';
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
type Report = {
  device: string;
  ok: boolean;
  checks: Check[];
  answers: Answer[];
  ownerAcknowledgement?: { owner: string; epoch: number; action: { txHash: `0x${string}`; status: string } };
  firmware?: { sequence: number; digest: string; size: number; action: { txHash: `0x${string}`; status: string } };
};
type Envelope = { id: string; command: Record<string, unknown>; signature: string; checkedAtBlock: string };
type CommandReport = Report & {
  envelope?: Envelope;
  acceptedCommand?: { id: string; consentId: number; expiry: number; answerBlock: number };
};

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

/** Runs the client as a device waiting for a command: resolves `ready` once it listens, `done` with its report. */
function commandDevice(args: string[]): { ready: Promise<void>; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(python, [client, 'command-device', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) listening();
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      listening(); // a client that stopped before listening: its report says why
      resolve({ code, stdout: stdout.replace(/^ready\n/, ''), stderr });
    }),
  );
  return { ready, done };
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
    writeFileSync(profile, JSON.stringify(airQualityProfile));
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
    assert.ok(result.stdout.startsWith('{'), `the client printed its report: ${result.stderr}`);
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
      'owner acknowledgement signed by another key refused bad_signature (401)',
      'owner acknowledgement of a later epoch refused stale_epoch (409)',
      'owner acknowledgement: the device action is done (mined)',
      'device_owner after the acknowledgement: acknowledgedEpoch is the epoch',
      'the same acknowledgement once mined refused already_acknowledged (409)',
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
    // Its owner acknowledgement: OwnerAcknowledged (abi.md) by the ownership contract, for the operator that owns it.
    const acknowledgement = report.ownerAcknowledgement;
    assert.ok(acknowledgement, 'the client acknowledged its owner');
    assert.equal(
      acknowledgement.owner.toLowerCase(),
      stack.roles.operator.address.toLowerCase(),
      'the operator owns the devices it registered',
    );
    const receipt = await publicClient.getTransactionReceipt({ hash: acknowledgement.action.txHash });
    const acknowledged = await publicClient.getLogs({
      address: stack.deployment.contracts.deviceOwnership,
      event: parseAbiItem('event OwnerAcknowledged(address indexed device, address indexed owner, uint64 epoch)'),
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    assert.deepEqual(
      acknowledged.map((l) => [l.args.device?.toLowerCase(), l.args.owner?.toLowerCase(), l.args.epoch]),
      [[report.device, acknowledgement.owner.toLowerCase(), BigInt(acknowledgement.epoch)]],
    );
  });

  it('receives a command sent with pythia command send, checks it as protocol.md says, refuses forged and replayed copies; the command is logged on chain', async () => {
    assert.ok(stack.mqttUrl);
    const device = report.device;
    const common = ['--gateway', stack.gatewayUrl, '--key-file', keyFile, '--bundle', bundlePath];
    // The operator's account owns the devices it registered (docs/operations.md): it grants the consent.
    const recipientKey = join(dir, 'recipient.json');
    const strangerKey = join(dir, 'stranger.json');
    const [made, strangerMade] = await Promise.all([
      pythia(['key', 'new', '--out', recipientKey, '--json']),
      pythia(['key', 'new', '--out', strangerKey]),
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(strangerMade.code, 0, strangerMade.stderr);
    const recipient: string = JSON.parse(made.stdout).address;
    const granted = await pythia([
      ...['consent', 'grant', '--device', device, '--recipient', recipient, '--commands', 'identify'],
      ...['--purpose', 'docs conformance', '--until', '1h', '--json', '--data-dir', dataDir],
    ]);
    assert.equal(granted.code, 0, granted.stderr);
    const consentId: string = JSON.parse(granted.stdout).consentId;

    const listening = commandDevice([...common, '--mqtt', new URL(stack.mqttUrl).host, '--wait', '60']);
    await listening.ready;
    // With it, someone without consent: the gateway refuses that one before the device sees anything (api.md: 403 wrong_recipient),
    // so the only envelope on the commands topic is the recipient's.
    const [sent, refused] = await Promise.all([
      pythia([
        'command',
        'send',
        device,
        'identify',
        '--consent',
        consentId,
        '--signer-key',
        recipientKey,
        '--json',
        '--data-dir',
        dataDir,
      ]),
      pythia(['command', 'send', device, 'identify', '--consent', consentId, '--signer-key', strangerKey, '--data-dir', dataDir]),
    ]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /wrong_recipient/);

    assert.equal(sent.code, 0, sent.stderr);
    const relayed = JSON.parse(sent.stdout) as { id: string; status: string; checkedAtBlock: number };
    assert.equal(relayed.status, 'published');
    const result = await listening.done;
    const seen = JSON.parse(result.stdout) as CommandReport;
    assert.deepEqual(
      seen.checks.filter((c) => !c.ok),
      [],
      'every check of the device passes',
    );
    assert.equal(result.code, 0, result.stderr);
    const names = seen.checks.map((c) => c.name);
    for (const expected of [
      'commands: the relayed command passes the device check (signature, expiry, consent answer permitted)',
      'commands: the same envelope again is refused replayed_command',
      'commands: another nonce without a new signature is refused bad_signature',
      'commands: a command for another device is refused wrong_device',
      'commands: a command signed by a party without consent is refused wrong_recipient by the consent answer',
    ])
      assert.ok(names.includes(expected), `the report has "${expected}"`);
    // The device acted on the command the gateway relayed, under the consent granted, checked at a block the chain has.
    assert.equal(seen.acceptedCommand?.id, relayed.id);
    assert.equal(String(seen.acceptedCommand?.consentId), consentId);
    assert.equal(seen.envelope?.checkedAtBlock, String(relayed.checkedAtBlock));
    // The envelope's command and signature are the documented POST body: sent again, the gateway's replay guard refuses it.
    const again = await fetch(`${stack.gatewayUrl}/v1/devices/${device}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: seen.envelope?.command, signature: seen.envelope?.signature }),
    });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: string }).error, 'replayed_command');

    // The gateway logs the command on chain: GET /v1/commands/{id} names the batch, the AccessLog emitted CommandLogged.
    type CommandLog = { status: string; txHash: `0x${string}` | null } | null;
    const commandLog = async (): Promise<CommandLog> =>
      ((await (await fetch(`${stack.gatewayUrl}/v1/commands/${relayed.id}`)).json()) as { log: CommandLog }).log;
    let log = await commandLog();
    for (const deadline = Date.now() + 30_000; log?.status !== 'done' && Date.now() < deadline; log = await commandLog())
      await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(log?.status, 'done', `the command's access-log batch was mined: ${JSON.stringify(log)}`);
    const { publicClient } = createChainClients(stack.deployment);
    const receipt = await publicClient.getTransactionReceipt({ hash: log?.txHash as `0x${string}` });
    const logged = await publicClient.getLogs({
      address: stack.deployment.contracts.accessLog,
      event: parseAbiItem(
        'event CommandLogged(uint256 indexed consentId, address indexed device, address indexed recipient, uint8 command, bytes32 commandHash)',
      ),
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    assert.deepEqual(
      logged.map((l) => [
        String(l.args.consentId),
        l.args.device?.toLowerCase(),
        l.args.recipient?.toLowerCase(),
        l.args.command,
        l.args.commandHash,
      ]),
      [[consentId, device, recipient.toLowerCase(), 3, relayed.id]],
    );

    // Revoked: the same envelope, still unexpired, is refused by the device's own check (the consent answer says revoked).
    const revoked = await pythia(['consent', 'revoke', consentId, '--yes', '--json', '--data-dir', dataDir]);
    assert.equal(revoked.code, 0, revoked.stderr);
    // The Pythia reads consents at the latest block, cached at most answerBlockTtlMs, 100 ms by default
    // (protocol.md, "Revocation bound"): past that, every answer is read at the revocation's block or later.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const envelopeFile = join(dir, 'envelope.json');
    writeFileSync(envelopeFile, JSON.stringify(seen.envelope));
    const after = await docsClient(['check-command', ...common, '--envelope', envelopeFile]);
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(JSON.parse(after.stdout), { verdict: 'consent_revoked' });
  });

  it('asks whether a release published with pythia firmware publish may be installed, checks the image against the signed answer, reports the install on chain', async () => {
    const device = report.device;
    const data = ['--json', '--data-dir', dataDir];
    const ok = async (args: string[]) => {
      const done = await pythia(args);
      assert.equal(done.code, 0, `pythia ${args.join(' ')}: ${done.stderr}`);
      return JSON.parse(done.stdout);
    };
    // docs/operations.md, "Firmware updates": the operator's account as the class's manufacturer, one release key.
    const releaseKey = join(dir, 'release.json');
    const [, made] = await Promise.all([
      ok(['manufacturer', 'assign', '1', stack.roles.operator.address, ...data]),
      ok(['key', 'new', '--out', releaseKey, '--json']),
    ]);
    await ok(['firmware', 'keys', 'set', '--class', '1', '--key', made.address, '--threshold', '1', ...data]);
    const image = join(dir, 'air-1.bin');
    const bytes = crypto.getRandomValues(new Uint8Array(3000));
    writeFileSync(image, bytes);
    await ok([
      ...['firmware', 'publish', '--class', '1', '--sequence', '1', '--image', image],
      ...['--uri', 'https://firmware.example/air/1.bin', '--release-key', releaseKey, ...data],
    ]);
    await ok(['firmware', 'policy', device, 'automatic', ...data]);
    // Answers are read at the latest block, cached at most 100 ms (protocol.md, "Revocation bound"): past that, at the policy's block or later.
    await new Promise((resolve) => setTimeout(resolve, 250));

    const result = await docsClient([
      'firmware',
      '--gateway',
      stack.gatewayUrl,
      '--key-file',
      keyFile,
      '--bundle',
      bundlePath,
      '--class',
      '1',
      '--sequence',
      '1',
      '--image',
      image,
    ]);
    assert.ok(result.stdout.startsWith('{'), `the client printed its report: ${result.stderr}`);
    const seen = JSON.parse(result.stdout) as Report;
    assert.deepEqual(
      seen.checks.filter((c) => !c.ok),
      [],
      'every firmware check of the device passes',
    );
    assert.equal(result.code, 0);
    const names = seen.checks.map((c) => c.name);
    for (const expected of [
      'firmware_approved for a release never published: not approved, unknown_release, zeros',
      'firmware_approved for the published release: approved',
      'firmware: an image with one bit flipped is refused digest_mismatch',
      'firmware report signed by another key refused bad_signature (401)',
      'firmware report: the device action is done (mined)',
      'firmware report with a used nonce refused replayed_nonce (409)',
    ])
      assert.ok(names.includes(expected), `the report has "${expected}"`);
    // The answer's digest is the image's, and the chain recorded the install the device reported.
    const sha256 = `0x${createHash('sha256').update(bytes).digest('hex')}`;
    assert.deepEqual([seen.firmware?.digest, seen.firmware?.size], [sha256, bytes.length]);
    const { publicClient } = createChainClients(stack.deployment);
    const receipt = await publicClient.getTransactionReceipt({ hash: seen.firmware?.action.txHash as `0x${string}` });
    const installed = await publicClient.getLogs({
      address: stack.deployment.contracts.firmwareRegistry,
      event: parseAbiItem(
        'event FirmwareInstalled(address indexed device, bytes32 indexed releaseId, uint64 sequence, bytes32 digest, uint64 nonce)',
      ),
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    assert.deepEqual(
      installed.map((l) => [l.args.device?.toLowerCase(), l.args.sequence, l.args.digest, l.args.nonce]),
      [[device, 1n, sha256, 1n]],
    );
    const status = await ok(['firmware', 'status', device, ...data]);
    assert.equal(String(status.installedSequence), '1');
  });
});
