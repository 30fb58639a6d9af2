import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Address } from 'viem';
import { decodeMetrics } from '../protocol/payload.js';
import {
  backoffDelay,
  createDeviceClient,
  createMemorySequenceStore,
  GatewayRejection,
  GatewayUnavailable,
  generateDeviceKey,
  parseRetryAfter,
  recoverReadingSigner,
  type SignedReading,
} from './index.js';

const domain = { chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
const fastRetry = { attempts: 5, baseDelayMs: 5, maxDelayMs: 50 };

type Seen = { method: string; url: string; body: string };
type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

/** A real HTTP server on 127.0.0.1 that answers with `handler`, recording every request. */
async function gateway(t: { after: (fn: () => Promise<void>) => void }, handler: Handler) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      handler(req, res, body, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

test('sendReading: fails 3 times with 503, then succeeds; every attempt carries the same signed reading', async (t) => {
  const server = await gateway(t, (_req, res, _body, n) =>
    n <= 3 ? json(res, 503, { error: 'chain_unavailable', message: 'rpc down' }) : json(res, 202, { accepted: 1 }),
  );
  const key = generateDeviceKey();
  const client = createDeviceClient({ gatewayUrl: server.url, key, domain, retry: fastRetry, clock: () => 1_700_000_000 });
  const result = await client.sendReading([150, 250, 400, 600, 1800, 6500]);
  assert.equal(result.status, 202);
  assert.equal(result.attempts, 4);
  assert.equal(result.duplicate, false);
  assert.deepEqual(result.response, { accepted: 1 });
  assert.equal(server.seen.length, 4);
  assert.ok(server.seen.every((s) => s.method === 'POST' && s.url === '/v1/readings' && s.body === server.seen[0]!.body));
  const sent = JSON.parse(server.seen[0]!.body) as SignedReading;
  assert.deepEqual(sent, result.reading);
  assert.equal(sent.sequence, '1');
  assert.equal(sent.timestamp, 1_700_000_000);
  assert.deepEqual(decodeMetrics(sent.payload), [150, 250, 400, 600, 1800, 6500]);
  assert.equal(recoverReadingSigner(sent, domain), key.deviceId);
});

test('network errors (connection reset) are retried too', async (t) => {
  const server = await gateway(t, (req, res, _body, n) => (n <= 2 ? req.socket.destroy() : json(res, 202, { ok: true })));
  const client = createDeviceClient({ gatewayUrl: server.url, key: generateDeviceKey(), domain, retry: fastRetry });
  const result = await client.sendReading('0x0001');
  assert.equal(result.attempts, 3);
  assert.equal(server.seen.length, 3);
});

test('429 is retried and Retry-After is honoured', async (t) => {
  const server = await gateway(t, (_req, res, _body, n) =>
    n === 1 ? json(res, 429, { error: 'queue_full' }, { 'retry-after': '1' }) : json(res, 202, {}),
  );
  const client = createDeviceClient({
    gatewayUrl: server.url,
    key: generateDeviceKey(),
    domain,
    retry: { ...fastRetry, maxDelayMs: 5_000 },
  });
  const started = Date.now();
  await client.sendReading([1]);
  assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
  assert.equal(server.seen.length, 2);
});

test('4xx other than 429 is final: one attempt, typed error with the gateway reason', async (t) => {
  const server = await gateway(t, (_req, res) =>
    json(res, 401, { error: 'bad_signature', message: 'signature does not match the device key' }),
  );
  const client = createDeviceClient({ gatewayUrl: server.url, key: generateDeviceKey(), domain, retry: fastRetry });
  await assert.rejects(client.sendReading([1, 2]), (e: unknown) => {
    assert.ok(e instanceof GatewayRejection);
    assert.equal(e.reason, 'bad_signature');
    assert.equal(e.status, 401);
    assert.match(e.message, /signature does not match/);
    return true;
  });
  assert.equal(server.seen.length, 1);
});

test('batch errors: the reason of { errors: [{ index, reason }] } is surfaced', async (t) => {
  const server = await gateway(t, (_req, res) =>
    json(res, 413, { errors: [{ index: 0, reason: 'payload_too_large', message: 'over 256 bytes' }] }),
  );
  const client = createDeviceClient({ gatewayUrl: server.url, key: generateDeviceKey(), domain, retry: fastRetry });
  await assert.rejects(
    client.sendReadings([{ values: `0x${'00'.repeat(300)}`, timestamp: 1 }]),
    (e: unknown) => e instanceof GatewayRejection && e.reason === 'payload_too_large' && e.status === 413,
  );
});

test('gives up after the attempt budget with GatewayUnavailable', async (t) => {
  const server = await gateway(t, (_req, res) => json(res, 500, { error: 'internal_error' }));
  const client = createDeviceClient({ gatewayUrl: server.url, key: generateDeviceKey(), domain, retry: { ...fastRetry, attempts: 3 } });
  await assert.rejects(
    client.sendReading([1]),
    (e: unknown) => e instanceof GatewayUnavailable && e.attempts === 3 && e.status === 500 && e.reason === 'internal_error',
  );
  assert.equal(server.seen.length, 3);
});

test('a lost acknowledgement: the retry gets 409 replayed_sequence, reported as a delivered duplicate', async (t) => {
  // First attempt is stored by the gateway but the connection dies before the answer.
  const server = await gateway(t, (req, res, _body, n) =>
    n === 1 ? req.socket.destroy() : json(res, 409, { error: 'replayed_sequence' }),
  );
  const client = createDeviceClient({ gatewayUrl: server.url, key: generateDeviceKey(), domain, retry: fastRetry });
  const result = await client.sendReading([1]);
  assert.equal(result.duplicate, true);
  assert.equal(result.attempts, 2);
});

test('a first-attempt 409 is a real replay and is thrown', async (t) => {
  const server = await gateway(t, (_req, res) => json(res, 409, { error: 'replayed_sequence' }));
  const client = createDeviceClient({ gatewayUrl: server.url, key: generateDeviceKey(), domain, retry: fastRetry });
  await assert.rejects(client.sendReading([1]), (e: unknown) => e instanceof GatewayRejection && e.reason === 'replayed_sequence');
});

test('sequences come from the store; sendReadings posts { readings }; GET routes', async (t) => {
  const server = await gateway(t, (req, res) => json(res, 200, { path: req.url }));
  const key = generateDeviceKey();
  const client = createDeviceClient({
    gatewayUrl: `${server.url}/`,
    key,
    domain,
    sequenceStore: createMemorySequenceStore(7n),
    retry: fastRetry,
  });
  const { readings } = await client.sendReadings([
    { values: [1], timestamp: 100 },
    { values: [2], timestamp: 110 },
  ]);
  assert.deepEqual(
    readings.map((r) => r.sequence),
    ['7', '8'],
  );
  assert.deepEqual(JSON.parse(server.seen[0]!.body), { readings });
  assert.equal((await client.sendReading([3])).reading.sequence, '9');
  assert.deepEqual(await client.readingStatus(8n), { path: `/v1/readings/${key.deviceId}/8` });
  assert.deepEqual(await client.deviceInfo(), { path: `/v1/devices/${key.deviceId}` });
  await client.sendSigned(readings[0]!);
  assert.equal(server.seen.at(-1)!.body, JSON.stringify(readings[0]));
});

test('GET 404 is a GatewayRejection with its reason', async (t) => {
  const server = await gateway(t, (_req, res) => json(res, 404, { error: 'unknown_reading' }));
  const client = createDeviceClient({ gatewayUrl: server.url, key: generateDeviceKey(), domain, retry: fastRetry });
  await assert.rejects(
    client.readingStatus(1),
    (e: unknown) => e instanceof GatewayRejection && e.reason === 'unknown_reading' && e.status === 404,
  );
});

test('backoff: exponential ceiling, full jitter, capped, Retry-After as a floor', () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(0, { ...opts, random: () => 0.999 }), 99);
  assert.equal(backoffDelay(3, { ...opts, random: () => 0.5 }), 400);
  assert.equal(backoffDelay(10, { ...opts, random: () => 0.999 }), 999);
  assert.equal(backoffDelay(0, { ...opts, random: () => 0 }), 0);
  assert.equal(backoffDelay(0, { ...opts, random: () => 0 }, 0.5), 500);
  assert.equal(backoffDelay(0, { ...opts, random: () => 0 }, 60), 1000);
  assert.equal(parseRetryAfter('3'), 3);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 5_000), 5);
  assert.equal(parseRetryAfter(null), undefined);
});
