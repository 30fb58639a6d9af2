import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encode } from 'cbor2';
import mqtt from 'mqtt';
import { hexToBytes } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startGateway, type RunningGateway } from '../gateway/server.js';
import { signQuestionRequest } from '../answers/signQuestionRequest.js';
import {
  createMqttDeviceClient,
  generateDeviceKey,
  GatewayRejection,
  parseProvisioningBundle,
  signReading,
  type DeviceKey,
  type DeviceStatusAnswer,
  type ProvisioningBundle,
} from '../sdk/index.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { startMqttChannel, type MqttChannel } from './channel.js';
import { signConnectToken } from '../protocol/mqttConnectToken.js';
import { closedByBroker, json, rawDevice } from './mqttTestKit.js';
import { deviceTopic } from '../protocol/mqttTopics.js';

/** The MQTT device channel on the embedded broker (aedes), a real gateway and a real Anvil. */
let chain: TestChain;
let dir: string;
let gateway: RunningGateway;
let channel: MqttChannel;
const pythiaKey = generatePrivateKey();
const pythia = privateKeyToAccount(pythiaKey);
const MAX_MESSAGE = 2048;

const domain = () => ({ chainId: chain.chainId, verifyingContract: chain.fleetAddress });
const bundle = (): ProvisioningBundle =>
  parseProvisioningBundle({
    version: 1,
    chainId: chain.chainId,
    contracts: { fleet: chain.fleetAddress },
    pythiaKeys: [{ address: pythia.address, publicKey: pythia.publicKey, attested: false }],
    attestationPolicy: { requireAttested: false },
    freshness: { maxAgeSeconds: 60, maxAgeBlocks: 50 },
    gatewayUrls: ['http://127.0.0.1:1'],
  });

async function registered(): Promise<DeviceKey> {
  const key = generateDeviceKey();
  await chain.registerDevice(key.publicKey);
  return key;
}

const reading = (key: DeviceKey, sequence: number) =>
  signReading({ key, domain: domain(), sequence, timestamp: Math.floor(Date.now() / 1000), payload: '0x007b00fb013001c40866157c' });

before(async () => {
  chain = await startTestChain();
  dir = mkdtempSync(join(tmpdir(), 'pythia-mqtt-'));
  gateway = await startGateway({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    fleetAddress: chain.fleetAddress,
    relayerAccount: chain.relayer,
    dbPath: join(dir, 'gateway.sqlite'),
    port: 0,
    eventPollIntervalMs: 100,
    answerSigner: { privateKey: pythiaKey },
    answerBlockTtlMs: 0,
  });
  channel = await startMqttChannel({ services: gateway.app.pythia, port: 0, maxMessageBytes: MAX_MESSAGE });
});

