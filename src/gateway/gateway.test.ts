import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generatePrivateKey } from 'viem/accounts';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { MAX_PAYLOAD_BYTES } from '../protocol/payload.js';
import { rejectionReasons } from '../protocol/reasons.js';
import { buildGateway, type GatewayOptions } from './server.js';
import { highSTwin, newTestDevice, signedReading, type TestDevice } from './testKit.js';

/**
 * The gateway's HTTP surface against a real Anvil with the real PythiaFleet contract: every
 * refusal (right status and reason, nothing stored, the gateway keeps serving) and the reads.
 */
let chain: TestChain;
let dir: string;
let app: FastifyInstance;
let device: TestDevice;
const domain = () => ({ chainId: chain.chainId, verifyingContract: chain.fleetAddress });
/** Device timestamps 10 s apart (the air-quality profile wants ≥ 5 s), safely in the past. */
const timestampOf = (sequence: number) => 1_700_000_000 + 10 * sequence;
let nextSequence = 1;

const options = (extra: Partial<GatewayOptions> = {}): GatewayOptions => ({
  rpcUrl: chain.rpcUrl,
  chainId: chain.chainId,
  fleetAddress: chain.fleetAddress,
  relayerAccount: chain.relayer,
  dbPath: join(dir, `gateway-${Math.random().toString(36).slice(2)}.sqlite`),
  eventPollIntervalMs: 100,
  ...extra,
});

const post = (target: FastifyInstance, body: unknown) => target.inject({ method: 'POST', url: '/v1/readings', payload: body as object });
const reading = (d: TestDevice, sequence: number, extra: { values?: number[]; payload?: `0x${string}` } = {}) =>
  signedReading(d, domain(), { sequence, timestamp: timestampOf(sequence), ...extra });

async function registered(): Promise<TestDevice> {
  const d = newTestDevice();
  await chain.registerDevice(d.publicKey64);
  return d;
}

/** A good reading of the shared device is still taken: the gateway keeps serving. */
async function assertStillServing() {
  const sequence = nextSequence++;
  const response = await post(app, await reading(device, sequence));
  assert.equal(response.statusCode, 202, response.body);
  assert.deepEqual(response.json(), {
    accepted: 1,
    readings: [{ device: device.id.toLowerCase(), sequence: String(sequence), status: 'pending' }],
  });
}

async function assertRefused(body: unknown, status: number, reason: string, index?: number) {
  const pendingBefore = app.pythia.queue.pendingCount();
  const response = await post(app, body);
  assert.equal(response.statusCode, status, response.body);
  const json = response.json();
  assert.equal(json.error, reason, response.body);
  assert.equal(typeof json.message, 'string');
  assert.ok(Array.isArray(json.errors));
  if (index !== undefined)
    assert.ok(
      json.errors.some((e: { index: number; reason: string }) => e.index === index && e.reason === reason),
      response.body,
    );
  assert.equal(app.pythia.queue.pendingCount(), pendingBefore, 'nothing stored');
  await assertStillServing();
  return json;
}

before(async () => {
  chain = await startTestChain();
  dir = mkdtempSync(join(tmpdir(), 'pythia-gateway-'));
  app = await buildGateway(options());
  await app.ready();
  device = await registered();
});

