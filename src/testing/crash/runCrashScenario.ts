import type { Address, PublicClient } from 'viem';
import type { ReadingDomain } from '../../protocol/eip712.js';
import type { DeviceKey } from '../../sdk/types.js';
import { auditReadings, type ReadingAudit } from './auditReadings.js';
import { Killer, type CrashTarget, type KillRecord } from './killer.js';
import { generateLoad } from './loadGenerator.js';
import { ReadingLedger, type LedgerKey } from './readingLedger.js';

/**
 * A crash run: devices send `totalReadings` through the gateway while `target` is killed with
 * SIGKILL at `kills` random moments and started again; then the run waits for the system to
 * drain and audits the chain against the ledger of acknowledgements. The chain is any node
 * (`client`); the target any process; the gateway is reached at `gatewayUrl`.
 */
export type RunCrashScenarioParameters = {
  client: PublicClient;
  fleetAddress: Address;
  domain: ReadingDomain;
  devices: readonly DeviceKey[];
  gatewayUrl: () => string;
  target: CrashTarget;
  totalReadings: number;
  kills: number;
  seed: number;
  readingsPerRequest?: number;
  /** Pace of the load (readings per second). Default: as fast as the gateway acknowledges. */
  readingsPerSecond?: number;
  /** Whether nothing acknowledged waits any more. Default: the gateway reports every acknowledged reading final (allFinal). */
  drained?: (ledger: ReadingLedger) => Promise<boolean>;
  drainTimeoutMs?: number;
  downtimeMs?: readonly [number, number];
  /** The first block the audit reads (a chain that carried other readings before the run). Default 0. */
  auditFromBlock?: bigint;
  onProgress?: (line: string) => void;
};

export type CrashReport = ReadingAudit & {
  target: string;
  seed: number;
  kills: KillRecord[];
  /** From the last restart until drained (ms). */
  drainAfterLastRestartMs: number;
  /** From the end of the load until drained (ms). */
  drainAfterLoadMs: number;
  loadMs: number;
  acknowledgedOnRetry: number;
  requestAttempts: number;
  requests: number;
  /** The gateway's recovery counters at the end (since its last start), from /healthz. */
  gateway: Record<string, unknown> | null;
  /**
   * Readings the gateway answered `final` (sampled while the load ran, then every one while
   * draining) that it later answered otherwise (not final, or another block): a final must never
   * move back, so 0. Null when the run's drain check is not the gateway's finality.
   */
  finalsMovedBack: LedgerKey[] | null;
  /** How many readings were seen final before the end and checked again. */
  finalsWatched: number;
};

const RECOVERY_COUNTERS = [
  'rollbacks',
  'batchesVanished',
  'finalContradicted',
  'lagWaits',
  'gapsFilled',
  'droppedResent',
  'feeBumps',
  'replayedRecorded',
  'replayedUnexplained',
] as const;

type GatewayAnswer = { finality?: string; blockHash?: string; txHash?: string };

/** The gateway's answer about a reading; throws on anything but a 200 (a 429 of its rate limits, a gateway restarting). */
async function askReading(gatewayUrl: () => string, key: LedgerKey): Promise<GatewayAnswer> {
  const [device, sequence] = key.split(':');
  const response = await fetch(`${gatewayUrl()}/v1/readings/${device}/${sequence}`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw Object.assign(new Error(`GET reading ${key}: ${response.status}`), {
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000,
    });
  }
  return (await response.json()) as GatewayAnswer;
}

/** askReading, tried again (after the gateway's Retry-After, or 1 s) for up to `forMs`. */
async function askReadingPatiently(gatewayUrl: () => string, key: LedgerKey, forMs = 120_000): Promise<GatewayAnswer> {
  const deadline = Date.now() + forMs;
  for (;;) {
    try {
      return await askReading(gatewayUrl, key);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      const wait = (error as { retryAfterMs?: number }).retryAfterMs ?? 1000;
      await new Promise((r) => setTimeout(r, Math.min(wait, 10_000)));
    }
  }
}

/**
 * A drain check: whether the gateway reports every acknowledged reading of the ledger final
 * (GET /v1/readings/…; readings seen final are not asked again). `seenFinal` keeps the block
 * each was final in, for `finalsMovedBack`.
 */
export function allFinal(gatewayUrl: () => string): ((ledger: ReadingLedger) => Promise<boolean>) & {
  seenFinal: Map<LedgerKey, GatewayAnswer>;
  /** Asks about a few acknowledged readings not seen final yet (while the load runs). */
  sample: (ledger: ReadingLedger, count: number) => Promise<void>;
  /** The readings seen final that the gateway now answers otherwise. */
  movedBack: () => Promise<LedgerKey[]>;
} {
  const seenFinal = new Map<LedgerKey, GatewayAnswer>();
  const check = async (ledger: ReadingLedger) => {
    try {
      for (const key of ledger.acknowledged()) {
        if (seenFinal.has(key)) continue;
        const reading = await askReading(gatewayUrl, key);
        if (reading.finality !== 'final') return false;
        seenFinal.set(key, reading);
      }
      return true;
    } catch {
      return false;
    }
  };
  return Object.assign(check, {
    seenFinal,
    async sample(ledger: ReadingLedger, count: number) {
      let asked = 0;
      for (const key of ledger.acknowledged()) {
        if (asked >= count) return;
        if (seenFinal.has(key)) continue;
        asked += 1;
        const reading = await askReading(gatewayUrl, key).catch(() => undefined);
        if (reading?.finality === 'final') seenFinal.set(key, reading);
      }
    },
    async movedBack() {
      const moved: LedgerKey[] = [];
      for (const [key, then] of seenFinal) {
        const now = await askReadingPatiently(gatewayUrl, key);
        if (now.finality !== 'final' || now.blockHash !== then.blockHash || now.txHash !== then.txHash) moved.push(key);
      }
      return moved;
    },
  });
}

