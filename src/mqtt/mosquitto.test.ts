import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { createMqttDeviceClient, generateDeviceKey, signReading, type DeviceKey } from '../sdk/index.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { startMqttChannel, type MqttChannel } from './channel.js';
import { deviceTopic } from '../protocol/mqttTopics.js';

/**
 * The MQTT channel against Debian's Mosquitto (an external broker, MQTT 5 and 3.1.1), started
 * here on a free loopback port with a generated password file and the ACL of docs/protocol.md.
 */
const which = (name: string): string | undefined => {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
};
const mosquittoBin = which('mosquitto');
const passwdBin = which('mosquitto_passwd');
const skip =
  !mosquittoBin || !passwdBin ? 'mosquitto is not installed (apt-get install -y mosquitto): skipping the external-broker tests' : false;

let chain: TestChain;
let dir: string;
let gateway: RunningGateway;
let channel: MqttChannel;
let broker: ChildProcess;
let url: string;
const passwords = new Map<string, string>();
let victim: DeviceKey;
let attacker: DeviceKey;
const MAX_PACKET = 4096;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

const connect = (username: string, protocolVersion: 4 | 5 = 5): Promise<MqttClient> =>
  mqtt.connectAsync(url, { username, password: passwords.get(username)!, protocolVersion, reconnectPeriod: 0, connectTimeout: 3000 });

const domain = () => ({ chainId: chain.chainId, verifyingContract: chain.fleetAddress });
const reading = (key: DeviceKey, sequence: number, device = key.deviceId) => ({
  ...signReading({ key, domain: domain(), sequence, timestamp: Math.floor(Date.now() / 1000), payload: '0x007b00fb013001c40866157c' }),
  device,
});

