import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { compactSignatureToSignature, recoverTypedDataAddress, serializeSignature, type Hex } from 'viem';
import { ChainFollower } from '../../indexer/followChain.js';
import { IndexChanges } from '../../indexer/indexChanges.js';
import { indexedContracts } from '../../indexer/indexedContracts.js';
import { SqliteIndexerStore } from '../../indexer/sqliteIndexerStore.js';
import { pollutedValues, startIndexerChain, type IndexerChain } from '../../indexer/testKit.js';
import { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, readingTypes } from '../../protocol/eip712.js';
import { errorResponseJsonSchema, installErrorHandling } from '../core/httpErrors.js';
import { openApiPlugin } from '../openapi/openApiPlugin.js';
import { indexQueriesPlugin } from './indexQueriesPlugin.js';
import type { DeviceMetadata } from '../../chain/deviceMetadata.js';

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON answers, checked field by field below
type Json = Record<string, any>;
const token = 'console-token-of-this-test-only';
const auth = { authorization: `Bearer ${token}` };
let kit: IndexerChain;
let store: SqliteIndexerStore;
let follower: ChainFollower;
let app: FastifyInstance;
const changes = new IndexChanges();
let start: number;

async function catchUp(): Promise<void> {
  for (let i = 0; i < 1000; i++) if ((await follower.step()).caughtUp) return;
  throw new Error('never caught up');
}

before(async () => {
  kit = await startIndexerChain({ deviceCount: 3 });
  start = await kit.now();
  await kit.submitReadings(1, start - 900);
  await kit.submitReadings(2, start - 600, undefined, kit.devices.slice(0, 2));
  await kit.submitReadings(3, start - 300, pollutedValues, [kit.devices[0]!]);
  await kit.chain.suspendDevice(kit.devices[2]!.address, 'maintenance');
  store = new SqliteIndexerStore({ path: ':memory:', identity: kit.identity });
  follower = new ChainFollower({
    client: kit.chain.publicClient,
    store,
    contracts: indexedContracts(kit.chain.deployment.contracts),
    startBlock: kit.chain.deployment.deploymentBlock,
    confirmations: 2,
    onChange: changes.publish,
  });
  await catchUp();
  app = Fastify({ ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } });
  installErrorHandling(app);
  app.addSchema(errorResponseJsonSchema);
  await app.register(openApiPlugin, { version: 'test', tags: [{ name: 'index', description: 'index' }] });
  const placed = (i: number) => ({ name: `site ${i}`, latitude: 52.2 + i / 100, longitude: 0.12 });
  // Device 0 and 2 placed, device 1 known without a location, and a placed device the chain does not know.
  const metadata = new Map<string, DeviceMetadata>([
    [kit.devices[0]!.address, placed(0)],
    [kit.devices[1]!.address, { site: 'roadside' }],
    [kit.devices[2]!.address, placed(2)],
    [`0x${'11'.repeat(20)}`, placed(9)],
  ]);
  await app.register(indexQueriesPlugin, { store, token, changes, keepAliveMs: 100, deviceMetadata: () => metadata });
  await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await app?.close();
  store?.close();
  await kit?.chain.stop();
});

const get = async (url: string, headers: Record<string, string> = auth) => {
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.json() as Json };
};

test('without the console token, or with another, every index route answers 401 console_token_required', async () => {
  const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: token }];
  for (const headers of attempts) {
    const answer = await get('/v1/index/devices', headers);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error, 'console_token_required');
  }
});

test('the fleet: filter, sort and page with a cursor', async () => {
  const all = await get('/v1/index/devices');
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.equal(all.body.items.length, 3);
  assert.deepEqual(
    all.body.items.map((d: { device: string }) => d.device),
    kit.devices.map((d) => d.address).sort(),
    'sorted by address',
  );
  const suspended = await get('/v1/index/devices?status=suspended');
  assert.deepEqual(
    suspended.body.items.map((d: { device: string }) => d.device),
    [kit.devices[2]!.address],
  );
  const byFlags = await get('/v1/index/devices?sort=flags&order=desc&limit=1');
  assert.equal(byFlags.body.items[0].device, kit.devices[0]!.address);
  assert.equal(byFlags.body.items[0].flags, 1);
  const seen: string[] = [];
  let next: string | null = null;
  do {
    const pageOf: { body: Json } = await get(`/v1/index/devices?sort=lastReading&limit=1${next ? `&cursor=${next}` : ''}`);
    seen.push(...pageOf.body.items.map((d: { device: string }) => d.device));
    next = pageOf.body.next;
  } while (next);
  assert.equal(new Set(seen).size, 3, `every device once across pages: ${seen}`);
  assert.equal((await get('/v1/index/devices?classId=2')).body.items.length, 0);
  assert.equal((await get('/v1/index/devices?limit=0')).body.error, 'invalid_request');
  assert.equal((await get('/v1/index/devices?sort=secret')).body.error, 'invalid_request');
  assert.equal((await get('/v1/index/devices?cursor=bm90IGEgY3Vyc29y')).body.error, 'invalid_request');
});

