import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Address } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { acknowledgeOwner } from '../../src/chain/deviceOwnership.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import {
  createRegistrationRequest,
  generateDeviceKey,
  saveDeviceKey,
  signOwnerAcknowledgement,
  type DeviceKey,
} from '../../src/sdk/index.js';
import { airQualityProfile } from '../../src/protocol/airQuality.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';
import { pythiaAt, runPythia } from './runPythia.js';

const passphrase = 'ownership-test-passphrase-not-a-secret';
const pythia = (args: string[]) => runPythia(args, passphrase);

describe('device identity and ownership through the CLI', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-ownership-'));
  const dataDir = join(dir, 'node');
  let stack: Stack;
  /** Accounts with their keystore files: a manufacturer, two buyers, and one with no gas money. */
  const people: Record<'manufacturer' | 'alice' | 'bob' | 'carol', { key: DeviceKey; file: string }> = {} as never;
  const { ok, json, refused } = pythiaAt(dataDir, passphrase);
  const saveKey = async (name: string, key: DeviceKey = generateDeviceKey()) => {
    const file = join(dir, `${name}.json`);
    await saveDeviceKey(file, key, passphrase, { scryptN: LIGHT_SCRYPT.n });
    return { key, file };
  };
  let devices: DeviceKey[];
  let deviceFiles: string[];

  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, mqtt: false, scryptN: LIGHT_SCRYPT.n });
    const { publicClient } = createChainClients(stack.deployment);
    for (const name of ['manufacturer', 'alice', 'bob', 'carol'] as const) {
      people[name] = await saveKey(name);
      if (name !== 'carol') await fundOnAnvil(publicClient, people[name].key.deviceId);
    }
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify(airQualityProfile));
    await ok(['profile', 'set', '--class', '1', '--file', profile]);
    devices = [generateDeviceKey(), generateDeviceKey()];
    deviceFiles = [];
    for (const [i, key] of devices.entries()) {
      deviceFiles.push((await saveKey(`device-${i}`, key)).file);
      writeFileSync(join(dir, `request-${i}.json`), JSON.stringify(createRegistrationRequest(key, { classId: 1 })));
    }
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has --help on every new command', async () => {
    // Each run is its own process (~2 s of start-up): run them side by side.
    const commands = [
      ['device', 'did'],
      ['device', 'owner'],
      ['device', 'transfer'],
      ['device', 'cancel-transfer'],
      ['device', 'accept'],
      ['device', 'rotate-key'],
      ['device', 'revoke-key'],
      ['device', 'provision'],
      ['manufacturer'],
      ['manufacturer', 'assign'],
      ['manufacturer', 'show'],
    ];
    const runs = await Promise.all(commands.map((command) => pythia([...command, '--help'])));
    for (const [i, command] of commands.entries()) {
      const run = runs[i]!;
      assert.equal(run.code, 0, `${command.join(' ')} --help: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`Usage: pythia ${command.join(' ')}`));
    }
    const transferHelp = await pythia(['device', 'transfer', '--help']);
    assert.match(transferHelp.stdout, /operator key/, 'says who owns a directly registered device first');
  });

  it('refuses bad arguments with exit code 2 before touching the chain', async () => {
    const device = devices[0]!.deviceId;
    await refused(['device', 'transfer', device], 2, /--to/);
    await refused(['device', 'transfer', device, '--to', '0x1234'], 2, /not a device id \/ address/);
    await refused(['device', 'transfer', device, '--to', '0x0000000000000000000000000000000000000000'], 2, /zero address/);
    await refused(['device', 'transfer', 'nonsense', '--to', people.alice.key.deviceId], 2, /not a device id/);
    await refused(['device', 'owner', '0xabc'], 2, /not a device id/);
    await refused(['device', 'did', 'did:example:123'], 2, /not a did:pythia/);
    await refused(['device', 'did', `did:pythia:1:${device}`], 2, /names chain 1/);
    await refused(['device', 'provision', '--manufacturer-key', people.manufacturer.file, '--class', '1'], 2, /at least one device/);
    await refused(
      ['device', 'provision', '--manufacturer-key', people.manufacturer.file, '--class', '70000', devices[0]!.publicKey],
      2,
      /class must be between/,
    );
    await refused(
      ['device', 'provision', '--manufacturer-key', people.manufacturer.file, '--class', '2', '--request', join(dir, 'request-0.json')],
      2,
      /is for class 1/,
    );
    await refused(
      [
        'device',
        'provision',
        '--manufacturer-key',
        people.manufacturer.file,
        '--class',
        '1',
        '--request',
        join(dir, 'request-0.json'),
        devices[0]!.publicKey,
      ],
      2,
      /listed twice/,
    );
    await refused(
      ['device', 'provision', '--manufacturer-key', people.manufacturer.file, '--class', '1', '0x1234'],
      2,
      /public key must be 64 bytes/,
    );
    await refused(['device', 'revoke-key', device, '--reason', ' '], 2, /--reason must be 1 to 256 bytes/);
    await refused(['device', 'rotate-key', device, '--old-key', deviceFiles[0]!, '--new-key', deviceFiles[0]!], 2, /same file/);
    await refused(['manufacturer', 'assign', 'one', people.manufacturer.key.deviceId], 2, /class must be an integer/);
    await refused(['manufacturer', 'assign', '1', '0x0000000000000000000000000000000000000000'], 2, /zero address/);
  });

  it('walks a device from its manufacturer to a first and a second owner', async () => {
    const manufacturer = people.manufacturer.key.deviceId;
    const alice = people.alice.key.deviceId;
    const bob = people.bob.key.deviceId;
    const [device, other] = devices.map((d) => d.deviceId) as [Address, Address];

    await refused(
      ['device', 'provision', '--manufacturer-key', people.manufacturer.file, '--class', '1', devices[0]!.publicKey],
      1,
      /class 1 has no manufacturer/,
    );
    const assigned = await json(['manufacturer', 'assign', '1', manufacturer]);
    assert.equal(assigned.manufacturer, manufacturer);
    assert.equal(assigned.executed, true, 'through the timelock, at once: a local deployment has no delay');
    assert.equal((await json(['manufacturer', 'show', '1'])).manufacturer, manufacturer);
    await refused(
      ['device', 'provision', '--manufacturer-key', people.alice.file, '--class', '1', devices[0]!.publicKey],
      1,
      /belongs to manufacturer/,
    );

    const provisioned = await json([
      'device',
      'provision',
      '--manufacturer-key',
      people.manufacturer.file,
      '--class',
      '1',
      '--request',
      join(dir, 'request-0.json'),
      '--request',
      join(dir, 'request-1.json'),
    ]);
    assert.deepEqual(
      provisioned.devices.map((d: { device: Address }) => d.device),
      [device, other],
    );
    await refused(
      ['device', 'provision', '--manufacturer-key', people.manufacturer.file, '--class', '1', devices[0]!.publicKey],
      1,
      /DeviceAlreadyRegistered/,
    );

    const first = await json(['device', 'owner', device]);
    assert.deepEqual(first, { device, owner: manufacturer, epoch: '1', pendingOffer: null, acknowledgedEpoch: '0', acknowledged: false });

    const chainId = stack.deployment.chainId;
    const human = await ok(['device', 'did', device]);
    assert.match(human.stdout, new RegExp(`^did +did:pythia:${chainId}:${device}$`, 'm'), 'labelled lines without --json');
    assert.match(human.stdout, new RegExp(`^manufacturer +${manufacturer}$`, 'm'));
    assert.match(human.stdout, /^status +active$/m);
    const resolved = JSON.parse((await ok(['device', 'did', `did:pythia:${chainId}:${device}`, '--json'])).stdout);
    assert.equal(resolved.didDocument.id, `did:pythia:${chainId}:${device}`);
    assert.equal(resolved.didDocument.controller, `did:pkh:eip155:${chainId}:${manufacturer}`);
    assert.equal(resolved.didDocument.verificationMethod[0].blockchainAccountId, `eip155:${chainId}:${device}`);
    assert.equal(resolved.didDocumentMetadata.pythia.manufacturer, manufacturer);
    assert.equal(resolved.didDocumentMetadata.pythia.provenanceSignature, provisioned.devices[0].provenanceSignature);

    // manufacturer → alice
    await refused(
      ['device', 'transfer', device, '--to', alice, '--signer-key', people.bob.file],
      1,
      /does not own this device.*\[NotDeviceOwner\]/,
    );
    await ok(['device', 'transfer', device, '--to', alice, '--signer-key', people.manufacturer.file]);
    assert.equal((await json(['device', 'owner', device])).pendingOffer, alice);
    await refused(['device', 'accept', device, '--signer-key', people.bob.file], 1, /NotOfferedTo/);
    const accepted = await json(['device', 'accept', device, '--signer-key', people.alice.file]);
    assert.equal(accepted.owner, alice);
    assert.equal(accepted.epoch, '2');
    await refused(['device', 'accept', device, '--signer-key', people.alice.file], 1, /NoPendingOffer/);
    await refused(['device', 'transfer', device, '--to', bob, '--signer-key', people.manufacturer.file], 1, /NotDeviceOwner/);

    // alice → bob, with a change of mind on the way
    await ok(['device', 'transfer', device, '--to', bob, '--signer-key', people.alice.file]);
    await ok(['device', 'cancel-transfer', device, '--signer-key', people.alice.file]);
    await refused(['device', 'accept', device, '--signer-key', people.bob.file], 1, /NoPendingOffer/);
    await ok(['device', 'transfer', device, '--to', bob, '--signer-key', people.alice.file]);
    await ok(['device', 'accept', device, '--signer-key', people.bob.file]);
    const second = await json(['device', 'owner', device]);
    assert.equal(second.owner, bob);
    assert.equal(second.epoch, '3');
    assert.equal(second.acknowledged, false);

    // The device acknowledges its new owner (relayed by its Pythia: the gateway's part, here the library call).
    const clients = createChainClients(stack.deployment);
    const acknowledgement = signOwnerAcknowledgement({
      key: devices[0]!,
      chainId,
      ownershipContract: stack.deployment.contracts.deviceOwnership!,
      owner: bob,
      epoch: 3,
    });
    await acknowledgeOwner({
      clients,
      account: stack.roles.relayer,
      address: stack.deployment.contracts.deviceOwnership!,
      device,
      epoch: 3,
      signature: acknowledgement.signature,
    });
    const acknowledged = await ok(['device', 'owner', device]);
    assert.match(acknowledged.stdout, /acknowledged\s+yes/);
    const did = await json(['device', 'did', device]);
    assert.equal(did.didDocument.controller, `did:pkh:eip155:${chainId}:${bob}`);
    assert.equal(did.didDocumentMetadata.pythia.ownershipEpoch, '3');
    assert.equal(did.didDocumentMetadata.pythia.ownerAcknowledged, true);

    // bob rotates the device's key: both device keys sign, bob sends.
    const next = await saveKey('device-0-next');
    await refused(
      ['device', 'rotate-key', device, '--old-key', deviceFiles[1]!, '--new-key', next.file, '--signer-key', people.bob.file],
      1,
      /is not the current key/,
    );
    await refused(
      ['device', 'rotate-key', device, '--old-key', deviceFiles[0]!, '--new-key', next.file, '--signer-key', people.alice.file],
      1,
      /NotDeviceOwner/,
    );
    const rotated = await json([
      'device',
      'rotate-key',
      device,
      '--old-key',
      deviceFiles[0]!,
      '--new-key',
      next.file,
      '--signer-key',
      people.bob.file,
    ]);
    assert.equal(rotated.signer, next.key.deviceId);
    const afterRotation = await json(['device', 'did', device]);
    assert.equal(afterRotation.didDocument.id, `did:pythia:${chainId}:${device}`);
    assert.match(afterRotation.didDocument.verificationMethod[0].id, /#key-1$/);
    assert.equal(afterRotation.didDocument.verificationMethod[0].blockchainAccountId, `eip155:${chainId}:${next.key.deviceId}`);
    assert.deepEqual(afterRotation.didDocumentMetadata.pythia.previousSigners, [device]);
  });

  it('says when a signer cannot pay for gas, and refuses to move a suspended device', async () => {
    const other = devices[1]!.deviceId;
    const carol = people.carol.key.deviceId;
    await ok(['device', 'transfer', other, '--to', carol, '--signer-key', people.manufacturer.file]);
    const unfunded = await refused(['device', 'accept', other, '--signer-key', people.carol.file], 1, /cannot pay for gas/);
    assert.match(unfunded.stderr, new RegExp(carol));
    assert.equal((await json(['device', 'owner', other])).owner, people.manufacturer.key.deviceId, 'nothing moved');

    await ok(['device', 'suspend', other, '--reason', 'reported stolen']);
    await refused(
      ['device', 'transfer', other, '--to', people.alice.key.deviceId, '--signer-key', people.manufacturer.file],
      1,
      /device not active \(device 0x[0-9a-fA-F]{40}, status suspended\): the device is suspended or revoked.*\[DeviceNotActive\]/,
    );

    // A stranger may not revoke it; the operator (default signer) may.
    await refused(['device', 'revoke-key', other, '--reason', 'mine', '--yes', '--signer-key', people.alice.file], 1, /NotOwnerOrOperator/);
    const revoked = await json(['device', 'revoke-key', other, '--reason', 'key extracted from the stolen unit', '--yes']);
    assert.equal(revoked.status, 'revoked');
    const did = await json(['device', 'did', other]);
    assert.equal(did.didDocumentMetadata.deactivated, true);
    assert.deepEqual(did.didDocument.verificationMethod, []);
  });

  it('treats the operator as first owner of a directly registered device', async () => {
    const key = generateDeviceKey();
    await ok(['device', 'register', key.publicKey, '--class', '1']);
    const owner = await json(['device', 'owner', key.deviceId]);
    assert.equal(owner.owner, stack.deployment.roles.operator);
    const did = await json(['device', 'did', key.deviceId]);
    assert.equal(did.didDocumentMetadata.pythia.manufacturer, null);
    assert.equal(did.didDocumentMetadata.pythia.registrar, stack.deployment.roles.operator);
    await ok(['device', 'transfer', key.deviceId, '--to', people.alice.key.deviceId]);
    await ok(['device', 'accept', key.deviceId, '--signer-key', people.alice.file]);
    assert.equal((await json(['device', 'owner', key.deviceId])).owner, people.alice.key.deviceId);

    const unknown = generateDeviceKey().deviceId;
    await refused(['device', 'owner', unknown], 1, /unknown device/);
    await refused(['device', 'did', unknown], 1, /unknown device/);
    await refused(['device', 'transfer', unknown, '--to', people.alice.key.deviceId], 1, /UnknownDeviceToken/);
  });
});