after(async () => {
  await app?.close();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /v1/readings refuses bad input with the right status and reason, storing nothing', () => {
  it('accepts a good reading (202) and a good batch', async () => {
    await assertStillServing();
    const a = nextSequence++;
    const b = nextSequence++;
    const response = await post(app, { readings: [await reading(device, a), await reading(device, b)] });
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().accepted, 2);
    const status = await app.inject(`/v1/readings/${device.id}/${b}`);
    assert.equal(status.statusCode, 200);
    assert.equal(status.json().status, 'pending');
  });

  it('malformed JSON → 400 invalid_body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/readings',
      headers: { 'content-type': 'application/json' },
      payload: '{"device":',
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error, 'invalid_body');
    await assertStillServing();
  });

  it('wrong shapes and types → 400 invalid_body', async () => {
    const good = await reading(device, 10_000);
    await assertRefused([good], 400, 'invalid_body');
    await assertRefused({ readings: [] }, 400, 'invalid_body');
    await assertRefused({ ...good, sequence: true }, 400, 'invalid_body', 0);
    await assertRefused({ ...good, timestamp: -5 }, 400, 'invalid_body', 0);
    await assertRefused({ ...good, device: '0x1234' }, 400, 'invalid_body', 0);
    await assertRefused({ ...good, extra: 1 }, 400, 'invalid_body', 0);
    const { signature: _omitted, ...unsigned } = good;
    await assertRefused(unsigned, 400, 'invalid_body', 0);
  });

  it('payloads: not hex → 400 payload_malformed; over 256 bytes → 413 payload_too_large', async () => {
    const good = await reading(device, 10_000);
    await assertRefused({ ...good, payload: '0x123' }, 400, 'payload_malformed', 0);
    await assertRefused({ ...good, payload: '0xgg' }, 400, 'payload_malformed', 0);
    const big = await reading(device, 10_000, { payload: `0x${'01'.repeat(MAX_PAYLOAD_BYTES + 1)}` });
    await assertRefused(big, 413, 'payload_too_large', 0);
  });

  it('signature format → 400 bad_signature_format; high s → 400 high_s_signature', async () => {
    const good = await reading(device, 10_000);
    await assertRefused({ ...good, signature: '0x1234' }, 400, 'bad_signature_format', 0);
    await assertRefused({ ...good, signature: `${good.signature.slice(0, 130)}05` }, 400, 'bad_signature_format', 0);
    await assertRefused({ ...good, signature: highSTwin(good.signature) }, 400, 'high_s_signature', 0);
  });

  it('a signature for another chain id, another contract, another key or other data → 401 bad_signature', async () => {
    const sequence = 10_000;
    const otherChain = await signedReading(
      device,
      { ...domain(), chainId: chain.chainId + 1 },
      { sequence, timestamp: timestampOf(sequence) },
    );
    await assertRefused(otherChain, 401, 'bad_signature', 0);
    const otherContract = await signedReading(
      device,
      { ...domain(), verifyingContract: '0x000000000000000000000000000000000000dEaD' },
      { sequence, timestamp: timestampOf(sequence) },
    );
    await assertRefused(otherContract, 401, 'bad_signature', 0);
    const otherKey = await reading(newTestDevice(), sequence);
    await assertRefused({ ...otherKey, device: device.id }, 401, 'bad_signature', 0);
    const good = await reading(device, sequence);
    await assertRefused({ ...good, payload: '0x0000' }, 401, 'bad_signature', 0);
    const flippedV = `${good.signature.slice(0, 130)}${good.signature.endsWith('1b') ? '1c' : '1b'}`;
    await assertRefused({ ...good, signature: flippedV }, 401, 'bad_signature', 0);
  });

  it('unknown, suspended and revoked devices → 403 with their reason', async () => {
    await assertRefused(await reading(newTestDevice(), 1), 403, 'unknown_device', 0);
    const suspended = await registered();
    await chain.suspendDevice(suspended.id);
    await assertRefused(await reading(suspended, 1), 403, 'device_suspended', 0);
    const revoked = await registered();
    await chain.revokeDevice(revoked.id);
    await assertRefused(await reading(revoked, 1), 403, 'device_revoked', 0);
  });

  it('a device suspended on chain while cached is refused within moments', async () => {
    const d = await registered();
    assert.equal((await post(app, await reading(d, 1))).statusCode, 202);
    await chain.suspendDevice(d.id);
    const deadline = Date.now() + 5000;
    let last;
    for (let sequence = 2; Date.now() < deadline; sequence++) {
      last = await post(app, await reading(d, sequence));
      if (last.statusCode !== 202) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(last?.statusCode, 403);
    assert.equal(last?.json().error, 'device_suspended');
  });

  it('replayed, stale and duplicate sequences → 409 replayed_sequence', async () => {
    const sequence = nextSequence++;
    const first = await reading(device, sequence);
    assert.equal((await post(app, first)).statusCode, 202);
    await assertRefused(first, 409, 'replayed_sequence', 0);
    await assertRefused(await reading(device, sequence - 1), 409, 'replayed_sequence', 0);
    const d = await registered();
    await assertRefused(await reading(d, 0), 409, 'replayed_sequence', 0);
    const twice = await reading(d, 5);
    await assertRefused({ readings: [twice, twice] }, 409, 'replayed_sequence', 1);
    await assertRefused({ readings: [await reading(d, 7), await reading(d, 6)] }, 409, 'replayed_sequence', 1);
  });

  it('a batch is atomic: one bad reading refuses all, and every failure is listed by index', async () => {
    const d = await registered();
    const body = {
      readings: [
        await reading(d, 1),
        { ...(await reading(d, 2)), payload: '0xzz' },
        await reading(d, 3),
        await reading(newTestDevice(), 1),
      ],
    };
    const json = await assertRefused(body, 400, 'payload_malformed');
    assert.deepEqual(
      json.errors.map((e: { index: number; reason: string }) => [e.index, e.reason]),
      [
        [1, 'payload_malformed'],
        [3, 'unknown_device'],
      ],
    );
    assert.equal((await app.inject(`/v1/readings/${d.id}/1`)).statusCode, 404);
    assert.equal(
      (await post(app, { readings: [await reading(d, 1), await reading(d, 2)] })).statusCode,
      202,
      'the good ones are taken on their own',
    );
  });

  it('more readings than the limit → 413 too_many_readings', async () => {
    const one = await reading(device, 10_000);
    await assertRefused({ readings: Array(1001).fill(one) }, 413, 'too_many_readings');
  });

  it('wrong content type → 415, body over the limit → 413, unknown route → 404, all JSON with a reason', async () => {
    const good = await reading(device, 10_000);
    let response = await app.inject({
      method: 'POST',
      url: '/v1/readings',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify(good),
    });
    assert.equal(response.statusCode, 415);
    assert.equal(response.json().error, 'unsupported_media_type');
    response = await app.inject({
      method: 'POST',
      url: '/v1/readings',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    assert.equal(response.statusCode, 415);
    response = await app.inject({
      method: 'POST',
      url: '/v1/readings',
      headers: { 'content-type': 'application/json' },
      payload: `{"pad":"${'x'.repeat(3 * 1024 * 1024)}"}`,
    });
    assert.equal(response.statusCode, 413);
    assert.equal(response.json().error, 'body_too_large');
    response = await app.inject({ method: 'GET', url: '/v2/nothing' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error, 'not_found');
    response = await app.inject({ method: 'DELETE', url: '/v1/readings' });
    assert.equal(response.statusCode, 404);
    await assertStillServing();
  });

  it('a full queue → 429 queue_full with Retry-After, and nothing is stored', async () => {
    const small = await buildGateway(options({ maxQueuedReadings: 2 }));
    try {
      const d = await registered();
      assert.equal((await post(small, { readings: [await reading(d, 1), await reading(d, 2)] })).statusCode, 202);
      const response = await post(small, await reading(d, 3));
      assert.equal(response.statusCode, 429);
      assert.equal(response.json().error, 'queue_full');
      assert.equal(response.headers['retry-after'], '1');
      assert.equal(small.pythia.queue.pendingCount(), 2);
    } finally {
      await small.close();
    }
  });

  it('every refusal status matches the shared reasons table', () => {
    for (const [reason, { status }] of Object.entries(rejectionReasons)) {
      assert.ok(status >= 400 && status < 600, reason);
    }
  });
});

describe('GET endpoints', () => {
  it('GET /v1/readings/:device/:sequence: 404 unknown_reading, 400 for a malformed id', async () => {
    let response = await app.inject(`/v1/readings/${device.id}/999999`);
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error, 'unknown_reading');
    response = await app.inject('/v1/readings/0x12/1');
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error, 'invalid_request');
    response = await app.inject(`/v1/readings/${device.id}/-1`);
    assert.equal(response.statusCode, 400);
  });

  it('GET /v1/devices/:id: state, profile and counters; 404 unknown_device; 400 malformed id', async () => {
    let response = await app.inject(`/v1/devices/${device.id}`);
    assert.equal(response.statusCode, 200, response.body);
    const json = response.json();
    assert.equal(json.device, device.id.toLowerCase());
    assert.equal(json.status, 'active');
    assert.equal(json.classId, 1);
    assert.equal(json.profile.metricCount, 6);
    assert.equal(json.profile.own, false);
    assert.ok(json.profile.version >= 1);
    assert.equal(json.counters.pending, app.pythia.queue.countsOf(device.id).pending);
    assert.ok(json.counters.pending > 0);
    assert.equal(json.lastReading, null);
    response = await app.inject(`/v1/devices/${newTestDevice().id}`);
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error, 'unknown_device');
    response = await app.inject('/v1/devices/not-an-id');
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error, 'invalid_request');
  });

  it('GET /healthz: ok with chain id and block number', async () => {
    const response = await app.inject('/healthz');
    assert.equal(response.statusCode, 200);
    const json = response.json();
    assert.equal(json.ok, true);
    assert.equal(json.chainId, chain.chainId);
    assert.ok(json.blockNumber > 0);
    assert.equal(json.pending, app.pythia.queue.pendingCount());
    assert.equal(json.relayer.address, chain.relayer.address);
  });

  it('GET /openapi.json: an OpenAPI 3 document of every route, with the reasons', async () => {
    const response = await app.inject('/openapi.json');
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.match(doc.openapi, /^3\./);
    for (const path of [
      '/v1/readings',
      '/v1/readings/{device}/{sequence}',
      '/v1/devices/{id}',
      '/v1/devices/{id}/status-proof',
      '/v1/chain/headers/{number}',
      '/healthz',
      '/v1/abi',
    ]) {
      assert.ok(doc.paths[path], `${path} documented`);
    }
    assert.ok(doc.paths['/v1/readings'].post.requestBody);
    assert.match(doc.info.description, /replayed_sequence/);
  });

  it('GET /v1/devices/{id}/status-proof on Anvil: 404 status_proof_unavailable (no sealed Clique header to hand out)', async () => {
    const response = await app.inject(`/v1/devices/${device.id}/status-proof`);
    assert.equal(response.statusCode, 404, response.body);
    assert.equal(response.json().error, 'status_proof_unavailable');
    assert.equal((await app.inject('/v1/devices/0x12/status-proof')).statusCode, 400);
    const header = await app.inject('/v1/chain/headers/0');
    assert.equal(header.statusCode, 404, header.body);
    assert.equal(header.json().error, 'status_proof_unavailable');
    for (const bad of ['-1', '01', 'x', '1e3', '9999999999999999'])
      assert.equal((await app.inject(`/v1/chain/headers/${bad}`)).statusCode, 400, bad);
  });
});