function nextOn(client: MqttClient, topic: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${topic}`)), timeoutMs);
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
    };
    client.on('message', onMessage);
  });
}

describe('MQTT channel, external Mosquitto broker', { skip }, () => {
  before(async () => {
    chain = await startTestChain();
    dir = mkdtempSync(join(tmpdir(), 'pythia-mosquitto-'));
    victim = generateDeviceKey();
    attacker = generateDeviceKey();
    await chain.registerDevice(victim.publicKey);
    await chain.registerDevice(attacker.publicKey);
    const users = ['pythia-gateway', victim.deviceId.toLowerCase(), attacker.deviceId.toLowerCase(), 'rogue'];
    const passwordFile = join(dir, 'passwd');
    for (const [i, user] of users.entries()) {
      const password = `${Math.random().toString(36).slice(2)}${Date.now()}`;
      passwords.set(user, password);
      const r = spawnSync(passwdBin!, [...(i === 0 ? ['-c'] : []), '-b', passwordFile, user, password]);
      assert.equal(r.status, 0, r.stderr.toString());
    }
    writeFileSync(
      join(dir, 'acl'),
      [
        'user pythia-gateway',
        'topic read pythia/v1/devices/+/readings',
        'topic read pythia/v1/devices/+/questions',
        'topic read pythia/v1/devices/+/proof-requests',
        'topic write pythia/v1/devices/+/acks',
        'topic write pythia/v1/devices/+/answers',
        'topic write pythia/v1/devices/+/commands',
        'topic write pythia/v1/devices/+/proofs',
        '',
        '# a misconfigured account: may write any device topic (the gateway must still refuse forgeries)',
        'user rogue',
        'topic write pythia/v1/devices/+/readings',
        '',
        'pattern write pythia/v1/devices/%u/readings',
        'pattern write pythia/v1/devices/%u/questions',
        'pattern write pythia/v1/devices/%u/proof-requests',
        'pattern read pythia/v1/devices/%u/acks',
        'pattern read pythia/v1/devices/%u/answers',
        'pattern read pythia/v1/devices/%u/commands',
        'pattern read pythia/v1/devices/%u/proofs',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        `password_file ${passwordFile}`,
        `acl_file ${join(dir, 'acl')}`,
        `max_packet_size ${MAX_PACKET}`,
        'persistence false',
        'log_dest stderr',
        // as root, mosquitto drops to user "mosquitto", which cannot read this test's private files
        `user ${userInfo().username}`,
        '',
      ].join('\n'),
    );
    broker = spawn(mosquittoBin!, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let brokerLog = '';
    broker.stderr!.on('data', (chunk: Buffer) => {
      brokerLog += chunk.toString();
    });
    url = `mqtt://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await (await connect('pythia-gateway')).endAsync();
        break;
      } catch (error) {
        if (i > 50) throw new Error(`mosquitto did not start: ${String(error)}\n${brokerLog}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    gateway = await startGateway({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      fleetAddress: chain.fleetAddress,
      relayerAccount: chain.relayer,
      dbPath: join(dir, 'gateway.sqlite'),
      port: 0,
    });
    channel = await startMqttChannel({
      services: gateway.app.pythia,
      brokerUrl: url,
      username: 'pythia-gateway',
      password: passwords.get('pythia-gateway')!,
    });
  });

  after(async () => {
    await channel?.close();
    await gateway?.close();
    broker?.kill('SIGTERM');
    await chain?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an SDK device with its Mosquitto password sends a reading and gets the ack (MQTT 5)', async () => {
    const device = await createMqttDeviceClient({
      brokerUrl: url,
      key: victim,
      domain: domain(),
      password: passwords.get(victim.deviceId.toLowerCase())!,
      protocolVersion: 5,
    });
    try {
      const { ack } = await device.sendReading([120, 250, 300, 450, 2150, 5500]);
      assert.equal(ack.status, 202);
    } finally {
      await device.close();
    }
  });

  it('the ACL refuses a publish to another device’s topic and a subscription to its answers', async () => {
    const watcher = await connect(victim.deviceId.toLowerCase());
    const a = await connect(attacker.deviceId.toLowerCase());
    try {
      await watcher.subscribeAsync(deviceTopic(victim.deviceId, 'acks'), { qos: 1 });
      const acks: Buffer[] = [];
      watcher.on('message', (_t, p) => acks.push(p));
      // Mosquitto 2.0.11 drops a denied publish (newer versions answer PUBACK 0x87): either way it never reaches the gateway
      await a.publishAsync(deviceTopic(victim.deviceId, 'readings'), JSON.stringify(reading(attacker, 50)), { qos: 1 }).catch(() => {});
      // Mosquitto grants the SUBSCRIBE but applies the read ACL on delivery: the attacker never gets the victim's messages
      await a.subscribeAsync([deviceTopic(victim.deviceId, 'acks'), deviceTopic(victim.deviceId, 'answers')], { qos: 1 }).catch(() => {});
      const stolen: Buffer[] = [];
      a.on('message', (_t, p) => stolen.push(p));
      const own = nextOn(watcher, deviceTopic(victim.deviceId, 'acks'));
      const v = await connect(victim.deviceId.toLowerCase());
      await v.publishAsync(deviceTopic(victim.deviceId, 'readings'), JSON.stringify(reading(victim, 40)), { qos: 1 });
      await v.endAsync();
      assert.equal((await own).status, 202);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(acks.length, 1, 'only the victim’s own ack: the refused publish never reached the gateway');
      assert.equal(stolen.length, 0, 'another device’s acks are never delivered to the attacker');
    } finally {
      await watcher.endAsync();
      await a.endAsync();
    }
  });

  it('proof requests through Mosquitto: the device is answered on its proofs topic; the ACL keeps a stranger from asking as it or reading its proofs', async () => {
    const v = await connect(victim.deviceId.toLowerCase());
    const a = await connect(attacker.deviceId.toLowerCase());
    try {
      await v.subscribeAsync(deviceTopic(victim.deviceId, 'proofs'), { qos: 1 });
      const answers: Buffer[] = [];
      v.on('message', (t, p) => t === deviceTopic(victim.deviceId, 'proofs') && answers.push(p));
      // Mosquitto grants the SUBSCRIBE but applies the read ACL on delivery; it drops the denied publish.
      await a.subscribeAsync(deviceTopic(victim.deviceId, 'proofs'), { qos: 1 }).catch(() => {});
      const stolen: Buffer[] = [];
      a.on('message', (_t, p) => stolen.push(p));
      await a.publishAsync(deviceTopic(victim.deviceId, 'proof-requests'), '{"ref":"1","proof":"status"}', { qos: 1 }).catch(() => {});
      // The test chain is Anvil, which seals no header: answered as over HTTP, 404 status_proof_unavailable, with the request's ref.
      const own = nextOn(v, deviceTopic(victim.deviceId, 'proofs'));
      await v.publishAsync(deviceTopic(victim.deviceId, 'proof-requests'), '{"ref":"2","proof":"status"}', { qos: 1 });
      const answer = await own;
      assert.deepEqual([answer.ref, answer.status, answer.error], ['2', 404, 'status_proof_unavailable']);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(answers.length, 1, 'only the device’s own request was answered: the stranger’s never reached the gateway');
      assert.equal(stolen.length, 0, 'the device’s proofs are never delivered to the stranger');
    } finally {
      await v.endAsync();
      await a.endAsync();
    }
  });

  it('with a permissive ACL the gateway still refuses forgeries: another device’s reading (topic_mismatch), a bad signature', async () => {
    const watcher = await connect(victim.deviceId.toLowerCase());
    const rogue = await connect('rogue');
    try {
      await watcher.subscribeAsync(deviceTopic(victim.deviceId, 'acks'), { qos: 1 });
      const topic = deviceTopic(victim.deviceId, 'readings');
      let next = nextOn(watcher, deviceTopic(victim.deviceId, 'acks'));
      await rogue.publishAsync(topic, JSON.stringify(reading(attacker, 60)), { qos: 1 });
      assert.equal((await next).error, 'topic_mismatch');
      next = nextOn(watcher, deviceTopic(victim.deviceId, 'acks'));
      await rogue.publishAsync(topic, JSON.stringify(reading(attacker, 61, victim.deviceId)), { qos: 1 });
      assert.equal((await next).error, 'bad_signature');
      assert.equal(gateway.app.pythia.queue.reading(victim.deviceId, 61n), undefined);
    } finally {
      await watcher.endAsync();
      await rogue.endAsync();
    }
  });

  it('a packet over max_packet_size is refused by the broker; the gateway keeps serving', async () => {
    const a = await connect(attacker.deviceId.toLowerCase());
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
    a.publish(deviceTopic(attacker.deviceId, 'readings'), Buffer.alloc(MAX_PACKET * 2, 0x20), { qos: 1 }, () => {});
    await closed;
    a.end(true);
    const b = await connect(attacker.deviceId.toLowerCase());
    try {
      await b.subscribeAsync(deviceTopic(attacker.deviceId, 'acks'), { qos: 1 });
      const next = nextOn(b, deviceTopic(attacker.deviceId, 'acks'));
      await b.publishAsync(deviceTopic(attacker.deviceId, 'readings'), JSON.stringify(reading(attacker, 70)), { qos: 1 });
      assert.equal((await next).status, 202);
    } finally {
      await b.endAsync();
    }
  });
});
