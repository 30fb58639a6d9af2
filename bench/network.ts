import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Address } from 'viem';
import { createChainClients } from '../src/chain/clients.js';
import { readFleetEvents, type FleetEvent } from '../src/chain/fleetEvents.js';
import { startGateway } from '../src/gateway/server.js';
import { readNodeProcess } from '../src/network/index.js';
import type { ReadingDomain } from '../src/protocol/eip712.js';
import { generateDeviceKey } from '../src/sdk/index.js';
import { registerAirQualityDevices, startDeployedNetwork } from '../src/testing/deployedNetwork.js';
import { runPostClient } from './runPostClient.js';

export type MeasureNetworkParameters = {
  /** Seconds between blocks. */
  period: number;
  devices: number;
  /** Readings per second the devices send (the load is paced at this rate). */
  rate: number;
  /** Signs every device's readings into request bodies, one queue per client (see run.ts). */
  signBodies: (
    keys: ReturnType<typeof generateDeviceKey>[],
    domain: ReadingDomain,
  ) => { bodies: { at: number; body: string }[][]; measured: { device: Address; sequence: bigint }[] };
  requireAccepted: (what: string, readings: readonly { device: Address; sequence: bigint }[], events: readonly FleetEvent[]) => void;
  onProgress?: (line: string) => void;
};

export type NetworkFigures = {
  period: number;
  validators: number;
  confirmations: number;
  readings: number;
  offeredPerSecond: number;
  acknowledgedPerSecond: number;
  /** Readings over the whole run: from the first request to the last reading final. */
  finalPerSecond: number;
  /** Readings (less those final at the first moment) over the time from the first reading final to the last. */
  sustainedFinalPerSecond: number | undefined;
  latencyMs: { p50: number; p99: number; max: number };
  /** The latency in stages (p50 / p99, ms): queued in the gateway until its batch was signed, then until seen included, then until final. */
  stagesMs: Record<'queued' | 'toIncluded' | 'toFinal', { p50: number; p99: number }>;
  targetP99Ms: number;
  blocks: number;
  meanBlockSeconds: number;
  batches: number;
  /** Gas the batches used, per reading (receipts), and each batch's gas limit per reading (what the relayer asked). */
  gas: { usedPerReading: number; limitPerReading: number; blockGasLimit: number; fullestBlock: number };
  /**
   * CPU seconds from the first request to the last reading final: this process (gateway and the
   * load generator's worker), each validator's geth, and the whole machine (other helpers' work
   * included), over `wallSeconds`.
   */
  cpu: { wallSeconds: number; gatewayProcess: number; validators: number[]; machine: number; cores: number };
};

const CLOCK_TICKS = 100;

