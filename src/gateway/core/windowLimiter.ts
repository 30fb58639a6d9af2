import { LruMap } from './lruMap.js';

export type WindowLimiterOptions = {
  /** Events one key may have per window. */
  max: number;
  /** The window (ms). */
  windowMs: number;
  /** Keys counted at once (an LRU: a flood of new keys forgets the oldest). Default 10,000. */
  trackedKeys?: number;
};

export type WindowLimit = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * A fixed-window counter per key, for channels @fastify/rate-limit does not cover (the MQTT
 * channel's messages, per device): at most `max` events per key and window.
 */
export class WindowLimiter {
  private readonly windows: LruMap<string, { startedAt: number; count: number }>;

  constructor(private readonly options: WindowLimiterOptions) {
    this.windows = new LruMap(options.trackedKeys ?? 10_000);
  }

  /** Counts one event for `key`; refused once the key has had `max` in its current window. */
  hit(key: string, now = Date.now()): WindowLimit {
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.options.windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    if (window.count <= this.options.max) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.options.windowMs - now) / 1000)) };
  }
}
