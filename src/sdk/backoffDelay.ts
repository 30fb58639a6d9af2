export type RetryOptions = {
  /** Attempts in all, including the first. Default 6. */
  attempts?: number;
  /** First backoff ceiling. Default 250 ms. */
  baseDelayMs?: number;
  /** Largest wait between attempts, Retry-After included. Default 30 s. */
  maxDelayMs?: number;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Uniform [0, 1) source for jitter; Math.random by default. */
  random?: () => number;
};

/**
 * "Full jitter" exponential backoff: a uniform wait in [0, min(max, base · 2^retry)), so that a
 * fleet that lost its gateway at the same instant does not come back in lockstep. A server's
 * Retry-After (seconds) is a floor.
 */
export function backoffDelay(retry: number, options: RetryOptions = {}, retryAfterSeconds?: number): number {
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** retry);
  const jittered = Math.floor(random() * ceiling);
  const floor = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0;
  return Math.min(max, Math.max(jittered, floor));
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
