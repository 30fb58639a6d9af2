import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Address, type Hex, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createChainClients } from '../../chain/clients.js';
import { grantConsent } from '../../chain/consent/grantConsent.js';
import { acceptTransfer, offerTransfer } from '../../chain/deviceOwnership.js';
import { fundedAccount } from '../../testing/fundedAccount.js';
import { consentRegistryAbi, pythiaFleetAbi } from '../../contracts/abis.js';
import { airQualityProfile } from '../../protocol/airQuality.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { errorResponseJsonSchema, installErrorHandling } from '../core/httpErrors.js';
import { openApiPlugin } from '../openapi/openApiPlugin.js';
import { IndexChanges } from '../../indexer/indexChanges.js';
import { SqliteIndexerStore } from '../../indexer/sqliteIndexerStore.js';
import { startTestGateway } from '../../testing/testGateway.js';
import { consoleActionsPlugin } from './consoleActionsPlugin.js';

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, checked field by field below
type Json = Record<string, any>;
const token = 'console-token-of-this-test-only';
const auth = { authorization: `Bearer ${token}` };
let chain: TestChain;
let app: FastifyInstance;
let devices: Address[];
let consentId: bigint;
let householdConsent: bigint;

before(async () => {
  chain = await startTestChain();
  const keys = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()].map((key) => privateKeyToAccount(key));
  // Registered by the operator: their ownership tokens are minted to the operator account (the council's devices).
  await chain.operatorWrite('registerDevices', [keys.map((k) => toHex(Buffer.from(k.publicKey.slice(4), 'hex'))), 1]);
  devices = keys.map((k) => k.address);
  const clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
  const granted = await grantConsent({
    clients,
    account: chain.operator,
    address: chain.consentAddress,
    recipient: privateKeyToAccount(generatePrivateKey()).address,
    devices: [devices[0]!],
    streams: 1,
    commands: 0,
    purpose: 'air quality research',
    expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
  });
  consentId = granted.consentId;
  // Device 2 goes to a household, which lets the same recipient read it: the household's consent, not the council's.
  const household = await fundedAccount(chain.publicClient);
  await offerTransfer({ clients, account: chain.operator, address: chain.ownershipAddress, device: devices[2]!, to: household.address });
  await acceptTransfer({ clients, account: household, address: chain.ownershipAddress, device: devices[2]! });
  householdConsent = (
    await grantConsent({
      clients,
      account: household,
      address: chain.consentAddress,
      recipient: privateKeyToAccount(generatePrivateKey()).address,
      devices: [devices[2]!],
      streams: 1,
      commands: 0,
      purpose: 'home insurance',
      expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
    })
  ).consentId;
  app = Fastify({ ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } });
  installErrorHandling(app);
  app.addSchema(errorResponseJsonSchema);
  await app.register(openApiPlugin, { version: 'test', tags: [{ name: 'console', description: 'console' }] });
  await app.register(consoleActionsPlugin, {
    token,
    operator: chain.operator,
    clients,
    fleet: chain.fleetAddress,
    consentRegistry: chain.consentAddress,
  });
});

after(async () => {
  await app?.close();
  await chain?.stop();
});

const post = async (url: string, body: unknown, headers: Record<string, string> = auth) => {
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
};

const classVersion = async () =>
  (await chain.publicClient.readContract({ address: chain.fleetAddress, abi: pythiaFleetAbi, functionName: 'classProfile', args: [1] }))[1];
const consentOnChain = () =>
  chain.publicClient.readContract({ address: chain.consentAddress, abi: consentRegistryAbi, functionName: 'consent', args: [consentId] });
const deviceStatus = (device: Address) =>
  chain.publicClient.readContract({ address: chain.fleetAddress, abi: pythiaFleetAbi, functionName: 'deviceStatus', args: [device] });

const actions = () => [
  { url: `/v1/console/devices/${devices[1]}/status`, body: { status: 'revoked', reason: 'stolen' } },
  { url: '/v1/console/classes/1/profile', body: { profile: airQualityProfile } },
  { url: `/v1/console/consents/${consentId}/revoke`, body: undefined },
];

const strangers: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: token }, { cookie: `token=${token}` }];

test('a stranger (no token, another token, the token in a cookie or the query) is refused 401 by every action, and nothing is signed', async () => {
  const version = await classVersion();
  for (const { url, body } of actions()) {
    for (const headers of strangers) {
      const answer = await post(url, body, headers);
      assert.equal(answer.status, 401, `${url} ${JSON.stringify(headers)}`);
      assert.equal(answer.body.error, 'console_token_required');
    }
    const inQuery = await post(`${url}?token=${token}`, body, {});
    assert.equal(inQuery.status, 401, url);
  }
  assert.equal(await classVersion(), version);
  assert.equal((await consentOnChain()).revokedAt, 0n);
  assert.equal(await deviceStatus(devices[1]!), 1, 'still active');
});

test('a web page of another origin gets no CORS grant: its preflight is not allowed and its form post (cookies and all) is refused', async () => {
  for (const { url } of actions()) {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.ok(preflight.statusCode >= 400, `${url}: preflight ${preflight.statusCode}`);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(preflight.headers['access-control-allow-headers'], undefined);
    // A cross-site <form> can send neither a header nor JSON: the browser sends its cookies, never the token.
    const form = await app.inject({
      method: 'POST',
      url,
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', cookie: `token=${token}` },
      payload: 'status=revoked&reason=csrf',
    });
    assert.equal(form.statusCode, 401, url);
    assert.equal(form.headers['access-control-allow-origin'], undefined);
  }
});

