import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorResponseJsonSchema, installErrorHandling, refusingServerOptions } from '../core/httpErrors.js';
import { deviceOfRequest, installRateLimits, type RateLimitOptions } from './rateLimits.js';

const deviceA = '0x00000000000000000000000000000000000000aa';
const deviceB = '0x00000000000000000000000000000000000000bb';

/** A gateway-shaped app (the gateway's error handling, its refusal shape) with two routes, rate limited. */
async function app(limits: RateLimitOptions, lines: Record<string, unknown>[]): Promise<FastifyInstance> {
  const logger = { level: 'warn', stream: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } };
  const a = Fastify({ ...refusingServerOptions, logger });
  installErrorHandling(a);
  a.addSchema(errorResponseJsonSchema);
  await installRateLimits(a, limits);
  a.get<{ Params: { id: string } }>('/v1/devices/:id', async (request) => ({ id: request.params.id }));
  a.post('/v1/readings', async () => ({ ok: true }));
  await a.ready();
  return a;
}

describe('rate limits (@fastify/rate-limit wiring)', () => {
  it('per client: the request over the limit gets 429 rate_limited with Retry-After, and one security log line', async () => {
    const lines: Record<string, unknown>[] = [];
    const a = await app({ perClient: 3, perDevice: 100, windowMs: 60_000 }, lines);
    try {
      for (let i = 0; i < 3; i++) assert.equal((await a.inject(`/v1/devices/${deviceA}`)).statusCode, 200);
      const refused = await a.inject(`/v1/devices/${deviceB}`);
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.json().error, 'rate_limited');
      assert.deepEqual(refused.json().errors, []);
      assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After: ${refused.headers['retry-after']}`);
      const other = await a.inject({ url: `/v1/devices/${deviceA}`, remoteAddress: '10.0.0.2' });
      assert.equal(other.statusCode, 200, 'another client has its own budget');
      const logged = lines.filter((l) => l.security === 'rate_limited');
      assert.equal(logged.length, 1);
      assert.equal(logged[0]!.reason, 'rate_limited');
      assert.equal(logged[0]!.client, '127.0.0.1');
    } finally {
      await a.close();
    }
  });

  it('per device: requests naming one device from many clients are limited together; other devices are not', async () => {
    const lines: Record<string, unknown>[] = [];
    const a = await app({ perClient: 100, perDevice: 2, windowMs: 60_000 }, lines);
    try {
      const from = (n: number) => `10.0.0.${n}`;
      assert.equal((await a.inject({ url: `/v1/devices/${deviceA}`, remoteAddress: from(1) })).statusCode, 200);
      const body = { readings: [{ device: deviceA.toUpperCase().replace('0X', '0x') }] };
      assert.equal((await a.inject({ method: 'POST', url: '/v1/readings', payload: body, remoteAddress: from(2) })).statusCode, 200);
      const refused = await a.inject({ method: 'POST', url: '/v1/readings', payload: body, remoteAddress: from(3) });
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.json().error, 'rate_limited');
      assert.match(refused.json().message, /device 0x0+aa/);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      assert.equal((await a.inject({ url: `/v1/devices/${deviceB}`, remoteAddress: from(3) })).statusCode, 200);
    } finally {
      await a.close();
    }
  });

  it('deviceOfRequest: the path device, else the body device (reading, batch, data request, command)', () => {
    assert.equal(deviceOfRequest({ params: { id: deviceA }, body: undefined }), deviceA);
    assert.equal(deviceOfRequest({ params: { device: deviceB }, body: undefined }), deviceB);
    assert.equal(deviceOfRequest({ params: {}, body: { device: deviceA } }), deviceA);
    assert.equal(deviceOfRequest({ params: {}, body: { readings: [{ device: deviceB }] } }), deviceB);
    assert.equal(deviceOfRequest({ params: {}, body: { request: { device: deviceA } } }), deviceA);
    assert.equal(deviceOfRequest({ params: {}, body: { command: { device: deviceB } } }), deviceB);
    assert.equal(deviceOfRequest({ params: {}, body: { device: 'not-an-id' } }), undefined);
    assert.equal(deviceOfRequest({ params: {}, body: Buffer.from('cbor') }), undefined);
  });
});
