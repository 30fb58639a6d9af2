import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tag, encode } from 'cbor2';
import type { FastifyInstance } from 'fastify';
import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { decodeCoseSign1 } from '../../answers/coseSign1.js';
import { deviceOwnerQuestion, type DeviceOwnerAnswer } from '../../answers/questions/deviceOwner.js';
import { signQuestionRequest } from '../../answers/signQuestionRequest.js';
import type { QuestionRequest } from '../../answers/questionRequest.js';
import {
  askPythia,
  createQuestionSequence,
  type QuestionSequence,
  createStatusGuard,
  DeviceHaltedError,
  deviceKeyFromPrivateKey,
  generateDeviceKey,
  parseProvisioningBundle,
  verifyAnswer,
  type DeviceKey,
  type DeviceStatusAnswer,
  type ProvisioningBundle,
} from '../../sdk/index.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { buildGateway, startGateway, type RunningGateway } from '../server.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';
import { createChainClients } from '../../chain/clients.js';
import { acceptTransfer, offerTransfer } from '../../chain/deviceOwnership.js';

/** POST /v1/questions against a real Anvil and PythiaFleet: answers verify; every refusal has its reason and changes nothing. */
let chain: TestChain;
let dir: string;
let app: FastifyInstance;
let device: DeviceKey;
const pythiaKey = generatePrivateKey();
const pythia = privateKeyToAccount(pythiaKey);

let nextSequence = 1_000n;
const request = (key: DeviceKey, extra: Partial<QuestionRequest> = {}): QuestionRequest => ({
  device: key.deviceId,
  question: 1,
  params: hexToBytes(key.deviceId),
  challenge: new Uint8Array(randomBytes(8)),
  sequence: nextSequence++,
  chainId: chain.chainId,
  ...extra,
});

const postCbor = (body: Uint8Array, accept = 'application/cbor') =>
  app.inject({ method: 'POST', url: '/v1/questions', headers: { 'content-type': 'application/cbor', accept }, payload: Buffer.from(body) });

async function registered(): Promise<DeviceKey> {
  const key = generateDeviceKey();
  await chain.registerDevice(key.publicKey);
  return key;
}

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

async function assertRefused(
  response: { statusCode: number; body: string; json: () => { error: string } },
  status: number,
  reason: string,
) {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json().error, reason, response.body);
  // the gateway keeps answering
  const good = signQuestionRequest({ privateKey: device.privateKey, request: request(device) });
  assert.equal((await postCbor(good.cose)).statusCode, 200);
}

before(async () => {
  chain = await startTestChain();
  dir = mkdtempSync(join(tmpdir(), 'pythia-answers-'));
  app = await buildGateway({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    fleetAddress: chain.fleetAddress,
    relayerAccount: chain.relayer,
    dbPath: join(dir, 'gateway.sqlite'),
    eventPollIntervalMs: 100,
    answerSigner: { privateKey: pythiaKey },
    answerContracts: { deviceOwnership: chain.ownershipAddress },
    // These tests change the chain and ask at once: no reuse of a recent block (cachedChainReader.test.ts covers it).
    answerBlockTtlMs: 0,
  });
  await app.ready();
  device = await registered();
});

