import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, parseEther } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { roleKeyPath } from '../../src/chain/roleKeys.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';
import { pythiaAt, runPythia } from './runPythia.js';

const passphrase = 'keys-fund-simulate-passphrase-not-a-secret';

/** Issue #13: key files, gas money from the node, and simulated devices against a running node. */
describe('pythia key, fund and simulate', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-keys-fund-'));
  const dataDir = join(dir, 'node');
  const { json, ok, refused } = pythiaAt(dataDir, passphrase);
  /** Commands that read no data directory (key files, device keys). */
  const local = async (args: string[]) => {
    const run = await runPythia([...args, '--json'], passphrase);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };
  let stack: Stack;
  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('key new writes an encrypted key only its owner reads; key address prints the address alone', async () => {
    const file = join(dir, 'owner.json');
    const made = await local(['key', 'new', '--out', file]);
    assert.match(made.address, /^0x[0-9a-fA-F]{40}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8'), /"kdf": "scrypt"/);
    assert.equal((await runPythia(['key', 'address', file], passphrase)).stdout, `${made.address}\n`);
    const again = await runPythia(['key', 'new', '--out', file], passphrase);
    assert.deepEqual([again.code, /exists: refusing to overwrite a key/.test(again.stderr)], [2, true]);
    const missing = await runPythia(['key', 'address', join(dir, 'nope.json')], passphrase);
    assert.deepEqual([missing.code, /cannot read/.test(missing.stderr)], [2, true]);
  });

  it("each kind of key has its own passphrase: a device key is not opened with the node's", () => {
    const run = spawnSync(
      process.execPath,
      [pythiaBin(), 'device', 'keygen', '--key-file', join(dir, 'd.json'), '--request-out', join(dir, 'r.json'), '--class', '1'],
      { env: { ...process.env, PYTHIA_PASSPHRASE: passphrase, PYTHIA_DEVICE_PASSPHRASE: '' }, encoding: 'utf8' },
    );
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /PYTHIA_DEVICE_PASSPHRASE must be at least 8 characters/);
  });

  it("fund pays from the node's operator account, without the admin key, and keeps what the node needs", async () => {
    const address = (await local(['key', 'new', '--out', join(dir, 'lab.json')])).address;
    const { publicClient } = createChainClients(stack.deployment);
    const adminBefore = await publicClient.getBalance({ address: stack.roles.admin.address });
    // Least privilege: the admin key is not needed, so its file is away while the command runs.
    const adminKey = roleKeyPath(dataDir, 'admin');
    renameSync(adminKey, `${adminKey}.away`);
    try {
      const funded = await json(['fund', address, '1.5ETH']);
      assert.equal(funded.amount, parseEther('1.5').toString());
      assert.equal(funded.from, stack.roles.operator.address);
      assert.equal(await publicClient.getBalance({ address }), parseEther('1.5'));
      assert.equal(funded.balance, parseEther('1.5').toString());
      await refused(
        ['fund', address, '995'],
        1,
        /operator account 0x[0-9a-fA-F]{40} holds .* would leave it below the 10 ETH the node keeps/,
      );
      await refused(['fund', address, 'much'], 2, /must be an amount in ether/);
    } finally {
      renameSync(`${adminKey}.away`, adminKey);
    }
    assert.equal(await publicClient.getBalance({ address: stack.roles.admin.address }), adminBefore, 'the admin account paid nothing');
  });

  it("a stranger cannot fund from someone else's account: the node's needs its passphrase, a key file pays only its own ETH", async () => {
    const strangerKey = join(dir, 'stranger.json');
    const stranger = (await local(['key', 'new', '--out', strangerKey])).address as Address;
    const lab = (await runPythia(['key', 'address', join(dir, 'lab.json')], passphrase)).stdout.trim() as Address;
    const { publicClient } = createChainClients(stack.deployment);
    const balances = () =>
      Promise.all([stack.roles.operator.address, stack.roles.admin.address, lab].map((a) => publicClient.getBalance({ address: a })));
    const before = await balances();
    // Without the node's passphrase the operator key does not open, and nothing is sent.
    const guessed = await runPythia(['fund', stranger, '1', '--data-dir', dataDir], 'a-stranger-guessing-the-passphrase');
    assert.equal(guessed.code, 1, guessed.stderr);
    assert.match(guessed.stderr, /cannot open the operator key/);
    // The stranger's own key file pays from the stranger's own account only: it holds nothing.
    await refused(
      ['fund', lab, '1', '--signer-key', strangerKey],
      1,
      new RegExp(`the payer ${stranger} holds 0 ETH: it cannot send 1 ETH`),
    );
    assert.deepEqual(await balances(), before, "no one else's account paid");
    // Funded, it pays from its own account.
    await json(['fund', stranger, '2']);
    const paid = await json(['fund', lab, '0.5', '--signer-key', strangerKey]);
    assert.equal(paid.from, stranger);
    assert.equal(await publicClient.getBalance({ address: lab }), before[2]! + parseEther('0.5'));
    assert.ok((await publicClient.getBalance({ address: stranger })) < parseEther('1.5'), 'the stranger paid the 0.5 ETH and the gas');
  });

  it('simulate needs a profile; then registers new sensors and reports every reading accepted on chain', async () => {
    await refused(['simulate', '--devices', '1'], 1, /class 1 has no behaviour profile: set one first/);
    await ok(['profile', 'set', '--class', '1', '--preset', 'air-quality']);
    assert.deepEqual((await json(['profile', 'show', '--class', '1'])).profile.maxDelta, [600, 1000, 1500, 1500, 1000, 3000]);
    const summary = await json(['simulate', '--devices', '2', '--readings', '2']);
    assert.equal(summary.devices.length, 2);
    assert.deepEqual([summary.sent, summary.accepted, summary.flagged, summary.pending, summary.refused], [4, 4, 0, 0, {}]);
    const devices = (await json(['device', 'list'])) as { device: string; lastSequence: string }[];
    for (const device of summary.devices) assert.equal(devices.find((d) => d.device === device)?.lastSequence, '2');

    // A registered device's own key: its readings follow its last sequence on chain.
    const keyFile = join(dir, 'sensor.json');
    const request = join(dir, 'sensor-request.json');
    const made = await local(['device', 'keygen', '--key-file', keyFile, '--request-out', request, '--class', '1']);
    await refused(['simulate', '--key-file', keyFile], 1, /is not registered/);
    await ok(['device', 'register', '--request', request]);
    const own = await json(['simulate', '--key-file', keyFile, '--readings', '1']);
    assert.deepEqual([own.devices, own.accepted, own.registrationTransaction], [[made.device], 1, null]);
    await refused(['simulate', '--devices', '1', '--readings', '1', '--duration', '5'], 2, /--readings or --duration, not both/);
    // Over MQTT, as the SDK's MQTT client sends (the node's embedded broker).
    const overMqtt = await json(['simulate', '--devices', '1', '--readings', '2', '--transport', 'mqtt']);
    assert.deepEqual([overMqtt.sent, overMqtt.accepted, overMqtt.pending], [2, 2, 0]);
  });
});