describe('features are registered only when configured', () => {
  const optional = [
    ['POST', '/v1/devices/{device}/owner-acknowledgements'],
    ['POST', '/v1/devices/{device}/firmware-reports'],
    ['GET', '/v1/device-actions/{id}'],
    ['POST', '/v1/questions'],
    ['GET', '/v1/consents/{consentId}/receipt'],
    ['PUT', '/v1/policies/{policyId}'],
    ['POST', '/v1/data/readings'],
    ['POST', '/v1/devices/{device}/commands'],
    ['GET', '/v1/commands/{id}'],
    ['POST', '/v1/commands/{id}/query'],
    ['POST', '/v1/canaries/query'],
  ] as const;
  const concrete = (path: string) =>
    path
      .replace('{device}', device.id)
      .replace('/v1/device-actions/{id}', '/v1/device-actions/1')
      .replace('/v1/commands/{id}', `/v1/commands/0x${'22'.repeat(32)}`)
      .replace('{id}/query', `0x${'22'.repeat(32)}/query`)
      .replace('{consentId}', '1')
      .replace('{policyId}', `0x${'11'.repeat(32)}`);

  it('a fleet-only gateway: every optional route is the framework 404 not_found, and /openapi.json does not list it', async () => {
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>>; tags: { name: string }[] };
    for (const [method, path] of optional) {
      assert.equal(doc.paths[path]?.[method.toLowerCase()], undefined, `${method} ${path} not documented`);
      const response = await app.inject({ method, url: concrete(path), payload: method === 'GET' ? undefined : {} });
      assert.equal(response.statusCode, 404, `${method} ${path}`);
      assert.deepEqual(Object.keys(response.json()).sort(), ['error', 'errors', 'message']);
      assert.equal(response.json().error, 'not_found', `${method} ${path}`);
    }
    assert.deepEqual(doc.tags.map((t) => t.name).sort(), ['contracts', 'devices', 'health', 'readings']);
  });

  it('a gateway with every contract and an answer key registers and documents every route', async () => {
    const { contracts } = chain.deployment;
    const full = await buildGateway(
      options({
        answerSigner: { privateKey: generatePrivateKey() },
        ecdsaThreads: 0,
        answerContracts: {
          deviceOwnership: contracts.deviceOwnership!,
          firmwareRegistry: contracts.firmwareRegistry!,
          policyRegistry: contracts.policyRegistry!,
          consentRegistry: contracts.consentRegistry!,
          accessLog: contracts.accessLog!,
        },
      }),
    );
    try {
      const doc = (await full.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
      for (const [method, path] of optional) {
        assert.ok(doc.paths[path]?.[method.toLowerCase()], `${method} ${path} documented`);
        const response = await full.inject({ method, url: concrete(path), payload: method === 'GET' ? undefined : {} });
        assert.notEqual(response.json().error, 'not_found', `${method} ${path} is served`);
      }
    } finally {
      await full.close();
    }
  });

  it('only the device action whose contract is configured', async () => {
    const partial = await buildGateway(options({ answerContracts: { firmwareRegistry: chain.deployment.contracts.firmwareRegistry! } }));
    try {
      const paths = ((await partial.inject('/openapi.json')).json() as { paths: Record<string, unknown> }).paths;
      assert.ok(paths['/v1/devices/{device}/firmware-reports']);
      assert.ok(paths['/v1/device-actions/{id}']);
      assert.equal(paths['/v1/devices/{device}/owner-acknowledgements'], undefined);
      const response = await partial.inject({ method: 'POST', url: `/v1/devices/${device.id}/owner-acknowledgements`, payload: {} });
      assert.equal(response.json().error, 'not_found');
    } finally {
      await partial.close();
    }
  });
});

describe('an unreachable chain', () => {
  it('healthz → 503; a reading of an unseen device → 503 chain_unavailable, nothing stored', async () => {
    const offline = await buildGateway(options({ rpcUrl: 'http://127.0.0.1:9' }));
    try {
      let response = await offline.inject('/healthz');
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().ok, false);
      response = await post(offline, await reading(device, 1));
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().error, 'chain_unavailable');
      assert.equal(offline.pythia.queue.pendingCount(), 0);
      response = await post(offline, { nonsense: true });
      assert.equal(response.statusCode, 400, 'bad input is still a 4xx');
    } finally {
      await offline.close();
    }
  });
});
