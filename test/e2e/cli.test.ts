import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { airQualityProfile } from '../../src/protocol/airQuality.js';
import { createRegistrationRequest, generateDeviceKey } from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from './runPythia.js';

const passphrase = 'cli-test-passphrase-not-a-secret';

const pythia = (args: string[], options: { passphrase?: string } = {}) => runPythia(args, options.passphrase ?? passphrase);

describe('the pythia CLI against a running node', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-cli-'));
  const dataDir = join(dir, 'node');
  const at = (...args: string[]) => [...args, '--data-dir', dataDir];
  let stack: Stack;

  before(async () => {
    stack = await startStack({ dataDir, passphrase, chain: 'anvil', gatewayPort: 0, scryptN: LIGHT_SCRYPT.n });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has --help on every command', async () => {
    for (const command of [
      [],
      ['up'],
      ['demo'],
      ['device'],
      ['device', 'register'],
      ['device', 'keygen'],
      ['device', 'show'],
      ['device', 'suspend'],
      ['device', 'reinstate'],
      ['device', 'revoke'],
      ['device', 'list'],
      ['profile'],
      ['profile', 'set'],
      ['profile', 'show'],
    ]) {
      const run = await pythia([...command, '--help']);
      assert.equal(run.code, 0, `${command.join(' ')} --help: ${run.stderr}`);
      assert.match(run.stdout, /Usage: pythia/);
    }
  });

  it('refuses bad arguments with a reason on stderr and exit code 2, before touching the chain', async () => {
    const badId = await pythia(at('device', 'show', 'not-an-address'));
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /not a device id/);
    assert.equal(badId.stdout, '');

    const badDuration = await pythia(['demo', '--duration', 'soon']);
    assert.equal(badDuration.code, 2);
    assert.match(badDuration.stderr, /duration must be an integer/);

    const contradictory = join(dir, 'bad-profile.json');
    writeFileSync(contradictory, JSON.stringify({ ...airQualityProfile, minValue: [9000, 0, 0, 0, 0, 0] }));
    const badProfile = await pythia(at('profile', 'set', '--class', '1', '--file', contradictory));
    assert.equal(badProfile.code, 2);
    assert.match(badProfile.stderr, /profile\.minValue\[0\] is above maxValue\[0\]/);

    const both = await pythia(at('profile', 'show', '--class', '1', '--device', '0x0000000000000000000000000000000000000001'));
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of --class/);
  });

  it('sets and shows a class profile', async () => {
    const file = join(dir, 'profile.json');
    writeFileSync(file, JSON.stringify(airQualityProfile));
    const set = await pythia(at('profile', 'set', '--class', '1', '--file', file, '--json'));
    assert.equal(set.code, 0, set.stderr);
    assert.match(JSON.parse(set.stdout).transactionHash, /^0x[0-9a-f]{64}$/);
    const show = await pythia(at('profile', 'show', '--class', '1', '--json'));
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout);
    assert.equal(shown.version, 1);
    assert.deepEqual(shown.profile.maxValue, [...airQualityProfile.maxValue]);
    const missing = await pythia(at('profile', 'show', '--class', '9'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no profile set for class 9/);
  });

  it('takes a device from key generation through registration, suspension, reinstatement and revocation', async () => {
    const keyFile = join(dir, 'device-key.json');
    const requestFile = join(dir, 'device-request.json');
    const keygen = await pythia(['device', 'keygen', '--key-file', keyFile, '--request-out', requestFile, '--class', '1', '--json']);
    assert.equal(keygen.code, 0, keygen.stderr);
    const { device } = JSON.parse(keygen.stdout);
    assert.match(readFileSync(keyFile, 'utf8'), /"crypto"/i, 'the device key is stored encrypted');

    const again = await pythia(['device', 'keygen', '--key-file', keyFile, '--request-out', requestFile, '--class', '1']);
    assert.equal(again.code, 2, 'an existing device key is never overwritten');

    const forged = join(dir, 'forged-request.json');
    const request = JSON.parse(readFileSync(requestFile, 'utf8'));
    writeFileSync(forged, JSON.stringify({ ...request, classId: 2 }));
    const refused = await pythia(at('device', 'register', '--request', forged));
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refused/);

    const wrongKey = await pythia(at('device', 'register', '--request', requestFile), { passphrase: 'not the passphrase' });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /cannot open the operator key/);

    const registered = await pythia(at('device', 'register', '--request', requestFile, '--json'));
    assert.equal(registered.code, 0, registered.stderr);
    assert.equal(JSON.parse(registered.stdout).device, device);

    const twice = await pythia(at('device', 'register', '--request', requestFile));
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /DeviceAlreadyRegistered/);

    const status = async () => JSON.parse((await pythia(at('device', 'show', device, '--json'))).stdout).status;
    assert.equal(await status(), 'active');
    const unconfirmed = await pythia(at('device', 'revoke', device, '--reason', 'cli test revoke', '--json'));
    assert.equal(unconfirmed.code, 2, 'a ban for good needs --yes without a terminal');
    assert.match(unconfirmed.stderr, /revoking device 0x[0-9a-fA-F]{40} bans it for good: run the command again with --yes to confirm/);
    assert.equal(JSON.parse(unconfirmed.stdout).error.code, 'usage');
    assert.equal(await status(), 'active', 'nothing was sent');
    for (const [command, expected] of [
      ['suspend', 'suspended'],
      ['reinstate', 'active'],
      ['revoke', 'revoked'],
    ] as const) {
      const confirmed = command === 'revoke' ? ['--yes'] : [];
      const run = await pythia(at('device', command, device, '--reason', `cli test ${command}`, ...confirmed, '--json'));
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).status, expected);
      assert.equal(await status(), expected);
    }
    const revive = await pythia(at('device', 'reinstate', device, '--reason', 'no'));
    assert.equal(revive.code, 1);
    // The custom error in words, its enum argument by name (not 3), the name last for searching.
    assert.match(
      revive.stderr,
      /^error: the contract refused: invalid status transition \(device 0x[0-9a-fA-F]{40}, current revoked\): .*\[InvalidStatusTransition\]\n$/,
    );
    const reviveJson = await pythia(at('device', 'reinstate', device, '--reason', 'no', '--json'));
    assert.equal(reviveJson.code, 1);
    assert.deepEqual(JSON.parse(reviveJson.stdout).error.contractError, {
      name: 'InvalidStatusTransition',
      args: { device, current: 'revoked' },
    });
    assert.equal(JSON.parse(reviveJson.stdout).error.code, 'contract-refused');

    const list = await pythia(at('device', 'list', '--json'));
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      JSON.parse(list.stdout).map((d: { device: string; status: string }) => [d.device, d.status]),
      [[device, 'revoked']],
    );
  });

  it('registers several registration requests in one transaction, all or none (docs/protocol.md, "Registration request")', async () => {
    const request = (name: string, classId = 1, metadata?: Record<string, unknown>) => {
      const key = generateDeviceKey();
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(createRegistrationRequest(key, { classId, ...(metadata && { metadata }) })));
      return { key, file };
    };
    const shown = async (device: string) => (await pythia(at('device', 'show', device, '--json'))).code === 0;
    const site = { name: 'Market Square', latitude: 52.2053, longitude: 0.1218 };
    const nowhere = request('nowhere', 1, { latitude: 95, longitude: 0 });
    const badSite = await pythia(at('device', 'register', '--request', nowhere.file));
    assert.equal(badSite.code, 2);
    assert.match(badSite.stderr, /metadata latitude and longitude must both be numbers/);
    assert.equal(await shown(nowhere.key.deviceId), false);
    const [a, b] = [request('a', 1, site), request('b')];
    const both = await pythia(at('device', 'register', '--request', a.file, '--request', b.file, '--json'));
    assert.equal(both.code, 0, both.stderr);
    const registered = JSON.parse(both.stdout);
    assert.deepEqual(registered.devices, [a.key.deviceId, b.key.deviceId]);
    assert.equal(registered.classId, 1);
    assert.ok((await shown(a.key.deviceId)) && (await shown(b.key.deviceId)), 'both are registered');
    assert.deepEqual(
      JSON.parse(readFileSync(join(dataDir, 'device-metadata.json'), 'utf8')),
      { [a.key.deviceId]: site },
      "the request's site is kept by the node, for the console's map",
    );

    const [c, otherClass] = [request('c'), request('d', 2)];
    const mixed = await pythia(at('device', 'register', '--request', c.file, '--request', otherClass.file));
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /is for class 2, the ones before it for class 1: register each class separately/);
    const twice = await pythia(at('device', 'register', '--request', c.file, '--request', c.file));
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /is listed twice/);
    const oneKnown = await pythia(at('device', 'register', '--request', c.file, '--request', a.file));
    assert.equal(oneKnown.code, 1);
    assert.match(oneKnown.stderr, /DeviceAlreadyRegistered/);
    assert.equal(await shown(c.key.deviceId), false, 'none of a refused set is registered');
  });

  it('says where the deployment is missing: exit code 3, and the command that starts one', async () => {
    const nowhere = join(dir, 'nowhere');
    const run = await pythia(['device', 'list', '--data-dir', nowhere]);
    assert.equal(run.code, 3);
    assert.equal(
      run.stderr,
      `error: Pythia has not been started on this data directory (${nowhere}): start it with \`pythia up --data-dir ${nowhere}\`\n`,
    );
    const json = await pythia(['device', 'list', '--data-dir', nowhere, '--json']);
    assert.equal(json.code, 3);
    assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'not-set-up', exitCode: 3, message: run.stderr.slice(7, -1) } });
  });

  // Last: it stops the node.
  it('says that Pythia is not running once its node is stopped: exit code 3, no library dump, for reads and writes', async () => {
    const device = '0xbd9302f395cd8356bb228dBB2e118893FE6D45d7';
    await stack.stop();
    const expected = `error: Pythia is not running on this data directory (${dataDir}); start it with \`pythia up --data-dir ${dataDir}\`\n`;
    for (const args of [
      ['device', 'show', device],
      ['device', 'list'],
      ['device', 'suspend', device, '--reason', 'node down'],
      ['profile', 'show', '--class', '1'],
    ]) {
      const run = await pythia(at(...args));
      assert.equal(run.code, 3, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr, expected, args.join(' '));
      const json = await pythia(at(...args, '--json'));
      assert.equal(json.code, 3);
      assert.deepEqual(JSON.parse(json.stdout), { error: { code: 'node-unreachable', exitCode: 3, message: expected.slice(7, -1) } });
    }
  });
});
