import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Address } from 'viem';

/** Requests per window, per client (IP address) and per device named by a request. */
export type RateLimitOptions = {
  /** Requests one client (IP address) may make per window, any route. Default 3000. */
  perClient?: number;
  /** Requests naming one device (in the path or the body) per window, from any client. Default 600. */
  perDevice?: number;
  /** The window (ms). Default 60,000. */
  windowMs?: number;
  /** Clients and devices counted at once (an LRU: a flood of new keys forgets the oldest). Default 10,000. */
  trackedKeys?: number;
};

export const DEFAULT_RATE_LIMITS = { perClient: 3000, perDevice: 600, windowMs: 60_000, trackedKeys: 10_000 } as const;

/** A refusal the error handler answers as 429 rate_limited (Retry-After is set on the reply). */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly statusCode = 429;
}

const DEVICE_ID = /^0x[0-9a-fA-F]{40}$/;

/**
 * The device a request is about, for the per-device limit: the path's device (GET
 * /v1/devices/{id}, /v1/readings/{device}/…, …/commands), else the body's (a reading, the first
 * of a batch, a data request, a command, a JSON question). CBOR questions are counted per client only.
 */
export function deviceOfRequest(request: Pick<FastifyRequest, 'params' | 'body'>): Address | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  for (const name of ['id', 'device']) {
    const value = params?.[name];
    if (typeof value === 'string' && DEVICE_ID.test(value)) return value.toLowerCase() as Address;
  }
  const body = request.body;
  if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return undefined;
  const record = body as Record<string, unknown>;
  const candidates = [
    record.device,
    Array.isArray(record.readings) ? (record.readings[0] as Record<string, unknown> | undefined)?.device : undefined,
    (record.request as Record<string, unknown> | undefined)?.device,
    (record.command as Record<string, unknown> | undefined)?.device,
  ];
  for (const value of candidates) if (typeof value === 'string' && DEVICE_ID.test(value)) return value.toLowerCase() as Address;
  return undefined;
}

/**
 * Rate limits on every route (@fastify/rate-limit, in memory): per client (IP address) before
 * anything else is done with the request, and per device once the body is parsed (before any
 * signature check or chain read). Over a limit: 429 rate_limited with Retry-After (seconds), and
 * a security line in the log. GET /healthz is exempt from neither.
 */
export async function installRateLimits(app: FastifyInstance, options: RateLimitOptions = {}): Promise<void> {
  const { perClient, perDevice, windowMs, trackedKeys } = { ...DEFAULT_RATE_LIMITS, ...options };
  await app.register(rateLimit, {
    global: true,
    max: perClient,
    timeWindow: windowMs,
    cache: trackedKeys,
    keyGenerator: (request) => `client:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(
        `too many requests from this client: at most ${context.max} per ${windowMs / 1000} s; retry in ${context.after}`,
      ),
  });
  const perDeviceLimit = app.createRateLimit({
    max: perDevice,
    timeWindow: windowMs,
    keyGenerator: (request) => `device:${deviceOfRequest(request)}`,
  });
  app.addHook('preHandler', async (request, reply) => {
    const device = deviceOfRequest(request);
    if (!device) return;
    const limit = await perDeviceLimit(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    reply.header('retry-after', String(limit.ttlInSeconds));
    throw new RateLimitedError(`too many requests for device ${device}: at most ${perDevice} per ${windowMs / 1000} s`);
  });
}