after(async () => {
  await channel?.close();
  await gateway?.close();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('MQTT channel, embedded broker', () => {
  it('SDK client: sendReading resolves on the ack once the reading is stored; ask resolves on a verified answer', async () => {
    const key = await registered();
    const device = await createMqttDeviceClient({ brokerUrl: channel.url, key, domain: domain(), bundle: bundle() });
    try {
      const { ack, reading } = await device.sendReading([120, 250, 300, 450, 2150, 5500]);
      assert.equal(ack.status, 202);
      assert.equal(ack.ref, reading.sequence);
      const stored = await fetch(`${gateway.url}/v1/readings/${key.deviceId}/${reading.sequence}`);
      assert.equal(stored.status, 200, 'the acked reading is in the gateway queue (same intake as HTTP)');
      const answer = await device.ask<DeviceStatusAnswer>('device_status', { device: key.deviceId });
      assert.equal(answer.answer.status, 'active');
      assert.equal(answer.signer, pythia.address);
    } finally {
      await device.close();
    }
  });

  it('QoS 1 redelivery: the same reading published twice is stored once and both copies get the original ack', async () => {
    const key = await registered();
    const d = await rawDevice(channel.url, key, chain.chainId);
    try {
      const bytes = Buffer.from(JSON.stringify(reading(key, 7)));
      await d.client.publishAsync(deviceTopic(key.deviceId, 'readings'), bytes, { qos: 1 });
      const first = await d.next('acks');
      await d.client.publishAsync(deviceTopic(key.deviceId, 'readings'), bytes, { qos: 1, dup: true });
      const second = await d.next('acks');
      assert.equal(json(first).status, 202);
      assert.deepEqual(second, first, 'the duplicate is answered with the original ack, byte for byte');
      assert.ok(gateway.app.pythia.queue.reading(key.deviceId, 7n), 'stored (once: the queue holds one row per device and sequence)');
      // a different reading reusing the sequence is refused, not acked
      const other = signReading({ key, domain: domain(), sequence: 7, timestamp: 1, payload: '0x007b00fb013001c40866157c' });
      await d.client.publishAsync(deviceTopic(key.deviceId, 'readings'), JSON.stringify(other), { qos: 1 });
      const refused = json(await d.next('acks'));
      assert.equal(refused.error, 'replayed_sequence');
      assert.equal(refused.ref, '7');
    } finally {
      await d.client.endAsync();
    }
  });

  it('QoS 1 redelivery of a question returns the cached answer (CBOR), and the JSON form is answered too', async () => {
    const key = await registered();
    const d = await rawDevice(channel.url, key, chain.chainId);
    try {
      const request = {
        device: key.deviceId,
        question: 1,
        params: hexToBytes(key.deviceId),
        challenge: new Uint8Array(randomBytes(8)),
        sequence: 5n,
        chainId: chain.chainId,
      };
      const { cose, signature } = signQuestionRequest({ privateKey: key.privateKey, request });
      await d.client.publishAsync(deviceTopic(key.deviceId, 'questions'), Buffer.from(cose), { qos: 1 });
      const first = await d.next('answers');
      assert.equal(first[0], 0xd2, 'a COSE_Sign1 (tag 18)');
      await d.client.publishAsync(deviceTopic(key.deviceId, 'questions'), Buffer.from(cose), { qos: 1 });
      assert.deepEqual(await d.next('answers'), first, 'the redelivered question gets the original answer');
      // a new request with an old sequence is refused as a replay, with its ref
      const replay = signQuestionRequest({
        privateKey: key.privateKey,
        request: { ...request, challenge: new Uint8Array(randomBytes(8)) },
      });
      await d.client.publishAsync(deviceTopic(key.deviceId, 'questions'), Buffer.from(replay.cose), { qos: 1 });
      const refused = json(await d.next('answers'));
      assert.deepEqual([refused.error, refused.ref], ['replayed_request', '5']);
      // JSON form
      const jsonRequest = { ...request, sequence: 6n, challenge: new Uint8Array(randomBytes(8)) };
      const signed = signQuestionRequest({ privateKey: key.privateKey, request: jsonRequest });
      const body = {
        device: key.deviceId,
        question: 'device_status',
        params: { device: key.deviceId },
        challenge: `0x${Buffer.from(jsonRequest.challenge).toString('hex')}`,
        sequence: '6',
        signature: signed.signature,
      };
      await d.client.publishAsync(deviceTopic(key.deviceId, 'questions'), JSON.stringify(body), { qos: 1 });
      const answered = json(await d.next('answers'));
      assert.equal(answered.ref, '6');
      assert.equal(typeof answered.answer, 'string');
      void signature;
    } finally {
      await d.client.endAsync();
    }
  });

  it('readings in CBOR (byte strings, integers) go through the same intake', async () => {
    const key = await registered();
    const d = await rawDevice(channel.url, key, chain.chainId);
    try {
      const r = reading(key, 3);
      const cbor = encode(
        new Map<string, unknown>([
          ['device', hexToBytes(r.device)],
          ['sequence', 3],
          ['timestamp', r.timestamp],
          ['payload', hexToBytes(r.payload)],
          ['signature', hexToBytes(r.signature)],
        ]),
      );
      await d.client.publishAsync(deviceTopic(key.deviceId, 'readings'), Buffer.from(cbor), { qos: 1 });
      const ack = json(await d.next('acks'));
      assert.deepEqual([ack.status, ack.ref], [202, '3']);
    } finally {
      await d.client.endAsync();
    }
  });

  it('bad input is refused with a reason on the device’s own topic, and the gateway keeps serving', async () => {
    const key = await registered();
    const d = await rawDevice(channel.url, key, chain.chainId);
    const readings = deviceTopic(key.deviceId, 'readings');
    const questions = deviceTopic(key.deviceId, 'questions');
    const cases: [string, string | Buffer, string][] = [
      [readings, '{"device": "0x', 'invalid_body'], // truncated JSON
      [readings, Buffer.from([0xa5, 0x66, 0x64]), 'invalid_body'], // truncated CBOR
      [readings, '{"device":"0x00","sequence":1}', 'invalid_body'],
      [readings, Buffer.alloc(MAX_MESSAGE + 1, 0x7b), 'body_too_large'],
      [readings, JSON.stringify({ ...reading(key, 9), signature: `0x${'11'.repeat(65)}` }), 'bad_signature_format'],
      [questions, Buffer.from([0xd2, 0x84, 0x43]), 'bad_cose'],
      [questions, '{"device":', 'invalid_body'],
    ];
    try {
      for (const [topic, payload, reason] of cases) {
        await d.client.publishAsync(topic, payload, { qos: 1 });
        const refusal = json(await d.next(topic === readings ? 'acks' : 'answers'));
        assert.equal(refusal.error, reason, `${String(payload).slice(0, 40)}: ${JSON.stringify(refusal)}`);
        assert.equal(typeof refusal.message, 'string');
        assert.ok('ref' in refusal);
      }
      await d.client.publishAsync(readings, JSON.stringify(reading(key, 10)), { qos: 1 });
      assert.equal(json(await d.next('acks')).status, 202, 'still serving');
    } finally {
      await d.client.endAsync();
    }
  });

  it('the JSON rules of HTTP hold over MQTT: duplicate keys, N.0 and exponents, __proto__ (and CBOR floats) are refused, in the one refusal shape', async () => {
    const key = await registered();
    const d = await rawDevice(channel.url, key, chain.chainId);
    const readings = deviceTopic(key.deviceId, 'readings');
    const good = reading(key, 20);
    const text = JSON.stringify(good);
    const cborOf = (sequence: unknown) =>
      Buffer.from(
        encode(
          new Map<string, unknown>([
            ['device', hexToBytes(good.device)],
            ['sequence', sequence],
            ['timestamp', good.timestamp],
            ['payload', hexToBytes(good.payload)],
            ['signature', hexToBytes(good.signature)],
          ]),
        ),
      );
    const cases: [string | Buffer, RegExp][] = [
      [text.replace('{', `{"device":"${key.deviceId}",`), /appears twice/],
      [text.replace(/"timestamp":\d+/, `"timestamp":${good.timestamp}.0`), /integers, without fraction or exponent/],
      [text.replace(/"timestamp":\d+/, '"timestamp":1.796e9'), /integers, without fraction or exponent/],
      [`{"__proto__":{},${text.slice(1)}`, /__proto__/],
      [cborOf(20.5), /float/i],
    ];
    try {
      for (const [payload, why] of cases) {
        await d.client.publishAsync(readings, payload, { qos: 1 });
        const refusal = json(await d.next('acks'));
        assert.deepEqual(Object.keys(refusal).sort(), ['error', 'errors', 'message', 'ref', 'status'], JSON.stringify(refusal));
        assert.deepEqual([refusal.error, refusal.status, refusal.errors], ['invalid_body', 400, []], JSON.stringify(refusal));
        assert.match(refusal.message as string, why);
      }
      await d.client.publishAsync(readings, text, { qos: 1 });
      assert.equal(json(await d.next('acks')).status, 202, 'the same reading in plain JSON is taken');
    } finally {
      await d.client.endAsync();
    }
  });

  it('speaks MQTT 3.1.1 only, as docs/protocol.md says: an MQTT 5 CONNECT is refused as an unacceptable protocol version', async () => {
    const key = await registered();
    const clientId = `${key.deviceId.toLowerCase()}-v5`;
    await assert.rejects(
      mqtt.connectAsync(channel.url, {
        clientId,
        username: key.deviceId.toLowerCase(),
        password: signConnectToken({ privateKey: key.privateKey, chainId: chain.chainId, clientId }),
        protocolVersion: 5,
        reconnectPeriod: 0,
        connectTimeout: 3000,
      }),
      /unacceptable protocol version|Unsupported Protocol Version|protocol/i,
    );
    const d = await rawDevice(channel.url, key, chain.chainId);
    assert.ok(d.client.connected, 'the same device connects with MQTT 3.1.1');
    await d.client.endAsync();
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    assert.match(doc, /The embedded broker speaks MQTT 3\.1\.1 only: it refuses an MQTT 5 CONNECT/);
    assert.doesNotMatch(doc, /MQTT \(3\.1\.1 or 5\)/);
  });

  it('a packet over the broker cap closes that connection before it is buffered; others are unaffected', async () => {
    const key = await registered();
    const d = await rawDevice(channel.url, key, chain.chainId);
    const closed = closedByBroker(d.client);
    d.client.publish(deviceTopic(key.deviceId, 'readings'), Buffer.alloc(64 * 1024, 0x20), { qos: 1 });
    await closed;
    d.client.end(true);
    const again = await rawDevice(channel.url, key, chain.chainId);
    try {
      await again.client.publishAsync(deviceTopic(key.deviceId, 'readings'), JSON.stringify(reading(key, 1)), { qos: 1 });
      assert.equal(json(await again.next('acks')).status, 202);
    } finally {
      await again.client.endAsync();
    }
  });

  it('CONNECT: refuses a stale token, a token by another key, an unregistered device, a borrowed client id, and default passwords', async () => {
    const key = await registered();
    const other = await registered();
    const clientId = `${key.deviceId.toLowerCase()}-x`;
    const attempt = (username: string, password: string, id = clientId) =>
      mqtt.connectAsync(channel.url, { clientId: id, username, password, reconnectPeriod: 0, connectTimeout: 3000 }).then(
        async (c) => {
          await c.endAsync();
          return 'connected';
        },
        (error: Error) => error.message,
      );
    const chainId = chain.chainId;
    const device = key.deviceId.toLowerCase();
    assert.equal(await attempt(device, signConnectToken({ privateKey: key.privateKey, chainId, clientId })), 'connected');
    assert.notEqual(await attempt(device, signConnectToken({ privateKey: key.privateKey, chainId, clientId, now: 1_000 })), 'connected');
    assert.notEqual(await attempt(device, signConnectToken({ privateKey: other.privateKey, chainId, clientId })), 'connected');
    assert.notEqual(await attempt(device, signConnectToken({ privateKey: key.privateKey, chainId: chainId + 1, clientId })), 'connected');
    const stranger = generateDeviceKey();
    const strangerId = `${stranger.deviceId.toLowerCase()}-1`;
    assert.notEqual(
      await attempt(
        stranger.deviceId.toLowerCase(),
        signConnectToken({ privateKey: stranger.privateKey, chainId, clientId: strangerId }),
        strangerId,
      ),
      'connected',
    );
    // another device cannot take this device's client id (session takeover)
    assert.notEqual(
      await attempt(other.deviceId.toLowerCase(), signConnectToken({ privateKey: other.privateKey, chainId, clientId })),
      'connected',
    );
    for (const [u, p] of [
      ['pythia-gateway', ''],
      ['pythia-gateway', 'pythia'],
      ['admin', 'admin'],
    ] as const) {
      assert.notEqual(await attempt(u, p, 'pythia-gateway-guess'), 'connected');
    }
  });

  it('a device can neither publish as another device nor subscribe to another device’s answers', async () => {
    const victim = await registered();
    const attacker = await registered();
    const v = await rawDevice(channel.url, victim, chain.chainId);
    const a = await rawDevice(channel.url, attacker, chain.chainId);
    try {
      for (const filter of [
        deviceTopic(victim.deviceId, 'answers'),
        deviceTopic(victim.deviceId, 'acks'),
        'pythia/v1/devices/+/answers',
        '#',
      ]) {
        // a failure SUBACK (0x80): mqtt.js rejects the subscription
        await assert.rejects(a.client.subscribeAsync(filter, { qos: 1 }), /Subscribe error/, filter);
      }
      const closed = closedByBroker(a.client);
      a.client.publish(deviceTopic(victim.deviceId, 'readings'), JSON.stringify(reading(attacker, 1)), { qos: 1 });
      await closed; // aedes refuses the PUBLISH by closing the connection (MQTT 3.1.1 has no reason code)
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(v.seen('acks').length, 0, 'nothing reached the gateway');
      // the victim still works
      await v.client.publishAsync(deviceTopic(victim.deviceId, 'readings'), JSON.stringify(reading(victim, 1)), { qos: 1 });
      assert.equal(json(await v.next('acks')).status, 202);
    } finally {
      a.client.end(true);
      await v.client.endAsync();
    }
  });

  it('proof requests: answered on the device’s proofs topic with their ref; a malformed one refused invalid_body; a stranger can neither ask as the device nor read its proofs', async () => {
    const device = await registered();
    const stranger = await registered();
    const d = await rawDevice(channel.url, device, chain.chainId);
    const s = await rawDevice(channel.url, stranger, chain.chainId);
    try {
      await d.client.subscribeAsync(deviceTopic(device.deviceId, 'proofs'), { qos: 1 });
      const ask = async (request: string) => {
        await d.client.publishAsync(deviceTopic(device.deviceId, 'proof-requests'), request, { qos: 1 });
        return json(await d.next('proofs'));
      };
      // The embedded Anvil seals no header: the gateway says so as over HTTP (404 status_proof_unavailable), with the request's ref.
      const status = await ask('{"ref":"7","proof":"status"}');
      assert.deepEqual([status.ref, status.status, status.error], ['7', 404, 'status_proof_unavailable']);
      const header = await ask('{"ref":"8","proof":"header","number":"0"}');
      assert.deepEqual([header.ref, header.status, header.error], ['8', 404, 'status_proof_unavailable']);
      // The request's schema: a header without its number, a number with a status, an unknown member, a number as a JSON number, not JSON.
      for (const [request, ref] of [
        ['{"ref":"9","proof":"header"}', '9'],
        ['{"ref":"10","proof":"status","number":"8"}', '10'],
        ['{"ref":"11","proof":"status","device":"0x00"}', '11'],
        ['{"ref":"12","proof":"header","number":8}', '12'],
        ['{"ref":"13","proof":"balance"}', '13'],
        ['{"ref":13,"proof":"status"}', null],
        ['proof please', null],
      ] as const) {
        const refused = await ask(request);
        assert.deepEqual([refused.ref, refused.status, refused.error], [ref, 400, 'invalid_body'], request);
        assert.equal(typeof refused.message, 'string');
      }
      // A stranger: no subscription to the device's proofs (0x80), and a publish on its proof-requests closes the connection.
      await assert.rejects(s.client.subscribeAsync(deviceTopic(device.deviceId, 'proofs'), { qos: 1 }), /Subscribe error/);
      const closed = closedByBroker(s.client);
      s.client.publish(deviceTopic(device.deviceId, 'proof-requests'), '{"ref":"1","proof":"status"}', { qos: 1 });
      await closed;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(d.seen('proofs').length, 9, 'the stranger’s request was never answered on the device’s topic');
    } finally {
      s.client.end(true);
      await d.client.endAsync();
    }
  });

  it('a suspended device connects and asks, but its readings are refused as over HTTP', async () => {
    const key = await registered();
    await chain.suspendDevice(key.deviceId);
    await new Promise((r) => setTimeout(r, 400));
    const device = await createMqttDeviceClient({ brokerUrl: channel.url, key, domain: domain(), bundle: bundle() });
    try {
      await assert.rejects(
        device.sendReading([1, 2, 3, 4, 5, 6]),
        (e: unknown) => e instanceof GatewayRejection && e.reason === 'device_suspended',
      );
      const answer = await device.ask<DeviceStatusAnswer>('device_status', { device: key.deviceId });
      assert.equal(answer.answer.status, 'suspended');
    } finally {
      await device.close();
    }
  });

  it('a device publishing more than its per-minute budget is refused rate_limited with retryAfterSeconds, before any check', async () => {
    const limited = await startMqttChannel({ services: { ...gateway.app.pythia }, port: 0, maxMessagesPerDevicePerMinute: 2 });
    const key = await registered();
    const d = await rawDevice(limited.url, key, chain.chainId);
    try {
      for (let i = 1; i <= 3; i++) {
        await d.client.publishAsync(deviceTopic(key.deviceId, 'readings'), JSON.stringify(reading(key, i)), { qos: 1 });
      }
      const acks = [json(await d.next('acks')), json(await d.next('acks')), json(await d.next('acks'))];
      assert.deepEqual(
        acks.map((a) => a.status),
        [202, 202, 429],
      );
      assert.equal(acks[2]!.error, 'rate_limited');
      assert.ok((acks[2]!.retryAfterSeconds as number) >= 1);
      assert.equal(gateway.app.pythia.queue.reading(key.deviceId, 3n), undefined, 'the third was not stored');
    } finally {
      await d.client.endAsync();
      await limited.close();
    }
  });
});