test('bad input is refused with its reason before anything is signed', async () => {
  const version = await classVersion();
  const tooHigh = { ...airQualityProfile, minValue: [9000, ...airQualityProfile.minValue.slice(1)] };
  const cases: [string, unknown, number, string, RegExp?][] = [
    ['/v1/console/classes/1/profile', { profile: tooHigh }, 400, 'invalid_body', /minValue\[0\] is above maxValue\[0\]/],
    ['/v1/console/classes/1/profile', { profile: { ...airQualityProfile, secret: 1 } }, 400, 'invalid_body'],
    ['/v1/console/classes/1/profile', { profile: { metricCount: 1 } }, 400, 'invalid_body'],
    ['/v1/console/classes/1/profile', { profile: airQualityProfile, extra: true }, 400, 'invalid_body'],
    ['/v1/console/classes/70000/profile', { profile: airQualityProfile }, 400, 'invalid_request', /65535/],
    ['/v1/console/classes/01/profile', { profile: airQualityProfile }, 400, 'invalid_request'],
    ['/v1/console/classes/9/profile', { profile: { ...airQualityProfile, maxPayloadBytes: 300 } }, 400, 'invalid_body', /maxPayloadBytes/],
    ['/v1/console/consents/0/revoke', undefined, 400, 'invalid_request'],
    ['/v1/console/consents/abc/revoke', undefined, 400, 'invalid_request'],
    ['/v1/console/consents/99999/revoke', undefined, 404, 'unknown_consent'],
    [`/v1/console/devices/${devices[1]}/status`, { status: 'deleted', reason: 'x' }, 400, 'invalid_body'],
    [`/v1/console/devices/${devices[1]}/status`, { status: 'revoked', reason: '' }, 400, 'invalid_body'],
    ['/v1/console/devices/0x1234/status', { status: 'revoked', reason: 'x' }, 400, 'invalid_request'],
  ];
  for (const [url, body, status, reason, message] of cases) {
    const answer = await post(url, body);
    assert.equal(answer.status, status, `${url} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.error, reason, url);
    if (message) assert.match(answer.body.message, message);
  }
  assert.equal(await classVersion(), version);
});

test("the operator sets a class profile: signed by the operator's key, the chain holds the new version", async () => {
  const version = await classVersion();
  const profile = { ...airQualityProfile, minInterval: 7 };
  const answer = await post('/v1/console/classes/1/profile', { profile });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.version, version + 1);
  assert.equal(answer.body.by, chain.operator.address);
  const [stored, now] = await chain.publicClient.readContract({
    address: chain.fleetAddress,
    abi: pythiaFleetAbi,
    functionName: 'classProfile',
    args: [1],
  });
  assert.equal(now, version + 1);
  assert.equal(stored.minInterval, 7);
  const transaction = await chain.publicClient.getTransaction({ hash: answer.body.transactionHash as Hex });
  assert.equal(transaction.from.toLowerCase(), chain.operator.address.toLowerCase());
});

test("the operator revokes a device and a consent it gave, not a household's (403); the second revocation is refused by the chain (409)", async () => {
  const revoked = await post(`/v1/console/devices/${devices[1]}/status`, { status: 'revoked', reason: 'stolen' });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.equal(await deviceStatus(devices[1]!), 3, 'revoked on chain');
  const answer = await post(`/v1/console/consents/${consentId}/revoke`, undefined);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.consentId, String(consentId));
  assert.notEqual((await consentOnChain()).revokedAt, 0n);
  const others = await post(`/v1/console/consents/${householdConsent}/revoke`, undefined);
  assert.equal(others.status, 403, JSON.stringify(others.body));
  assert.equal(others.body.error, 'not_consent_owner');
  const household = await chain.publicClient.readContract({
    address: chain.consentAddress,
    abi: consentRegistryAbi,
    functionName: 'consent',
    args: [householdConsent],
  });
  assert.equal(household.revokedAt, 0n, "the household's consent is the household's to revoke");
  const again = await post(`/v1/console/consents/${consentId}/revoke`, undefined);
  assert.equal(again.status, 409);
  assert.match(again.body.message, /AlreadyRevoked/);
});

test('/openapi.json: every console action needs the console token', async () => {
  const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { security?: unknown }>>;
  };
  const paths = Object.keys(openapi.paths).filter((p) => p.startsWith('/v1/console/'));
  assert.deepEqual(paths.sort(), [
    '/v1/console/classes/{classId}/profile',
    '/v1/console/consents/{consentId}/revoke',
    '/v1/console/devices/{device}/status',
  ]);
  for (const path of paths) assert.deepEqual(openapi.paths[path]!.post!.security, [{ consoleToken: [] }], path);
});

test('through the gateway with its first node gone, an action fails over to the next node as the relayer does', async () => {
  const deadNode = 'http://127.0.0.1:9'; // the discard port: nothing answers JSON-RPC there
  const store = new SqliteIndexerStore({ path: ':memory:', identity: 'console-failover-test' });
  const gateway = await startTestGateway(chain, {
    rpcUrl: deadNode,
    rpcUrls: [chain.rpcUrl],
    index: { store, token, changes: new IndexChanges() },
    consoleActions: { operator: chain.operator },
  });
  try {
    const response = await fetch(`${gateway.url}/v1/console/devices/${devices[0]}/status`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'suspended', reason: 'checked by hand' }),
    });
    const body = (await response.json()) as Json;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(await deviceStatus(devices[0]!), 2, 'suspended on chain');
  } finally {
    await gateway.close();
    store.close();
  }
});