after(async () => {
  await app?.close();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /v1/questions', () => {
  it('answers a CBOR question with a COSE_Sign1 the device verifies, read at the latest block', async () => {
    const asked = request(device);
    const response = await postCbor(signQuestionRequest({ privateKey: device.privateKey, request: asked }).cose);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'application/cbor');
    const latest = await chain.publicClient.getBlock();
    const verified = verifyAnswer<unknown, DeviceStatusAnswer>({
      answer: response.rawPayload,
      trustedKeys: [pythia.address],
      challenge: asked.challenge,
      question: { question: 'device_status', params: { device: device.deviceId } },
      chainId: chain.chainId,
    });
    assert.equal(verified.answer.status, 'active');
    assert.equal(verified.answer.classId, 1);
    assert.equal(verified.blockNumber, latest.number);
    assert.equal(verified.blockHash, latest.hash);
    console.log(`# live status answer: ${response.rawPayload.length} bytes`);
    assert.ok(response.rawPayload.length < 200);
  });

  it('answers device_owner: the registrar owns a new device (epoch 1), a completed transfer moves owner and epoch', async () => {
    const subject = await registered();
    const askOwner = async () => {
      const asked = request(device, { question: deviceOwnerQuestion.id, params: hexToBytes(subject.deviceId) });
      const response = await postCbor(signQuestionRequest({ privateKey: device.privateKey, request: asked }).cose);
      assert.equal(response.statusCode, 200, response.body);
      return verifyAnswer<unknown, DeviceOwnerAnswer>({
        answer: response.rawPayload,
        trustedKeys: [pythia.address],
        challenge: asked.challenge,
        question: { question: 'device_owner', params: { device: subject.deviceId } },
        chainId: chain.chainId,
      }).answer;
    };
    assert.deepEqual(await askOwner(), { owner: chain.operator.address, epoch: 1n, acknowledgedEpoch: 0n });

    const buyer = privateKeyToAccount(generatePrivateKey());
    await fundOnAnvil(chain.publicClient, buyer.address, '1');
    const clients = createChainClients(chain);
    await offerTransfer({ clients, account: chain.operator, address: chain.ownershipAddress, device: subject.deviceId, to: buyer.address });
    await acceptTransfer({ clients, account: buyer, address: chain.ownershipAddress, device: subject.deviceId });
    assert.deepEqual(await askOwner(), { owner: buyer.address, epoch: 2n, acknowledgedEpoch: 0n });
  });

  it('answers the JSON form, as { answer: base64 } for Accept: application/json, about another device', async () => {
    const peer = await registered();
    await chain.suspendDevice(peer.deviceId);
    const asked = request(device, { params: hexToBytes(peer.deviceId) });
    const { signature } = signQuestionRequest({ privateKey: device.privateKey, request: asked });
    const response = await app.inject({
      method: 'POST',
      url: '/v1/questions',
      headers: { accept: 'application/json' },
      payload: {
        device: device.deviceId,
        question: 'device_status',
        params: { device: peer.deviceId },
        challenge: bytesToHex(asked.challenge),
        sequence: asked.sequence.toString(),
        signature,
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    const answer = Buffer.from(response.json().answer, 'base64');
    const verified = verifyAnswer<unknown, DeviceStatusAnswer>({
      answer,
      trustedKeys: [pythia.publicKey],
      challenge: asked.challenge,
      question: { question: 1, params: { device: peer.deviceId } },
    });
    assert.equal(verified.answer.status, 'suspended');
  });

  it('refuses malformed CBOR, wrong algorithm, unknown or reserved questions, bad challenges', async () => {
    await assertRefused(await postCbor(Uint8Array.of(0xff, 0x01, 0x02)), 400, 'bad_cose');
    await assertRefused(await postCbor(encode([1, 2, 3])), 400, 'bad_cose');
    const good = signQuestionRequest({ privateKey: device.privateKey, request: request(device) }).cose;
    const { kid, payload, signature } = decodeCoseSign1(good);
    const es256 = encode(new Tag(18, [Uint8Array.of(0xa1, 0x01, 0x26), new Map([[4, kid]]), payload, signature]), { cde: true });
    await assertRefused(await postCbor(es256), 400, 'wrong_algorithm');
    // 3 (firmware_approved) and 4 (consent) exist but need a firmware / consent registry this gateway lacks; 99 unknown.
    for (const question of [3, 4, 99]) {
      const params =
        question === 3
          ? { params: [hexToBytes(device.deviceId), 1, 1] }
          : question === 4
            ? { params: [hexToBytes(device.deviceId), hexToBytes(device.deviceId), 1, 0, 8] }
            : {};
      const cose = signQuestionRequest({ privateKey: device.privateKey, request: request(device, { question, ...params }) }).cose;
      await assertRefused(await postCbor(cose), 400, 'unknown_question');
    }
    const json = (extra: object) =>
      app.inject({
        method: 'POST',
        url: '/v1/questions',
        payload: {
          device: device.deviceId,
          question: 'device_status',
          params: { device: device.deviceId },
          sequence: 1,
          signature: `0x${'11'.repeat(64)}`,
          ...extra,
        },
      });
    await assertRefused(
      await json({
        question: 'firmware_approved',
        params: { device: device.deviceId, classId: 1, sequence: 1 },
        challenge: `0x${'00'.repeat(8)}`,
      }),
      400,
      'unknown_question',
    );
    await assertRefused(await json({}), 400, 'bad_challenge');
    await assertRefused(await json({ challenge: '0x0102' }), 400, 'bad_challenge');
    await assertRefused(await json({ challenge: `0x${'00'.repeat(33)}` }), 400, 'bad_challenge');
  });

  it('refuses a replayed request and a repeated challenge (409 replayed_request)', async () => {
    const asked = request(device);
    const cose = signQuestionRequest({ privateKey: device.privateKey, request: asked }).cose;
    assert.equal((await postCbor(cose)).statusCode, 200);
    await assertRefused(await postCbor(cose), 409, 'replayed_request');
    const older = signQuestionRequest({
      privateKey: device.privateKey,
      request: { ...asked, sequence: asked.sequence - 1n, challenge: new Uint8Array(randomBytes(8)) },
    }).cose;
    await assertRefused(await postCbor(older), 409, 'replayed_request');
    const sameChallenge = signQuestionRequest({
      privateKey: device.privateKey,
      request: { ...request(device), challenge: asked.challenge, sequence: nextSequence++ },
    }).cose;
    await assertRefused(await postCbor(sameChallenge), 409, 'replayed_request');
  });

  it('refuses a device asking as another (401 bad_signature) and an unknown device (403)', async () => {
    const mallory = await registered();
    // Mallory signs with her key but names the victim as the asker
    const forged = signQuestionRequest({ privateKey: mallory.privateKey, request: request(device) }).cose;
    await assertRefused(await postCbor(forged), 401, 'bad_signature');
    const { kid: _k, payload, signature } = decodeCoseSign1(forged);
    const kidSwapped = encode(
      new Tag(18, [Uint8Array.of(0xa1, 0x01, 0x38, 0x2e), new Map([[4, hexToBytes(device.deviceId)]]), payload, signature]),
      { cde: true },
    );
    await assertRefused(await postCbor(kidSwapped), 401, 'bad_signature');
    const otherChain = signQuestionRequest({ privateKey: device.privateKey, request: request(device, { chainId: 1 }) }).cose;
    await assertRefused(await postCbor(otherChain), 401, 'bad_signature');
    const stranger = deviceKeyFromPrivateKey(generatePrivateKey());
    await assertRefused(
      await postCbor(signQuestionRequest({ privateKey: stranger.privateKey, request: request(stranger) }).cose),
      403,
      'unknown_device',
    );
    // Mallory's own sequence floor was not touched by the forgeries
    assert.equal(
      (await postCbor(signQuestionRequest({ privateKey: mallory.privateKey, request: request(mallory, { sequence: 1n }) }).cose))
        .statusCode,
      200,
    );
  });
});

describe('device SDK over real HTTP', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      fleetAddress: chain.fleetAddress,
      relayerAccount: chain.relayer,
      dbPath: join(dir, 'gateway-http.sqlite'),
      port: 0,
      eventPollIntervalMs: 100,
      batchIntervalMs: 20,
      answerSigner: { privateKey: pythiaKey },
      answerBlockTtlMs: 0,
      // The suite above answers on ECDSA threads (the default); this one on the event loop.
      ecdsaThreads: 0,
    });
  });
  after(async () => {
    await gateway?.close();
  });

  it('refuses device_owner when the gateway has no ownership contract', async () => {
    const asked = {
      device: device.deviceId,
      question: 2,
      params: hexToBytes(device.deviceId),
      challenge: new Uint8Array(randomBytes(8)),
      sequence: nextSequence++,
      chainId: chain.chainId,
    };
    const response = await fetch(`${gateway.url}/v1/questions`, {
      method: 'POST',
      headers: { 'content-type': 'application/cbor' },
      body: Buffer.from(signQuestionRequest({ privateKey: device.privateKey, request: asked }).cose),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: string; message: string };
    assert.equal(body.error, 'unknown_question');
    assert.match(body.message, /no deviceOwnership contract/);
  });

  it('askPythia returns a verified answer; a bundle that does not trust the key refuses it', async () => {
    const key = await registered();
    const sequence = createQuestionSequence();
    const ask = (b: ReturnType<typeof bundle>) =>
      askPythia<DeviceStatusAnswer>({
        gatewayUrl: gateway.url,
        key,
        bundle: b,
        question: 'device_status',
        params: { device: key.deviceId },
        sequence,
      });
    const verified = await ask(bundle());
    assert.equal(verified.answer.status, 'active');
    const revoked = { ...bundle(), pythiaKeys: bundle().pythiaKeys.map((k) => ({ ...k, revoked: true })) };
    await assert.rejects(ask(revoked), { reason: 'untrusted_key' });
    const attestedOnly = { ...bundle(), attestationPolicy: { requireAttested: true } };
    await assert.rejects(ask(attestedOnly), { reason: 'untrusted_key' });
  });

  it("askPythia takes the device's sequence explicitly: one QuestionSequence never repeats, a reused number is a replay", async () => {
    const key = await registered();
    const sequence = createQuestionSequence({ now: () => 1_000 }); // a clock that stands still
    const ask = (s: QuestionSequence | bigint) =>
      askPythia<DeviceStatusAnswer>({
        gatewayUrl: gateway.url,
        key,
        bundle: bundle(),
        question: 'device_status',
        params: { device: key.deviceId },
        sequence: s,
      });
    for (let i = 0; i < 3; i++) assert.equal((await ask(sequence)).answer.status, 'active', `question ${i + 1}`);
    await assert.rejects(ask(1_001n), { reason: 'replayed_request' });
    assert.equal((await ask(1_003n)).answer.status, 'active', 'a number the caller keeps itself, above the last');
  });

  it('createStatusGuard stops sending readings once a verified answer says suspended', async () => {
    const key = await registered();
    const guard = createStatusGuard({ key, bundle: bundle(), gatewayUrl: gateway.url, intervalMs: 0 });
    assert.equal((await guard.sendReading([120, 250, 300, 450, 2150, 5500], { timestamp: 1_700_000_000 })).status, 202);
    assert.equal((await guard.check()).status, 'active');
    await chain.suspendDevice(key.deviceId);
    // the gateway refuses the next reading (403 device_suspended); the guard asks, verifies, halts
    await new Promise((resolve) => setTimeout(resolve, 300));
    await assert.rejects(guard.sendReading([120, 250, 300, 450, 2150, 5500], { timestamp: 1_700_000_010 }), DeviceHaltedError);
    assert.equal(guard.halted, 'suspended');
    await assert.rejects(guard.sendReading([1, 2, 3, 4, 5, 6]), DeviceHaltedError);
    // reinstated → the next verified answer lets it report again
    await chain.operatorWrite('reinstateDevice', [key.deviceId, 'test']);
    assert.equal((await guard.check()).status, 'active');
    assert.equal(guard.halted, undefined);
  });
});

export type { Hex };