/** utime + stime of a process (s), from /proc. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Busy CPU seconds of the whole machine (every core), and the number of cores, from /proc/stat. */
function machineCpuSeconds(): { busy: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const [user, nice, system, , , irq, softirq, steal] = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
  return {
    busy: (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS,
    cores: lines.filter((l) => /^cpu\d+ /.test(l)).length,
  };
}

const BATCH_SIZE = 400;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export async function measureNetwork(parameters: MeasureNetworkParameters): Promise<NetworkFigures> {
  const progress = parameters.onProgress ?? (() => {});
  const deployed = await startDeployedNetwork({ validators: 3, period: parameters.period, onProgress: progress });
  const { dir, network, rpcUrls, chainId, roles } = deployed;
  const root = deployed.workDir;
  let stopGateway: (() => Promise<void>) | undefined;
  try {
    const fleet = deployed.fleetAddress;
    const clients = createChainClients({ chainId, rpcUrl: rpcUrls[0]! });
    const keys = Array.from({ length: parameters.devices }, () => generateDeviceKey());
    await registerAirQualityDevices(deployed, keys);
    const { bodies, measured } = parameters.signBodies(keys, { chainId, verifyingContract: fleet });
    const total = measured.length;

    const gateway = await startGateway({
      rpcUrls,
      chainId,
      fleetAddress: fleet,
      relayerAccount: roles.relayer,
      dbPath: join(root, 'gateway.sqlite'),
      port: 0,
      // Each batch under geth's 128 KiB. A batch is in flight from its broadcast until the gateway
      // sees its receipt: 1–2 periods (geth seals the transactions it had when the previous block
      // came), so enough for 3 periods of load, and some.
      batchSize: BATCH_SIZE,
      maxInFlightBatches: Math.ceil((parameters.rate * parameters.period * 3) / BATCH_SIZE) + 4,
      maxQueuedReadings: 1_000_000,
    });
    stopGateway = () => gateway.close();
    const gethPids = network.nodes
      .filter((n) => n.role === 'validator')
      .map((n) => readNodeProcess(join(dir, n.dir)))
      .flatMap((p) => (p.state === 'running' ? [p.pid] : []));
    const cpuAt = () => ({
      gateway: processCpuSeconds(process.pid),
      validators: gethPids.map(processCpuSeconds),
      machine: machineCpuSeconds(),
      at: performance.now(),
    });
    const fromBlock = (await clients.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    progress(`sending ${total} readings at ${parameters.rate}/s from ${parameters.devices} devices`);
    const startedAt = Date.now();
    const cpu0 = cpuAt();
    const t0 = performance.now();
    // The load generator runs in a worker thread (as the answers benchmark's does), not on the gateway's event loop.
    await runPostClient({ url: `${gateway.url}/v1/readings`, queues: bodies, contentType: 'application/json', expectStatus: 202 });
    const acknowledgedMs = performance.now() - t0;
    let latencies: number[] = [];
    let lastReport = performance.now();
    const { queue } = gateway.app.pythia;
    for (;;) {
      // While readings are pending, a counter kept in memory; then the query (which reads every final reading's row).
      latencies = queue.pendingCount() > 0 ? [] : queue.finalityLatencies(startedAt);
      if (latencies.length >= total) break;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        progress(`  pending ${queue.pendingCount()}, final ${latencies.length}/${total}`);
      }
      if (performance.now() - t0 > 600_000) throw new Error(`only ${latencies.length} of ${total} readings final after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const finalMs = performance.now() - t0;
    const cpu1 = cpuAt();
    const window = queue.finalWindow(startedAt)!;
    const stages = queue.finalityStages(startedAt);
    const stage = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99) });
    const toBlock = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
    const events = await readFleetEvents(clients.publicClient, fleet, fromBlock, toBlock);
    parameters.requireAccepted(`network (period ${parameters.period} s)`, measured, events);
    const [first, last] = await Promise.all([
      clients.publicClient.getBlock({ blockNumber: fromBlock - 1n }),
      clients.publicClient.getBlock({ blockNumber: toBlock }),
    ]);
    const blocks = Number(toBlock - fromBlock + 1n);
    const batchHashes = [...new Set(events.flatMap((e) => (e.kind === 'accepted' ? [e.transactionHash] : [])))];
    const [receipts, transactions, blockList] = await Promise.all([
      Promise.all(batchHashes.map((hash) => clients.publicClient.getTransactionReceipt({ hash }))),
      Promise.all(batchHashes.map((hash) => clients.publicClient.getTransaction({ hash }))),
      Promise.all(Array.from({ length: blocks }, (_, i) => clients.publicClient.getBlock({ blockNumber: fromBlock + BigInt(i) }))),
    ]);
    const readingsIn = events.filter((e) => e.kind === 'accepted').length;
    const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
    const confirmations = gateway.app.pythia.relayer.status().finality?.confirmations ?? NaN;
    return {
      period: parameters.period,
      validators: 3,
      confirmations,
      readings: total,
      offeredPerSecond: parameters.rate,
      acknowledgedPerSecond: Math.round((total / acknowledgedMs) * 1000),
      finalPerSecond: Math.round((total / finalMs) * 1000),
      // Readings become final at the rate the system sustains, one latency after they came: from
      // the first final to the last, the fixed delay of the pipeline (reported as latency) is out;
      // so are the readings that became final at that first moment (they took no time of the span).
      // A span of a few blocks says nothing of a sustained rate.
      sustainedFinalPerSecond:
        window.last - window.first >= 5 * parameters.period * 1000
          ? Math.round(((total - window.atFirst) / (window.last - window.first)) * 1000)
          : undefined,
      latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN },
      stagesMs: { queued: stage(stages.queued), toIncluded: stage(stages.toIncluded), toFinal: stage(stages.toFinal) },
      targetP99Ms: (confirmations + 2) * parameters.period * 1000,
      blocks,
      meanBlockSeconds: Number(last.timestamp - first.timestamp) / blocks,
      batches: batchHashes.length,
      gas: {
        usedPerReading: Math.round(Number(sum(receipts.map((r) => r.gasUsed))) / readingsIn),
        limitPerReading: Math.round(Number(sum(transactions.map((t) => t.gas))) / readingsIn),
        blockGasLimit: Number(last.gasLimit),
        fullestBlock: Math.max(...blockList.map((b) => Number(b.gasUsed))),
      },
      cpu: {
        wallSeconds: (cpu1.at - cpu0.at) / 1000,
        gatewayProcess: cpu1.gateway - cpu0.gateway,
        validators: cpu1.validators.map((v, i) => v - cpu0.validators[i]!),
        machine: cpu1.machine.busy - cpu0.machine.busy,
        cores: cpu1.machine.cores,
      },
    };
  } finally {
    await stopGateway?.().catch(() => undefined);
    await deployed.stop();
  }
}
