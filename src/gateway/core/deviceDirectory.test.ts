import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { generateDeviceKey } from '../../sdk/index.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { createGatewayPublicClient } from '../server.js';
import { DeviceDirectory, type DeviceChange } from './deviceDirectory.js';

/** The device cache against a real Anvil: bounded whatever strangers name, and its change events. */
let chain: TestChain;
before(async () => {
  chain = await startTestChain();
});
after(async () => {
  await chain?.stop();
});

const directoryOf = (limits: { maxDevices?: number; maxUnknownDevices?: number } = {}) =>
  new DeviceDirectory({
    publicClient: createGatewayPublicClient(chain.rpcUrl, chain.chainId),
    fleetAddress: chain.fleetAddress,
    watchIntervalMs: 50,
    unknownDeviceTtlMs: 60_000,
    ...limits,
  });

it('random unknown ids fill only the bounded "not registered" LRU, never evicting registered devices', async () => {
  const directory = directoryOf({ maxDevices: 10, maxUnknownDevices: 5 });
  const known = generateDeviceKey();
  await chain.registerDevice(known.publicKey);
  assert.equal((await directory.get(known.deviceId)).status, 'active');
  for (let i = 0; i < 40; i++) assert.equal((await directory.get(generateDeviceKey().deviceId)).status, 'none');
  assert.deepEqual(directory.cacheSize(), { devices: 1, unknown: 5 });
  assert.equal(directory.peek(known.deviceId)?.status, 'active', 'the registered device is still cached');
});

it('registered devices are an LRU too', async () => {
  const directory = directoryOf({ maxDevices: 2 });
  const keys = [generateDeviceKey(), generateDeviceKey(), generateDeviceKey()];
  for (const k of keys) await chain.registerDevice(k.publicKey);
  for (const k of keys) await directory.get(k.deviceId);
  assert.equal(directory.cacheSize().devices, 2);
  assert.equal(directory.peek(keys[0]!.deviceId), undefined, 'the least recently used is forgotten (and read again when needed)');
  assert.equal((await directory.get(keys[0]!.deviceId)).status, 'active');
});

it('tells listeners about a revocation seen on chain', async () => {
  const directory = directoryOf();
  const changes: DeviceChange[] = [];
  directory.onChange((change) => changes.push(change));
  await directory.startWatching();
  try {
    const k = generateDeviceKey();
    await chain.registerDevice(k.publicKey);
    await chain.revokeDevice(k.deviceId);
    for (let i = 0; i < 100 && !changes.some((c) => c.kind === 'status' && c.status === 'revoked'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(
      changes.some((c) => c.device === k.deviceId.toLowerCase() && c.kind === 'status' && c.status === 'revoked'),
      JSON.stringify(changes),
    );
  } finally {
    await directory.stopWatching();
  }
});
