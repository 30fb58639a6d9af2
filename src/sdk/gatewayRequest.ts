import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, parseRetryAfter, type RetryOptions } from './backoffDelay.js';
import { GatewayRejection, GatewayUnavailable } from './errors.js';

export type GatewayRequestParameters = {
  url: string;
  method: 'GET' | 'POST';
  body?: unknown;
  fetch?: typeof fetch;
  retry?: RetryOptions;
};

export type GatewayRequestReturnType = { status: number; body: unknown; attempts: number };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The gateway's reason and message from an error body: { reason | error, message } or { errors: [{ reason, message }] }. */
export function errorOfBody(body: unknown, status: number): { reason: string; message?: string } {
  if (isObject(body)) {
    const first = Array.isArray(body.errors) && isObject(body.errors[0]) ? body.errors[0] : undefined;
    const nested = isObject(body.error) ? body.error : undefined;
    const reason = [body.reason, typeof body.error === 'string' ? body.error : undefined, nested?.reason, first?.reason, body.code].find(
      (r): r is string => typeof r === 'string' && r.length > 0,
    );
    const message = [body.message, nested?.message, first?.message].find((m): m is string => typeof m === 'string');
    return { reason: reason ?? `http_${status}`, ...(message === undefined ? {} : { message }) };
  }
  return { reason: `http_${status}` };
}

async function readBody(response: Response): Promise<unknown> {
  return parseBodyText(await response.text());
}

/**
 * A gateway's answer as the SDK reads it: JSON, else the text itself (nothing for an empty body). A
 * byte order mark first is dropped, as response.text() drops it (and the C SDK's proof reader).
 */
export function parseBodyText(body: string): unknown {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const retryable = (status: number) => status === 429 || status >= 500;

/**
 * One gateway request with retries: exponential backoff with full jitter on network errors,
 * timeouts, 429 and 5xx, honouring Retry-After. The body is serialised once, so every attempt
 * sends the same bytes (a signed reading is idempotent: the gateway keys replay on its sequence).
 * Any other 4xx is final and thrown as GatewayRejection.
 */
export async function gatewayRequest({
  url,
  method,
  body,
  fetch: fetchFn = fetch,
  retry = {},
}: GatewayRequestParameters): Promise<GatewayRequestReturnType> {
  const attempts = Math.max(1, retry.attempts ?? 6);
  const timeoutMs = retry.timeoutMs ?? 10_000;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  let last: { status?: number; reason: string; cause?: unknown } = { reason: 'network_error' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfter: number | undefined;
    try {
      const response = await fetchFn(url, {
        method,
        headers:
          payload === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const responseBody = await readBody(response);
      if (response.ok) return { status: response.status, body: responseBody, attempts: attempt };
      const { reason, message } = errorOfBody(responseBody, response.status);
      if (!retryable(response.status)) {
        throw new GatewayRejection({
          reason,
          status: response.status,
          body: responseBody,
          attempt,
          ...(message === undefined ? {} : { message }),
        });
      }
      last = { status: response.status, reason };
      retryAfter = parseRetryAfter(response.headers.get('retry-after'));
    } catch (error) {
      if (error instanceof GatewayRejection) throw error;
      last = { reason: 'network_error', cause: error };
    }
    if (attempt < attempts) await sleep(backoffDelay(attempt - 1, retry, retryAfter));
  }
  throw new GatewayUnavailable(attempts, last.status, last.reason, { cause: last.cause });
}
