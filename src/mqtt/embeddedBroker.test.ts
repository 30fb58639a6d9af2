import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { createChainClients, type ChainClients } from '../chain/clients.js';
import { rotateDeviceKey } from '../chain/deviceIdentity.js';
import { DeviceDirectory } from '../gateway/core/deviceDirectory.js';
import { createGatewayPublicClient } from '../gateway/server.js';
import { signConnectToken } from '../protocol/mqttConnectToken.js';
import { deviceTopic } from '../protocol/mqttTopics.js';
import { generateDeviceKey, type DeviceKey } from '../sdk/index.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embeddedBroker.js';
import { closedByBroker, rawDevice } from './mqttTestKit.js';

/**
 * The embedded broker's logins against a real Anvil with the real contracts: the device's CURRENT
 * key and status, single-use tokens, one connection and one persistent session per device, and
 * sessions dropped when the chain rotates a key or revokes a device.
 */
let chain: TestChain;
let clients: ChainClients;
let directory: DeviceDirectory;
let broker: EmbeddedBroker;
const lines: Record<string, unknown>[] = [];
const logger = {
  debug() {},
  info() {},
  error() {},
  warn(fields: Record<string, unknown>) {
    lines.push(fields);
  },
} as never;

async function registered(): Promise<DeviceKey> {
  const key = generateDeviceKey();
  await chain.registerDevice(key.publicKey);
  return key;
}

/** A CONNECT with this password: resolves with the CONNACK return code (0 = accepted). */
async function connectCode(options: {
  device: string;
  clientId: string;
  password: string;
  clean?: boolean;
}): Promise<{ code: number; client?: mqtt.MqttClient }> {
  try {
    const client = await mqtt.connectAsync(broker.url, {
      clientId: options.clientId,
      username: options.device.toLowerCase(),
      password: options.password,
      protocolVersion: 4,
      reconnectPeriod: 0,
      clean: options.clean ?? true,
    });
    client.on('error', () => {});
    return { code: 0, client };
  } catch (error) {
    return { code: (error as { code?: number }).code ?? -1 };
  }
}

const token = (key: Pick<DeviceKey, 'privateKey'>, clientId: string, now?: number) =>
  signConnectToken({ privateKey: key.privateKey, chainId: chain.chainId, clientId, ...(now !== undefined && { now }) });

before(async () => {
  chain = await startTestChain();
  clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
  directory = new DeviceDirectory({
    publicClient: createGatewayPublicClient(chain.rpcUrl, chain.chainId),
    fleetAddress: chain.fleetAddress,
    watchIntervalMs: 100,
  });
  await directory.startWatching();
  broker = await startEmbeddedBroker({ directory, chainId: chain.chainId, port: 0, logger, maxOfflineMessages: 3 });
});

after(async () => {
  await broker?.close();
  await directory?.stopWatching();
  await chain?.stop();
});

describe('embedded broker: who may log in', () => {
  it('after rotate-key the retired key is refused and the new key logs in; the old session is dropped', async () => {
    const key = await registered();
    const old = await rawDevice(broker.url, key, chain.chainId);
    const next = generateDeviceKey();
    await rotateDeviceKey({
      clients,
      account: chain.operator,
      address: chain.identityAddress,
      device: key.deviceId,
      oldKey: key,
      newKey: next,
    });
    await closedByBroker(old.client, 5000);

    const retired = await connectCode({
      device: key.deviceId,
      clientId: `${key.deviceId.toLowerCase()}-a`,
      password: token(key, `${key.deviceId.toLowerCase()}-a`),
    });
    assert.equal(retired.code, 4, 'the retired key: bad user name or password');
    const fresh = await rawDevice(broker.url, { privateKey: next.privateKey, deviceId: key.deviceId }, chain.chainId);
    assert.equal(fresh.client.connected, true, 'the new key logs in as the same device id');
    await fresh.client.endAsync();
    assert.ok(
      lines.some((l) => l.security === 'login_refused' && l.device === key.deviceId.toLowerCase()),
      'the refusal is logged',
    );
  });

  it('a revoked device is refused, and its open session is dropped when the chain revokes it', async () => {
    const key = await registered();
    const open = await rawDevice(broker.url, key, chain.chainId);
    await chain.revokeDevice(key.deviceId);
    await closedByBroker(open.client, 5000);
    const id = `${key.deviceId.toLowerCase()}-b`;
    assert.equal((await connectCode({ device: key.deviceId, clientId: id, password: token(key, id) })).code, 5, 'not authorised');
  });

  it('an unknown device and a token for another client id are refused', async () => {
    const stranger = generateDeviceKey();
    const id = `${stranger.deviceId.toLowerCase()}-c`;
    assert.equal((await connectCode({ device: stranger.deviceId, clientId: id, password: token(stranger, id) })).code, 5);
    const key = await registered();
    const other = `${key.deviceId.toLowerCase()}-d`;
    assert.equal((await connectCode({ device: key.deviceId, clientId: other, password: token(key, `${other}x`) })).code, 4);
  });

  it('a CONNECT token logs in once: a captured token cannot log in again nor take over the session', async () => {
    const key = await registered();
    const id = `${key.deviceId.toLowerCase()}-e`;
    const password = token(key, id);
    const first = await connectCode({ device: key.deviceId, clientId: id, password });
    assert.equal(first.code, 0);
    const replay = await connectCode({ device: key.deviceId, clientId: id, password });
    assert.equal(replay.code, 4, 'the same token again: refused');
    assert.equal(first.client!.connected, true, 'the session was not taken over');
    await first.client!.endAsync();
  });

  it('one connection per device: a new login closes the older one', async () => {
    const key = await registered();
    const a = await rawDevice(broker.url, key, chain.chainId);
    const b = await rawDevice(broker.url, key, chain.chainId);
    await closedByBroker(a.client, 5000);
    assert.equal(b.client.connected, true);
    await b.client.endAsync();
  });

  it('a persistent session only under the device id itself; its offline queue is bounded', async () => {
    const key = await registered();
    const device = key.deviceId.toLowerCase();
    const other = `${device}-f`;
    assert.equal(
      (await connectCode({ device, clientId: other, password: token(key, other), clean: false })).code,
      2,
      'identifier rejected',
    );

    const now = Math.floor(Date.now() / 1000);
    const first = await connectCode({ device, clientId: device, password: token(key, device, now), clean: false });
    assert.equal(first.code, 0);
    await first.client!.subscribeAsync(deviceTopic(device, 'commands'), { qos: 1 });
    await first.client!.endAsync();
    // The gateway publishes 6 commands while the device is away: at most 3 are kept.
    const gateway = await mqtt.connectAsync(broker.url, {
      ...broker.gatewayCredentials,
      clientId: 'gateway-test',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    for (let i = 0; i < 6; i++) await gateway.publishAsync(deviceTopic(device, 'commands'), `command ${i}`, { qos: 1 });
    await gateway.endAsync();
    const received: string[] = [];
    const back = await mqtt.connectAsync(broker.url, {
      clientId: device,
      username: device,
      password: token(key, device, now + 1),
      protocolVersion: 4,
      reconnectPeriod: 0,
      clean: false,
    });
    back.on('message', (_topic, payload) => received.push(payload.toString()));
    await new Promise((r) => setTimeout(r, 500));
    await back.endAsync();
    assert.deepEqual(received, ['command 0', 'command 1', 'command 2'], 'the first 3 are delivered, the rest were dropped');
  });
});
