import type { ReadingDomain } from '../../protocol/eip712.js';
import { encodeMetrics } from '../../protocol/payload.js';
import { signReading } from '../../sdk/signReading.js';
import type { DeviceKey, SignedReading } from '../../sdk/types.js';
import type { ReadingLedger } from './readingLedger.js';

/**
 * Devices sending signed readings to a gateway the way the SDK does, through whatever happens to
 * the gateway: each device sends its requests one after the other (so its sequences arrive in
 * order), retries the same bytes on a network error, a 5xx or a 429 until the gateway answers,
 * and writes every acknowledgement into the ledger. A 409 replayed_sequence on a retry is an
 * acknowledgement whose answer was lost (docs/protocol.md, "Retrying").
 */
export type GenerateLoadParameters = {
  /** Where the gateway listens (read at every attempt: a restarted gateway may have moved). */
  gatewayUrl: () => string;
  devices: readonly DeviceKey[];
  domain: ReadingDomain;
  ledger: ReadingLedger;
  /** Readings in all, spread over the devices. */
  totalReadings: number;
  /** Readings per request (one device's). Default 20. */
  readingsPerRequest?: number;
  /** Devices sending at the same time. Default all. */
  concurrency?: number;
  /** Pause between a device's requests (ms). Default 0. */
  pauseMs?: number;
  /** Pace of the whole load (readings signed per second), so that it spans the faults of a run. Default: as fast as acknowledged. */
  readingsPerSecond?: number;
  /** Called after every acknowledgement with the number acknowledged so far. */
  onAcknowledged?: (acknowledged: number) => void | Promise<void>;
  /** Give up on a request after this long without an answer (ms). Default 120,000. */
  giveUpAfterMs?: number;
  /** First device timestamp (Unix s); readings of a device are 10 s apart. Default: far enough in the past for any split of the readings. */
  startTimestamp?: number;
};

export type GenerateLoadReturnType = { requests: number; attempts: number; acknowledged: number; durationMs: number };

/** Values inside the air-quality profile, changing slowly (no reading is flagged). */
const valuesOf = (sequence: number) => [120 + (sequence % 40), 250 + (sequence % 60), 300, 450, 2150 + (sequence % 20), 5500];

export async function generateLoad(parameters: GenerateLoadParameters): Promise<GenerateLoadReturnType> {
  const { devices, domain, ledger, totalReadings } = parameters;
  const perRequest = parameters.readingsPerRequest ?? 20;
  const giveUpAfterMs = parameters.giveUpAfterMs ?? 120_000;
  const start = parameters.startTimestamp ?? Math.floor(Date.now() / 1000) - 10 * totalReadings - 600;
  const t0 = Date.now();
  let remaining = totalReadings;
  let requests = 0;
  let attempts = 0;
  let scheduled = 0;
  /** Waits for the moment the next `n` readings are due at the asked pace. */
  const paced = async (n: number) => {
    if (!parameters.readingsPerSecond) return;
    scheduled += n;
    const due = t0 + ((scheduled - n) / parameters.readingsPerSecond) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  };

  const send = async (readings: SignedReading[]) => {
    const body = JSON.stringify({ readings });
    const since = Date.now();
    for (let attempt = 1; ; attempt++) {
      attempts += 1;
      let status: number | undefined;
      let reason: string | undefined;
      let retryAfterMs = Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
      try {
        const response = await fetch(`${parameters.gatewayUrl()}/v1/readings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        const answer = (await response.json().catch(() => ({}))) as { error?: string };
        reason = answer.error;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) retryAfterMs = retryAfter * 1000;
      } catch {
        // The gateway is down or died mid-request: same bytes again.
      }
      if (status === 202) return ledger.acknowledge(readings);
      if (status === 409 && reason === 'replayed_sequence' && attempt > 1) return ledger.acknowledge(readings, { onRetry: true });
      if (status !== undefined && status !== 429 && status < 500) {
        throw new Error(`the gateway refused readings ${readings[0]!.sequence}.. of ${readings[0]!.device}: ${status} ${reason}`);
      }
      if (Date.now() - since > giveUpAfterMs)
        throw new Error(`no answer for readings of ${readings[0]!.device} within ${giveUpAfterMs} ms`);
      await new Promise((r) => setTimeout(r, retryAfterMs));
    }
  };

  const runDevice = async (key: DeviceKey) => {
    let sequence = 0;
    while (remaining > 0) {
      const n = Math.min(perRequest, remaining);
      remaining -= n;
      await paced(n);
      const readings: SignedReading[] = [];
      for (let i = 0; i < n; i++) {
        sequence += 1;
        const reading = signReading({
          key,
          domain,
          sequence,
          timestamp: start + 10 * sequence,
          payload: encodeMetrics(valuesOf(sequence)),
        });
        ledger.signed(reading);
        readings.push(reading);
      }
      requests += 1;
      await send(readings);
      await parameters.onAcknowledged?.(ledger.acknowledgedCount);
      if (parameters.pauseMs) await new Promise((r) => setTimeout(r, parameters.pauseMs));
    }
  };

  const concurrency = Math.min(parameters.concurrency ?? devices.length, devices.length);
  const queue = [...devices];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let key = queue.shift(); key; key = queue.shift()) await runDevice(key);
    }),
  );
  return { requests, attempts, acknowledged: ledger.acknowledgedCount, durationMs: Date.now() - t0 };
}
