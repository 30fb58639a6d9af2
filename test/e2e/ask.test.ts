import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { generateDeviceKey } from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from './runPythia.js';

const passphrase = 'ask-test-passphrase-not-a-secret';

const pythia = (args: string[]) => runPythia(args, passphrase);

describe('pythia bundle create and pythia ask: a device checks its status through a signed answer', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-ask-'));
  const dataDir = join(dir, 'node');
  const bundle = join(dir, 'bundle.json');
  const keyFile = join(dir, 'device.json');
  let stack: Stack;
  let device: string;

  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    const profile = join(dir, 'profile.json');
    const { airQualityProfile } = await import('../../src/protocol/airQuality.js');
    writeFileSync(profile, JSON.stringify(airQualityProfile));
    assert.equal((await pythia(['profile', 'set', '--class', '1', '--file', profile, '--data-dir', dataDir])).code, 0);
    const keygen = await pythia([
      'device',
      'keygen',
      '--key-file',
      keyFile,
      '--request-out',
      join(dir, 'request.json'),
      '--class',
      '1',
      '--json',
    ]);
    assert.equal(keygen.code, 0, keygen.stderr);
    device = JSON.parse(keygen.stdout).device;
    const registered = await pythia(['device', 'register', '--request', join(dir, 'request.json'), '--data-dir', dataDir]);
    assert.equal(registered.code, 0, registered.stderr);
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a bundle that trusts this node’s Pythia key', async () => {
    const created = await pythia(['bundle', 'create', '--out', bundle, '--data-dir', dataDir, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const written = JSON.parse(readFileSync(bundle, 'utf8'));
    assert.equal(written.chainId, stack.deployment.chainId);
    assert.equal(written.pythiaKeys[0].attested, false);
    assert.deepEqual(written.gatewayUrls, [stack.gatewayUrl]);

    const shown = await pythia(['pythia', 'show', written.pythiaKeys[0].address, '--data-dir', dataDir, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    const record = JSON.parse(shown.stdout);
    assert.equal(record.status, 'active', 'pythia up registered the gateway key in the Pythia registry');
    assert.equal(record.attested, false, 'as unattested: there is no TEE here');
    assert.equal(record.trustedAttested, false);
  });

  it('lists every key the registry trusts now, this node first, and drops a revoked one', async () => {
    const at = (...args: string[]) => [...args, '--data-dir', dataDir];
    const [second, third] = [generateDeviceKey(), generateDeviceKey()];
    for (const k of [second, third]) {
      const run = await pythia(at('pythia', 'register', '--public-key', k.publicKey, '--unattested'));
      assert.equal(run.code, 0, run.stderr);
    }
    assert.equal((await pythia(at('pythia', 'revoke', '--yes', third.deviceId, '--reason', 'bundle test'))).code, 0);
    const path = join(dir, 'registry-bundle.json');
    const created = await pythia(at('bundle', 'create', '--out', path));
    assert.equal(created.code, 0, created.stderr);
    const written = JSON.parse(readFileSync(path, 'utf8'));
    const own = ((await (await fetch(`${stack.gatewayUrl}/v1/questions/key`)).json()) as { kid: string }).kid;
    assert.deepEqual(
      written.pythiaKeys.map((k: { address: string }) => k.address.toLowerCase()),
      [own.toLowerCase(), second.deviceId.toLowerCase()],
    );
    assert.equal(written.pythiaKeys[1].publicKey, second.publicKey);
    assert.equal(written.contracts.pythiaRegistry.toLowerCase(), stack.deployment.contracts.pythiaRegistry?.toLowerCase());
    assert.equal(written.contracts.deviceOwnership.toLowerCase(), stack.deployment.contracts.deviceOwnership?.toLowerCase());
    assert.equal(written.contracts.firmwareRegistry.toLowerCase(), stack.deployment.contracts.firmwareRegistry?.toLowerCase());
  });

  it('asks as the device and verifies: active, then suspended after the operator suspends it', async () => {
    const active = await pythia(['ask', 'device_status', '--key-file', keyFile, '--bundle', bundle, '--json']);
    assert.equal(active.code, 0, active.stderr);
    const answer = JSON.parse(active.stdout);
    assert.equal(answer.answer.status, 'active');
    assert.equal(answer.signer, JSON.parse(readFileSync(bundle, 'utf8')).pythiaKeys[0].address);

    assert.equal((await pythia(['device', 'suspend', device, '--reason', 'ask test', '--data-dir', dataDir])).code, 0);
    const suspended = await pythia(['ask', 'device_status', '--key-file', keyFile, '--bundle', bundle, '--json']);
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.equal(JSON.parse(suspended.stdout).answer.status, 'suspended');
  });

  it('asks about another device: an unregistered peer is "none"', async () => {
    const peer = generateDeviceKey().deviceId;
    const run = await pythia(['ask', 'device_status', '--subject', peer, '--key-file', keyFile, '--bundle', bundle, '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).answer.status, 'none');
  });

  it('refuses an unattested Pythia when the bundle requires attestation, and a bundle that lies about the key', async () => {
    const strict = join(dir, 'strict.json');
    assert.equal((await pythia(['bundle', 'create', '--out', strict, '--require-attested', '--data-dir', dataDir])).code, 0);
    const refused = await pythia(['ask', 'device_status', '--key-file', keyFile, '--bundle', strict]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /untrusted_key/);

    const lying = join(dir, 'lying.json');
    const other = generateDeviceKey();
    const written = JSON.parse(readFileSync(bundle, 'utf8'));
    written.pythiaKeys[0].publicKey = other.publicKey;
    writeFileSync(lying, JSON.stringify(written));
    const bad = await pythia(['ask', 'device_status', '--key-file', keyFile, '--bundle', lying]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /publicKey is not the key of/);

    const unknown = await pythia(['ask', 'owner_of_everything', '--key-file', keyFile, '--bundle', bundle]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown question/);
  });
});
