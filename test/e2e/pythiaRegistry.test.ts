import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { keccak256, type Address } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { registerPythiaKey } from '../../src/chain/pythiaRegistry.js';
import { ContractRefusal } from '../../src/chain/sendContractTransaction.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { generateDeviceKey, saveDeviceKey } from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from './runPythia.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../src/attestation/fixtures/${name}`, import.meta.url));
const passphrase = 'registry-test-passphrase-not-a-secret';
/** MRENCLAVE of the sample SGX quote (src/attestation/fixtures/sgx_quote). */
const SAMPLE_MRENCLAVE = '0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb';
/** A time inside the sample collateral's validity window. */
const SAMPLE_TIME = '2025-06-20T00:00:00Z';

const pythia = (args: string[]) => runPythia(args, passphrase);

describe('the Pythia registry through the CLI', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-registry-'));
  const dataDir = join(dir, 'node');
  const at = (...args: string[]) => [...args, '--data-dir', dataDir];
  const show = async (key: Address) => {
    const run = await pythia(at('pythia', 'show', key, '--json'));
    assert.equal(run.code, 0, run.stderr);
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

  it('is deployed by pythia up and written to deployment.json', async () => {
    const registry = stack.deployment.contracts.pythiaRegistry;
    assert.ok(registry);
    const written = JSON.parse(readFileSync(join(dataDir, 'deployment.json'), 'utf8'));
    assert.equal(written.contracts.pythiaRegistry, registry);
  });

  it('has --help on every command', async () => {
    for (const command of [
      ['pythia'],
      ['pythia', 'register'],
      ['pythia', 'show'],
      ['pythia', 'revoke'],
      ['pythia', 'rotate'],
      ['pythia', 'approve-measurement'],
      ['pythia', 'revoke-measurement'],
    ]) {
      const run = await pythia([...command, '--help']);
      assert.equal(run.code, 0, `${command.join(' ')} --help: ${run.stderr}`);
      assert.match(run.stdout, /Usage: pythia pythia/);
    }
  });

  it('refuses bad arguments with exit code 2 before touching the chain', async () => {
    const key = generateDeviceKey();
    const noMode = await pythia(at('pythia', 'register', '--public-key', key.publicKey));
    assert.equal(noMode.code, 2);
    assert.match(noMode.stderr, /--unattested/);
    const both = await pythia(at('pythia', 'register', '--public-key', key.publicKey, '--unattested', '--quote', fixture('sgx_quote')));
    assert.equal(both.code, 2);
    const badTee = await pythia(at('pythia', 'approve-measurement', 'sev', SAMPLE_MRENCLAVE));
    assert.equal(badTee.code, 2);
    assert.match(badTee.stderr, /sgx or tdx/);
    const badLength = await pythia(at('pythia', 'approve-measurement', 'tdx', SAMPLE_MRENCLAVE));
    assert.equal(badLength.code, 2);
    assert.match(badLength.stderr, /TDX measurement is 48 bytes/);
  });

  it('registers an unattested key flagged attested=false, shows it, and revokes it for good', async () => {
    const key = generateDeviceKey();
    const keyFile = join(dir, 'pythia-key.json');
    await saveDeviceKey(keyFile, key, passphrase, { scryptN: LIGHT_SCRYPT.n });

    const registered = await pythia(at('pythia', 'register', '--key-file', keyFile, '--unattested', '--json'));
    assert.equal(registered.code, 0, registered.stderr);
    const result = JSON.parse(registered.stdout);
    assert.equal(result.key, key.deviceId);
    assert.equal(result.attested, false);

    const shown = await show(key.deviceId);
    assert.equal(shown.status, 'active');
    assert.equal(shown.attested, false);
    assert.equal(shown.teeType, 'none');
    assert.equal(shown.trusted, true, 'trusted by devices that accept unattested Pythias');
    assert.equal(shown.trustedAttested, false, 'never by devices that require attestation');
    assert.equal(shown.publicKey, key.publicKey);
    assert.equal(shown.registrar, stack.deployment.roles.operator);

    const human = await pythia(at('pythia', 'show', key.deviceId));
    assert.match(human.stdout, /attested\s+no \(unattested\)/);

    const twice = await pythia(at('pythia', 'register', '--public-key', key.publicKey, '--unattested'));
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /PythiaAlreadyRegistered/);

    const noReason = await pythia(at('pythia', 'revoke', key.deviceId, '--reason', ' '));
    assert.equal(noReason.code, 2);
    const revoked = await pythia(at('pythia', 'revoke', '--yes', key.deviceId, '--reason', 'host decommissioned', '--json'));
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(JSON.parse(revoked.stdout).status, 'revoked');
    const after = await show(key.deviceId);
    assert.equal(after.status, 'revoked');
    assert.equal(after.trusted, false);
    assert.ok(after.revokedAt > 0);

    const again = await pythia(at('pythia', 'revoke', '--yes', key.deviceId, '--reason', 'again'));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /PythiaAlreadyRevoked/);
  });

  it('rotates a key: the previous one is revoked as rotated and names its successor, the new one is trusted', async () => {
    const previous = generateDeviceKey();
    const next = generateDeviceKey();
    const registered = await pythia(at('pythia', 'register', '--public-key', previous.publicKey, '--unattested'));
    assert.equal(registered.code, 0, registered.stderr);

    const same = await pythia(at('pythia', 'rotate', '--yes', previous.deviceId, '--public-key', previous.publicKey, '--unattested'));
    assert.equal(same.code, 2);
    assert.match(same.stderr, /the new key is the previous key/);
    const unknown = await pythia(
      at('pythia', 'rotate', '--yes', generateDeviceKey().deviceId, '--public-key', next.publicKey, '--unattested'),
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not an active Pythia key \(none\)/);

    const rotated = await pythia(
      at('pythia', 'rotate', '--yes', previous.deviceId, '--public-key', next.publicKey, '--unattested', '--json'),
    );
    assert.equal(rotated.code, 0, rotated.stderr);
    const result = JSON.parse(rotated.stdout);
    assert.equal(result.previousKey, previous.deviceId);
    assert.equal(result.key, next.deviceId);
    assert.equal(result.attested, false);

    const old = await show(previous.deviceId);
    assert.equal(old.status, 'revoked');
    assert.equal(old.trusted, false);
    assert.equal(old.successor, next.deviceId);
    const fresh = await show(next.deviceId);
    assert.equal(fresh.status, 'active');
    assert.equal(fresh.trusted, true);

    const again = await pythia(
      at('pythia', 'rotate', '--yes', previous.deviceId, '--public-key', generateDeviceKey().publicKey, '--unattested'),
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not an active Pythia key \(revoked\)/);
  });

  it('refuses the sample SGX quote: it verifies, but its report data binds "Hello, world!", not the key', async () => {
    const key = generateDeviceKey();
    const run = await pythia(
      at(
        'pythia',
        'register',
        '--public-key',
        key.publicKey,
        '--quote',
        fixture('sgx_quote'),
        '--collateral',
        fixture('sgx_quote_collateral.json'),
        '--at',
        SAMPLE_TIME,
      ),
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /report data does not bind key/);
    assert.match(run.stderr, new RegExp(key.deviceId));
    assert.equal(run.stdout, '');
    assert.equal((await pythia(at('pythia', 'show', key.deviceId))).code, 1, 'nothing was registered');

    const expired = await pythia(
      at(
        'pythia',
        'register',
        '--public-key',
        key.publicKey,
        '--quote',
        fixture('sgx_quote'),
        '--collateral',
        fixture('sgx_quote_collateral.json'),
      ),
    );
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /attestation refused/);
  });

  it('approves and revokes measurements with the governance key only; trust follows approval', async () => {
    const nonGovernance = await pythia(
      at('pythia', 'approve-measurement', 'sgx', SAMPLE_MRENCLAVE, '--signer-key', join(dataDir, 'keys', 'operator.json')),
    );
    assert.equal(nonGovernance.code, 1);
    assert.match(nonGovernance.stderr, /AccessControlUnauthorizedAccount/);

    const approved = await pythia(at('pythia', 'approve-measurement', 'sgx', SAMPLE_MRENCLAVE, '--json'));
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(JSON.parse(approved.stdout).status, 'approved');
    const twice = await pythia(at('pythia', 'approve-measurement', 'SGX', SAMPLE_MRENCLAVE.slice(2)));
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /MeasurementAlreadyApproved/);

    // The quote is checked off chain; the contract records what was verified. No enclave here can
    // produce a quote that binds a fresh key, so register an attested entry with the library call.
    const key = generateDeviceKey();
    const clients = createChainClients(stack.deployment);
    const registry = stack.deployment.contracts.pythiaRegistry!;
    const evidenceHash = keccak256(
      new Uint8Array([...readFileSync(fixture('sgx_quote')), ...readFileSync(fixture('sgx_quote_collateral.json'))]),
    );
    await registerPythiaKey({
      clients,
      account: stack.roles.operator,
      address: registry,
      publicKey: key.publicKey,
      evidence: { teeType: 'sgx', measurement: SAMPLE_MRENCLAVE, evidenceHash, evidenceUri: 'https://evidence.example/p1' },
    });
    const shown = await show(key.deviceId);
    assert.equal(shown.attested, true);
    assert.equal(shown.teeType, 'sgx');
    assert.equal(shown.measurement, SAMPLE_MRENCLAVE);
    assert.equal(shown.measurementStatus, 'approved');
    assert.equal(shown.evidenceHash, evidenceHash);
    assert.equal(shown.trustedAttested, true);

    // Roles are separate: the admin (governance) cannot register keys, that is the operator's.
    await assert.rejects(
      registerPythiaKey({ clients, account: stack.roles.admin, address: registry, publicKey: generateDeviceKey().publicKey }),
      (error: unknown) => error instanceof ContractRefusal && error.errorName === 'AccessControlUnauthorizedAccount',
    );

    const revoked = await pythia(at('pythia', 'revoke-measurement', '--yes', 'sgx', SAMPLE_MRENCLAVE, '--reason', 'enclave CVE', '--json'));
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await show(key.deviceId);
    assert.equal(after.status, 'active', 'the record is untouched');
    assert.equal(after.measurementStatus, 'revoked');
    assert.equal(after.trusted, false, 'a revoked measurement untrusts its keys');
    assert.equal(after.trustedAttested, false);

    const revokedTwice = await pythia(at('pythia', 'revoke-measurement', '--yes', 'sgx', SAMPLE_MRENCLAVE, '--reason', 'again'));
    assert.equal(revokedTwice.code, 1);
    assert.match(revokedTwice.stderr, /MeasurementNotApproved/);
  });

  it('says so for an unknown key', async () => {
    const run = await pythia(at('pythia', 'show', generateDeviceKey().deviceId));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown Pythia key/);
  });

  it('adds the registry to a deployment made before it existed, keeping the fleet', async () => {
    await stack.stop();
    const path = join(dataDir, 'deployment.json');
    const old = JSON.parse(readFileSync(path, 'utf8'));
    const fleet = old.contracts.fleet;
    delete old.contracts.pythiaRegistry;
    writeFileSync(path, JSON.stringify(old));

    const missing = await pythia(at('pythia', 'show', generateDeviceKey().deviceId));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no Pythia registry: run `pythia up`/);

    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    assert.equal(stack.deployed, false);
    assert.equal(stack.deployment.contracts.fleet, fleet);
    assert.ok(stack.deployment.contracts.pythiaRegistry);
    const code = await createChainClients(stack.deployment).publicClient.getCode({ address: stack.deployment.contracts.pythiaRegistry });
    assert.ok(code && code.length > 2);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).contracts.pythiaRegistry, stack.deployment.contracts.pythiaRegistry);
  });
});