test("a device and its readings over time, with values; a flag's evidence is the reading the device signed", async () => {
  const device = kit.devices[0]!.address;
  const one = await get(`/v1/index/devices/${device.toLowerCase()}`);
  assert.equal(one.body.readings, 3);
  assert.equal((await get(`/v1/index/devices/0x${'00'.repeat(20)}`)).status, 404);
  const readings = await get(`/v1/index/devices/${device}/readings?from=${start - 700}&to=${start}`);
  assert.deepEqual(
    readings.body.items.map((r: { sequence: number; timestamp: number }) => [r.sequence, r.timestamp]),
    [
      [2, start - 600],
      [3, start - 300],
    ],
  );
  assert.deepEqual(readings.body.items[1].values, pollutedValues);
  const flags = await get('/v1/index/flags');
  assert.equal(flags.body.items.length, 1);
  const flag = flags.body.items[0];
  assert.equal(flag.outcome, 'flagged');
  assert.deepEqual(
    { rules: flag.flag.rules, metric: flag.flag.metric, value: flag.flag.value },
    { rules: ['OutOfRange', 'ExcessiveChange'], metric: 0, value: 9000 },
  );
  const signer = await recoverTypedDataAddress({
    domain: {
      name: READING_DOMAIN_NAME,
      version: READING_DOMAIN_VERSION,
      chainId: kit.chain.chainId,
      verifyingContract: kit.chain.fleetAddress,
    },
    types: readingTypes,
    primaryType: 'Reading',
    message: { device, sequence: BigInt(flag.sequence), timestamp: BigInt(flag.timestamp), payload: flag.payload as Hex },
    signature: serializeSignature(compactSignatureToSignature({ r: flag.signature.r, yParityAndS: flag.signature.vs })),
  });
  assert.equal(signer, device, 'the indexed fields and signature are what the device signed');
  const receipt = await kit.chain.publicClient.getTransactionReceipt({ hash: flag.transactionHash });
  assert.equal(Number(receipt.blockNumber), flag.blockNumber);
});

test('status changes, the accounting log, consents, policies, firmware, feeds', async () => {
  const changesPage = await get('/v1/index/status-changes');
  assert.deepEqual(
    changesPage.body.items.map((c: { device: string; current: string; reason: string }) => [c.device, c.current, c.reason]),
    [[kit.devices[2]!.address, 'suspended', 'maintenance']],
  );
  const log = await get('/v1/index/events?contract=fleet&name=ReadingFlagged,DeviceStatusChanged');
  assert.deepEqual(
    log.body.items.map((e: { name: string }) => e.name),
    ['DeviceStatusChanged', 'ReadingFlagged'],
    'newest first',
  );
  for (const [path, contract] of [
    ['consents', 'consentRegistry'],
    ['policies', 'policyRegistry'],
    ['firmware', 'firmwareRegistry'],
    ['feeds', 'feedMarket'],
  ]) {
    const view = await get(`/v1/index/${path}?limit=500`);
    assert.equal(view.status, 200);
    assert.ok(
      view.body.items.every((e: { contract: string }) => e.contract === contract),
      path,
    );
  }
  const roles = await get('/v1/index/consents');
  assert.ok(
    roles.body.items.some((e: { name: string }) => e.name === 'RoleGranted'),
    'the consent registry’s deployment events are there',
  );
  const status = await get('/v1/index/status');
  assert.equal(status.body.cursor.number, Number(await kit.chain.publicClient.getBlockNumber()));
  assert.equal(status.body.finalBlock, status.body.cursor.number - 1, 'two confirmations');
});

