import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { bytesToHex, type Address } from 'viem';
import { releaseIdOf, reportFirmware } from '../../src/chain/firmware/index.js';
import { createChainClients } from '../../src/chain/clients.js';
import { firmwareRegistryAbi } from '../../src/contracts/abis.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import type { FirmwareApprovedAnswer } from '../../src/answers/index.js';
import {
  askPythia,
  createQuestionSequence,
  generateDeviceKey,
  parseProvisioningBundle,
  saveDeviceKey,
  signFirmwareReport,
} from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from './runPythia.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';

const passphrase = 'firmware-test-passphrase-not-a-secret';
const pythia = (args: string[]) => runPythia(args, passphrase);
const AIR = '1';

describe('firmware releases through the CLI', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-firmware-'));
  const dataDir = join(dir, 'node');
  const at = (...args: string[]) => [...args, '--data-dir', dataDir];
  const manufacturer = generateDeviceKey();
  const releaseKeys = [generateDeviceKey(), generateDeviceKey(), generateDeviceKey()];
  const keyFile = (i: number) => join(dir, `release-${i}.json`);
  const manufacturerFile = join(dir, 'manufacturer.json');
  const image = join(dir, 'air-2.bin');
  const imageBytes = randomBytes(5000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    await saveDeviceKey(manufacturerFile, manufacturer, passphrase, { scryptN: LIGHT_SCRYPT.n });
    for (const [i, key] of releaseKeys.entries()) await saveDeviceKey(keyFile(i), key, passphrase, { scryptN: LIGHT_SCRYPT.n });
    writeFileSync(image, imageBytes);
    const { publicClient } = createChainClients(stack.deployment);
    // The manufacturer is no role account: fund it, and have the council's timelock assign it the class
    // (`pythia manufacturer assign` schedules it and, with a local deployment's delay of 0, executes it).
    await fundOnAnvil(publicClient, manufacturer.deviceId, '10');
    const assigned = await pythia(at('manufacturer', 'assign', '1', manufacturer.deviceId));
    assert.equal(assigned.code, 0, assigned.stderr);
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is deployed by pythia up and written to deployment.json', () => {
    const registry = stack.deployment.contracts.firmwareRegistry;
    assert.ok(registry);
    assert.equal(JSON.parse(readFileSync(join(dataDir, 'deployment.json'), 'utf8')).contracts.firmwareRegistry, registry);
  });

  it('has --help on every command', async () => {
    for (const command of [
      ['firmware'],
      ['firmware', 'keys'],
      ['firmware', 'keys', 'set'],
      ['firmware', 'keys', 'show'],
      ['firmware', 'publish'],
      ['firmware', 'revoke'],
      ['firmware', 'list'],
      ['firmware', 'approve'],
      ['firmware', 'policy'],
      ['firmware', 'status'],
      ['firmware', 'fund'],
      ['firmware', 'reclaim'],
      ['firmware', 'withdraw'],
    ]) {
      const run = await pythia([...command, '--help']);
      assert.equal(run.code, 0, `${command.join(' ')} --help: ${run.stderr}`);
      assert.match(run.stdout, /Usage: pythia firmware/);
    }
  });

  it('refuses bad arguments with exit code 2 before touching the chain', async () => {
    const k = releaseKeys.map((r) => r.deviceId);
    const cases: Array<[string[], RegExp]> = [
      [
        ['firmware', 'keys', 'set', '--class', '1', '--key', k[0]!, '--key', k[1]!, '--threshold', '3'],
        /--threshold 3 is above the 2 keys/,
      ],
      [['firmware', 'keys', 'set', '--class', '1', '--key', k[0]!, '--key', k[0]!, '--threshold', '1'], /given twice/],
      [['firmware', 'keys', 'set', '--class', '70000', '--key', k[0]!, '--threshold', '1'], /--class must be between 0 and 65535/],
      [['firmware', 'keys', 'set', '--class', '1', '--key', '0x12', '--threshold', '1'], /not a device id/],
      [
        ['firmware', 'publish', '--class', '1', '--sequence', '0', '--image', image, '--uri', 'x', '--release-key', keyFile(0)],
        /--sequence/,
      ],
      [
        ['firmware', 'publish', '--class', '1', '--sequence', '2', '--image', join(dir, 'nope'), '--uri', 'x', '--release-key', keyFile(0)],
        /cannot read --image/,
      ],
      [
        ['firmware', 'publish', '--class', '1', '--sequence', '2', '--image', image, '--uri', 'x'.repeat(513), '--release-key', keyFile(0)],
        /--uri must be 1 to 512 bytes/,
      ],
      [['firmware', 'publish', '--class', '1', '--sequence', '2', '--image', image, '--uri', 'x'], /--release-key/],
      [['firmware', 'revoke', 'not-a-release', '--reason', 'x'], /<class>:<sequence>/],
      [['firmware', 'revoke', '1:1', '--reason', ' '], /--reason must be 1 to 256 bytes/],
      [['firmware', 'policy', k[0]!, 'sometimes'], /automatic or approve-each/],
      [['firmware', 'approve', '0x12', '1:1'], /not a device id/],
      [['firmware', 'fund', k[0]!, '1:1', '--value', '-1', '--deadline', '+1d'], /amount in ether/],
      [['firmware', 'fund', k[0]!, '1:1', '--value', '0.01', '--deadline', '2020-01-01T00:00:00Z'], /in the future/],
      [['firmware', 'fund', k[0]!, '1:1', '--value', '0.01', '--deadline', 'tomorrow'], /ISO time/],
      [['firmware', 'reclaim', 'x'], /escrow id/],
    ];
    for (const [args, message] of cases) {
      const run = await pythia(at(...args));
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });

  it('sets release keys (the manufacturer only), publishes, lists; refuses too few signatures and a rollback', async () => {
    const keys = releaseKeys.flatMap((r) => ['--key', r.deviceId]);
    const notManufacturer = await pythia(at('firmware', 'keys', 'set', '--class', AIR, ...keys, '--threshold', '2'));
    assert.equal(notManufacturer.code, 1);
    assert.match(notManufacturer.stderr, /NotClassManufacturer/);
    const set = await pythia(
      at('firmware', 'keys', 'set', '--class', AIR, ...keys, '--threshold', '2', '--signer-key', manufacturerFile, '--json'),
    );
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).threshold, 2);

    const publish = (sequence: string, ...keyIndexes: number[]) =>
      pythia(
        at(
          'firmware',
          'publish',
          '--class',
          AIR,
          '--sequence',
          sequence,
          '--image',
          image,
          '--uri',
          `https://firmware.example/air/${sequence}.bin`,
          ...keyIndexes.flatMap((i) => ['--release-key', keyFile(i)]),
          '--json',
        ),
      );
    const tooFew = await publish('2', 1);
    assert.equal(tooFew.code, 1);
    assert.match(tooFew.stderr, /threshold not met \(valid 1, threshold 2\): too few release key signatures.*\[ThresholdNotMet\]/);

    const published = await publish('2', 2, 0);
    assert.equal(published.code, 0, published.stderr);
    const release = JSON.parse(published.stdout);
    assert.equal(release.releaseId, releaseIdOf(1, 2n));
    assert.equal(release.size, String(imageBytes.length));
    assert.equal(release.digest, bytesToHex(createHash('sha256').update(imageBytes).digest()));
    assert.match(published.stderr, /signing the manifest/);

    const rollback = await publish('1', 0, 1);
    assert.equal(rollback.code, 1);
    assert.match(rollback.stderr, /sequence not newer \(sequence 1, latest 2\): rollback.*\[SequenceNotNewer\]/);
    const again = await publish('2', 0, 1);
    assert.match(again.stderr, /SequenceNotNewer/);

    const listed = await pythia(at('firmware', 'list', '--class', AIR, '--json'));
    assert.equal(listed.code, 0, listed.stderr);
    const releases = JSON.parse(listed.stdout);
    assert.equal(releases.length, 1);
    assert.equal(releases[0].location, 'https://firmware.example/air/2.bin');
    assert.equal(releases[0].revoked, false);
    const table = await pythia(at('firmware', 'list'));
    assert.match(table.stdout, /published\s+https:\/\/firmware\.example\/air\/2\.bin/);
    assert.deepEqual(JSON.parse((await pythia(at('firmware', 'list', '--class', '9', '--json'))).stdout), []);
  });

  it('lets the owner set the policy and approve; only the manufacturer revokes', async () => {
    const device = generateDeviceKey();
    const profile = join(dir, 'profile.json');
    const { airQualityProfile } = await import('../../src/protocol/airQuality.js');
    writeFileSync(profile, JSON.stringify(airQualityProfile));
    assert.equal((await pythia(at('profile', 'set', '--class', AIR, '--file', profile))).code, 0);
    const registered = await pythia(at('device', 'register', device.publicKey, '--class', AIR, '--json'));
    assert.equal(registered.code, 0, registered.stderr);
    // The operator registered it, so the operator role key owns its token.
    const policy = await pythia(at('firmware', 'policy', device.deviceId, 'automatic', '--json'));
    assert.equal(policy.code, 0, policy.stderr);
    const notOwner = await pythia(at('firmware', 'policy', device.deviceId, 'approve-each', '--signer-key', manufacturerFile));
    assert.equal(notOwner.code, 1);
    assert.match(notOwner.stderr, /NotDeviceOwner/);
    const approved = await pythia(at('firmware', 'approve', device.deviceId, '1:2', '--json'));
    assert.equal(approved.code, 0, approved.stderr);
    const status = JSON.parse((await pythia(at('firmware', 'status', device.deviceId, '--json'))).stdout);
    assert.equal(status.policy, 'automatic');
    assert.equal(status.installedSequence, '0');

    const registry = stack.deployment.contracts.firmwareRegistry as Address;
    const { publicClient } = createChainClients(stack.deployment);
    const isApproved = () =>
      publicClient.readContract({
        address: registry,
        abi: firmwareRegistryAbi,
        functionName: 'isApproved',
        args: [device.deviceId, releaseIdOf(1, 2n)],
      });
    assert.deepEqual(await isApproved(), [true, 0]);

    // The device asks its Pythia (the stack's gateway) and gets a signed, verified answer.
    const bundlePath = join(dir, 'bundle.json');
    assert.equal((await pythia(at('bundle', 'create', '--out', bundlePath))).code, 0);
    const bundle = parseProvisioningBundle(readFileSync(bundlePath, 'utf8'));
    const asked = await askPythia<FirmwareApprovedAnswer>({
      key: device,
      question: 'firmware_approved',
      params: { device: device.deviceId, classId: 1, sequence: 2 },
      bundle,
      sequence: createQuestionSequence(),
    });
    assert.equal(asked.answer.approved, true);
    assert.equal(asked.answer.digest, bytesToHex(createHash('sha256').update(imageBytes).digest()));
    assert.equal(asked.answer.size, BigInt(imageBytes.length));

    // The owner pays for the update in escrow; the revocation below lets it reclaim the payment.
    const funded = await pythia(at('firmware', 'fund', device.deviceId, '1:2', '--value', '0.01', '--deadline', '+1d', '--json'));
    assert.equal(funded.code, 0, funded.stderr);
    const escrowId = String(JSON.parse(funded.stdout).escrowId);
    const early = await pythia(at('firmware', 'reclaim', escrowId));
    assert.equal(early.code, 1, 'nothing to reclaim while the release stands and the deadline is ahead');
    assert.match(early.stderr, /EscrowNotReclaimable/);

    const byOperator = await pythia(at('firmware', 'revoke', '--yes', '1:2', '--reason', 'CVE-2026-0042'));
    assert.equal(byOperator.code, 1);
    assert.match(byOperator.stderr, /NotClassManufacturer/);
    const revoked = await pythia(
      at('firmware', 'revoke', '--yes', releaseIdOf(1, 2n), '--reason', 'CVE-2026-0042', '--signer-key', manufacturerFile, '--json'),
    );
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(await isApproved(), [false, 4]);
    const listed = JSON.parse((await pythia(at('firmware', 'list', '--json'))).stdout);
    assert.equal(listed[0].revoked, true);
    assert.equal(listed[0].revokedReason, 'CVE-2026-0042');
    // Anyone closes a reclaimable escrow (here the manufacturer); the money is credited to its funder.
    const reclaimed = await pythia(at('firmware', 'close-escrow', escrowId, '--signer-key', manufacturerFile, '--json'));
    assert.equal(reclaimed.code, 0, reclaimed.stderr);
    const notTheCloser = await pythia(at('firmware', 'withdraw', '--signer-key', manufacturerFile));
    assert.equal(notTheCloser.code, 1, 'the closer gets nothing');
    assert.match(notTheCloser.stderr, /NothingToWithdraw/);
    const withdrawn = await pythia(at('firmware', 'withdraw', '--json'));
    assert.equal(withdrawn.code, 0, withdrawn.stderr);
    const again = await pythia(at('firmware', 'withdraw'));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /NothingToWithdraw/);
    const approveRevoked = await pythia(at('firmware', 'approve', device.deviceId, '1:2'));
    assert.equal(approveRevoked.code, 1);
    assert.match(approveRevoked.stderr, /ReleaseIsRevoked/);
  });

  it('takes a release devices run away only with the release keys, not the manufacturer alone', async () => {
    const device = generateDeviceKey();
    const registered = await pythia(at('device', 'register', device.publicKey, '--class', AIR, '--json'));
    assert.equal(registered.code, 0, registered.stderr);
    const published = await pythia(
      at(
        'firmware',
        'publish',
        '--class',
        AIR,
        '--sequence',
        '3',
        '--image',
        image,
        '--uri',
        'https://firmware.example/air/3.bin',
        '--release-key',
        keyFile(0),
        '--release-key',
        keyFile(1),
        '--json',
      ),
    );
    assert.equal(published.code, 0, published.stderr);
    const registry = stack.deployment.contracts.firmwareRegistry as Address;
    const digest = bytesToHex(createHash('sha256').update(imageBytes).digest());
    const report = signFirmwareReport({ key: device, chainId: stack.deployment.chainId, registry, sequence: 3n, digest, nonce: 1n });
    const clients = createChainClients(stack.deployment);
    const installed = await reportFirmware({ clients, account: stack.roles.relayer, address: registry, ...report });
    assert.equal(installed.verdict, 'installed');

    const byManufacturer = await pythia(
      at('firmware', 'revoke', '--yes', '1:3', '--reason', 'CVE-2026-0043', '--signer-key', manufacturerFile),
    );
    assert.equal(byManufacturer.code, 1);
    assert.match(byManufacturer.stderr, /threshold of the release keys.*\[ReleaseInstalled\]/);
    const tooFew = await pythia(at('firmware', 'revoke', '--yes', '1:3', '--reason', 'CVE-2026-0043', '--release-key', keyFile(2)));
    assert.equal(tooFew.code, 1);
    assert.match(tooFew.stderr, /ThresholdNotMet/);
    const byKeys = await pythia(
      at(
        'firmware',
        'revoke',
        '--yes',
        '1:3',
        '--reason',
        'CVE-2026-0043',
        '--release-key',
        keyFile(2),
        '--release-key',
        keyFile(0),
        '--json',
      ),
    );
    assert.equal(byKeys.code, 0, byKeys.stderr);
    const listed = JSON.parse((await pythia(at('firmware', 'list', '--json'))).stdout);
    const three = listed.find((r: { sequence: string }) => r.sequence === '3');
    assert.equal(three.revoked, true);
    assert.equal(three.revokedReason, 'CVE-2026-0043');
  });

  it('adds the firmware registry to a deployment made before it existed, keeping the fleet', async () => {
    await stack.stop();
    const path = join(dataDir, 'deployment.json');
    const old = JSON.parse(readFileSync(path, 'utf8'));
    delete old.contracts.firmwareRegistry;
    writeFileSync(path, JSON.stringify(old));
    const missing = await pythia(at('firmware', 'list'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no firmware registry: run `pythia up`/);

    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
    assert.equal(stack.deployed, false);
    assert.equal(stack.deployment.contracts.fleet, old.contracts.fleet);
    const added = stack.deployment.contracts.firmwareRegistry;
    assert.ok(added);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).contracts.firmwareRegistry, added);
    const listed = await pythia(at('firmware', 'list', '--json'));
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });
});