export async function runCrashScenario(parameters: RunCrashScenarioParameters): Promise<CrashReport> {
  const { target, totalReadings, kills, seed } = parameters;
  const progress = parameters.onProgress ?? (() => {});
  const ledger = new ReadingLedger();
  const killer = new Killer(target, { kills, totalReadings, seed, ...(parameters.downtimeMs && { downtimeMs: parameters.downtimeMs }) });
  progress(`${target.name}: ${kills} kills at ${killer.plan.join(', ')} of ${totalReadings} readings (seed ${seed})`);
  let reported = 0;
  const finality = parameters.drained ? undefined : allFinal(parameters.gatewayUrl);
  // While the load runs, readings the gateway answers final are noted (ten a second: well within
  // the gateway's per-client rate limit, which the load shares), so that one reopened during the
  // kills would show at the end.
  let sampling = true;
  const sampler = (async () => {
    while (finality && sampling) {
      await finality.sample(ledger, 5);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const load = await generateLoad({
    gatewayUrl: parameters.gatewayUrl,
    devices: parameters.devices,
    domain: parameters.domain,
    ledger,
    totalReadings,
    ...(parameters.readingsPerRequest && { readingsPerRequest: parameters.readingsPerRequest }),
    ...(parameters.readingsPerSecond && { readingsPerSecond: parameters.readingsPerSecond }),
    onAcknowledged: (acknowledged) => {
      killer.progress(acknowledged);
      if (acknowledged - reported >= totalReadings / 10) {
        reported = acknowledged;
        progress(`  acknowledged ${acknowledged}/${totalReadings}, kills so far ${killer.kills.length}`);
      }
    },
  });
  await killer.finish();
  sampling = false;
  await sampler;
  const loadEnd = Date.now();
  progress(`  load done: ${load.acknowledged} acknowledged in ${load.durationMs} ms, ${killer.kills.length} kills; draining`);

  const drained = parameters.drained ?? finality!;
  const deadline = Date.now() + (parameters.drainTimeoutMs ?? 300_000);
  let calm = 0;
  while (calm < 2) {
    if (Date.now() > deadline) throw new Error(`not drained within ${parameters.drainTimeoutMs ?? 300_000} ms`);
    calm = (await drained(ledger)) ? calm + 1 : 0;
    if (calm < 2) await new Promise((r) => setTimeout(r, 250));
  }
  const drainedAt = Date.now();
  const audit = await auditReadings({
    client: parameters.client,
    fleetAddress: parameters.fleetAddress,
    ledger,
    ...(parameters.auditFromBlock !== undefined && { fromBlock: parameters.auditFromBlock }),
  });
  const health = (await fetch(`${parameters.gatewayUrl()}/healthz`)
    .then((r) => r.json())
    .catch(() => null)) as { relayer?: Record<string, unknown> } | null;
  const gateway = health?.relayer ? Object.fromEntries(RECOVERY_COUNTERS.map((k) => [k, health.relayer![k]])) : null;
  const finalsMovedBack = finality ? await finality.movedBack() : null;
  return {
    ...audit,
    target: target.name,
    seed,
    kills: killer.kills,
    drainAfterLastRestartMs: drainedAt - (killer.lastRestartAt ?? loadEnd),
    drainAfterLoadMs: drainedAt - loadEnd,
    loadMs: load.durationMs,
    acknowledgedOnRetry: ledger.acknowledgedOnRetryCount,
    requestAttempts: load.attempts,
    requests: load.requests,
    gateway,
    finalsMovedBack,
    finalsWatched: finality?.seenFinal.size ?? 0,
  };
}

/** The figures of a run, one per line. */
export function formatCrashReport(report: CrashReport): string {
  const skipped = Object.entries(report.skipped)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return [
    `target                 ${report.target} (seed ${report.seed})`,
    `kills (SIGKILL)        ${report.kills.length} at acknowledged ${report.kills.map((k) => k.atAcknowledged).join(', ')}${
      report.kills.some((k) => k.afterLoad) ? ` (${report.kills.filter((k) => k.afterLoad).length} after the load ended)` : ''
    }`,
    `acknowledged           ${report.acknowledged} (${report.acknowledgedOnRetry} of them known by a 409 on a retry)`,
    `on chain exactly once  ${report.onChainOnce}`,
    `lost                   ${report.lost.length}`,
    `duplicated             ${report.duplicated.length}`,
    `recorded, not signed   ${report.unexpected.length}`,
    `skipped on chain       ${skipped || 'none'}`,
    `load                   ${report.loadMs} ms, ${report.requests} requests, ${report.requestAttempts} attempts`,
    `drain (all final)      ${report.drainAfterLastRestartMs} ms after the last restart, ${report.drainAfterLoadMs} ms after the load`,
    `finals moved back      ${
      report.finalsMovedBack === null ? 'not watched' : `${report.finalsMovedBack.length} of ${report.finalsWatched} seen final`
    }`,
    `gateway recovery       ${
      report.gateway
        ? Object.entries(report.gateway)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : 'unknown'
    } (since its last start)`,
  ].join('\n');
}