test("the map: indexed devices placed by the operator's metadata, with status and flags", async () => {
  const map = await get('/v1/index/map');
  assert.equal(map.status, 200, JSON.stringify(map.body));
  const byDevice = Object.fromEntries(map.body.items.map((d: Json) => [d.device, d]));
  assert.deepEqual(
    Object.keys(byDevice).sort(),
    [kit.devices[0]!.address, kit.devices[2]!.address].sort(),
    'the unknown device is left out',
  );
  assert.deepEqual(
    { ...byDevice[kit.devices[0]!.address] },
    { device: kit.devices[0]!.address, status: 'active', classId: 1, flags: 1, latitude: 52.2, longitude: 0.12, name: 'site 0' },
  );
  assert.equal(byDevice[kit.devices[2]!.address].status, 'suspended');
  assert.equal(map.body.unplaced, 1);
  assert.equal(map.body.truncated, false);
  assert.equal((await get('/v1/index/map', {})).status, 401);
});

test('the accounting log filtered by device and by actor (an account named in the event or that sent its transaction); a registered device has its owner', async () => {
  const device = kit.devices[2]!.address;
  const ofDevice = await get(`/v1/index/events?device=${device.toLowerCase()}`);
  assert.ok(ofDevice.body.items.length >= 2, JSON.stringify(ofDevice.body));
  assert.ok(ofDevice.body.items.every((e: Json) => e.args.device === device));
  assert.deepEqual(
    ofDevice.body.items.filter((e: Json) => e.contract === 'fleet').map((e: Json) => e.name),
    ['DeviceStatusChanged', 'ReadingAccepted', 'DeviceRegistered'],
  );
  const operator = kit.chain.operator.address;
  assert.equal((await get(`/v1/index/devices/${device}`)).body.owner, operator, 'the operator registered it: the token was minted to it');
  const byOperator = await get(`/v1/index/events?actor=${operator}&contract=fleet&name=DeviceStatusChanged,DeviceRegistered`);
  assert.deepEqual(
    byOperator.body.items.map((e: Json) => e.name),
    ['DeviceStatusChanged', 'DeviceRegistered', 'DeviceRegistered', 'DeviceRegistered'],
  );
  // ClassProfileSet names no one (the test chain's operator set the profile): found by its sender.
  const profiles = await get(`/v1/index/events?actor=${operator.toLowerCase()}&name=ClassProfileSet`);
  assert.ok(profiles.body.items.length >= 1, JSON.stringify(profiles.body));
  assert.ok(profiles.body.items.every((e: Json) => e.sender === operator));
  const readings = await get(`/v1/index/events?device=${device}&name=ReadingAccepted`);
  assert.deepEqual(new Set(readings.body.items.map((e: Json) => e.sender)), new Set([null]), 'reading events: no sender');
  const stranger = await get(`/v1/index/events?actor=0x${'22'.repeat(20)}`);
  assert.deepEqual(stranger.body.items, []);
  assert.equal((await get('/v1/index/events?actor=operator')).body.error, 'invalid_request');
});

test('/openapi.json lists every index route with the console token as its security', async () => {
  const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { security?: unknown }>>;
  };
  const paths = Object.keys(openapi.paths).filter((p) => p.startsWith('/v1/index/'));
  assert.equal(paths.length, 13, paths.join(', '));
  for (const path of paths) assert.deepEqual(openapi.paths[path]!.get!.security, [{ consoleToken: [] }], path);
});

test('the stream sends new events as the indexer stores them', async () => {
  const address = app.server.address() as { port: number };
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/index/stream`, { headers: auth, signal: controller.signal });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body!.getReader();
  await kit.submitReadings(4, start, undefined, [kit.devices[1]!]);
  await catchUp();
  let text = '';
  const decoder = new TextDecoder();
  while (!text.includes('event: range')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  controller.abort();
  const message = text.split('\n\n').find((m) => m.startsWith('event: range'))!;
  const data = JSON.parse(message.split('\ndata: ')[1]!) as { events: { name: string; args: { sequence: string } }[] };
  assert.ok(
    data.events.some((e) => e.name === 'ReadingAccepted' && e.args.sequence === '4'),
    message,
  );
  const unauthorized = await fetch(`http://127.0.0.1:${address.port}/v1/index/stream`);
  assert.equal(unauthorized.status, 401);
});
