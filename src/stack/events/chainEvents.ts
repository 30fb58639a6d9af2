import { parseEventLogs, type Address, type Hex, type Log, type PublicClient } from 'viem';
import { canonicalHashAt, isCanonical, type BlockId } from '../../gateway/readings/canonicalChain.js';
import { deviceIdentityAbi, pythiaFleetAbi } from '../../contracts/abis.js';
import { flagReasonNames } from '../../protocol/reasons.js';
import type { DeviceFlaggedEvent, FlagLimit, OperatorEvent } from './operatorEvent.js';

/** The events of the chain an operator is told of: flags, status changes, compromised keys. */
const chainEventNames = ['ReadingFlagged', 'DeviceFlagged', 'DeviceStatusChanged', 'CompromisedKeyRevoked'] as const;
const chainEventsAbi = [...pythiaFleetAbi, ...deviceIdentityAbi].filter(
  (item) => item.type === 'event' && (chainEventNames as readonly string[]).includes(item.name),
);

const OUT_OF_RANGE = 1;
const EXCESSIVE_CHANGE = 2;
/** A flag raised outside the reading path (IReadingInspection: DeviceFlagged), beyond flagReasonBits. */
const FIRMWARE_UNAPPROVED = 32;

const reasonsOf = (bits: number): string[] => [
  ...flagReasonNames(bits),
  ...((bits & FIRMWARE_UNAPPROVED) !== 0 ? ['FirmwareUnapproved'] : []),
];

export type ChainEventsOfLogsParameters = {
  publicClient: PublicClient;
  fleet: Address;
  deviceIdentity?: Address;
  logs: readonly Log[];
};

/**
 * The operator events in a range of logs, in chain order. A reading flagged for a metric gets the
 * limit it broke, read from the profile that applied at its block; each event is timed by its block.
 */
export async function chainEventsOfLogs(parameters: ChainEventsOfLogsParameters): Promise<OperatorEvent[]> {
  const { publicClient, fleet, deviceIdentity } = parameters;
  const fromUs = parameters.logs.filter((log) => {
    const address = log.address.toLowerCase();
    return address === fleet.toLowerCase() || (deviceIdentity !== undefined && address === deviceIdentity.toLowerCase());
  });
  const parsed = parseEventLogs({ abi: chainEventsAbi, logs: fromUs as Log[], strict: true });
  const blockTimes = new Map<bigint, string>();
  // One read of a profile per device and block, however many of its readings the block flagged.
  const limits = new Map<string, Promise<FlagLimit | undefined>>();
  const timeOf = async (block: bigint) => {
    let time = blockTimes.get(block);
    if (time === undefined) {
      const { timestamp } = await publicClient.getBlock({ blockNumber: block });
      time = new Date(Number(timestamp) * 1000).toISOString();
      blockTimes.set(block, time);
    }
    return time;
  };
  const events: OperatorEvent[] = [];
  for (const log of parsed) {
    if (log.blockNumber === null || log.transactionHash === null) continue;
    const at = { time: await timeOf(log.blockNumber), block: Number(log.blockNumber), txHash: log.transactionHash };
    const isFleet = log.address.toLowerCase() === fleet.toLowerCase();
    switch (log.eventName) {
      case 'ReadingFlagged': {
        if (!isFleet) break;
        const { device, sequence, reasons, metric, value } = log.args as {
          device: Address;
          sequence: bigint;
          reasons: number;
          metric: number;
          value: number;
        };
        const metricCheck = (reasons & (OUT_OF_RANGE | EXCESSIVE_CHANGE)) !== 0;
        const event: DeviceFlaggedEvent = {
          ...at,
          level: 'info',
          event: 'device_flagged',
          device,
          sequence: sequence.toString(),
          reasons: reasonsOf(reasons),
          ...(metricCheck && { metric, value }),
        };
        if (metricCheck) {
          const outOfRange = (reasons & OUT_OF_RANGE) !== 0;
          const key = `${device}:${log.blockNumber}:${metric}:${outOfRange}`;
          if (!limits.has(key)) limits.set(key, limitAt(publicClient, fleet, device, log.blockNumber, metric, outOfRange));
          const limit = await limits.get(key);
          if (limit) event.limit = limit;
        }
        events.push(event);
        break;
      }
      case 'DeviceFlagged': {
        if (!isFleet) break;
        const { device, reasons } = log.args as { device: Address; reasons: number };
        events.push({ ...at, level: 'info', event: 'device_flagged', device, reasons: reasonsOf(reasons) });
        break;
      }
      case 'DeviceStatusChanged': {
        if (!isFleet) break;
        const { device, previous, current, by, reason } = log.args as {
          device: Address;
          previous: number;
          current: number;
          by: Address;
          reason: string;
        };
        const name =
          current === 2
            ? 'device_suspended'
            : current === 3
              ? 'device_revoked'
              : current === 1 && previous >= 2
                ? 'device_reinstated'
                : undefined;
        if (name) events.push({ ...at, level: name === 'device_reinstated' ? 'info' : 'warn', event: name, device, by, reason });
        break;
      }
      case 'CompromisedKeyRevoked': {
        if (isFleet) break;
        const { device, by, reason } = log.args as { device: Address; by: Address; reason: string };
        events.push({ ...at, level: 'warn', event: 'device_key_revoked', device, by, reason });
        break;
      }
    }
  }
  return events;
}

/** The limit of a metric in the device's profile at a block: [min, max] for OutOfRange, else the max change. */
async function limitAt(
  publicClient: PublicClient,
  fleet: Address,
  device: Address,
  blockNumber: bigint,
  metric: number,
  outOfRange: boolean,
): Promise<FlagLimit | undefined> {
  try {
    const [profile] = await publicClient.readContract({
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'effectiveProfile',
      args: [device],
      blockNumber,
    });
    if (outOfRange) {
      const min = profile.minValue[metric];
      const max = profile.maxValue[metric];
      return min === undefined || max === undefined ? undefined : { min, max };
    }
    const maxDelta = profile.maxDelta[metric];
    return maxDelta === undefined ? undefined : { maxDelta };
  } catch {
    // A node that keeps no state for old blocks: the line goes without the limit.
    return undefined;
  }
}

/**
 * Told blocks whose hashes a watcher remembers by default (a few hundred bytes each): the end of
 * every range it read and every block of a range with a log of the watched contracts, the newest
 * 1,024. A chain that goes back fewer blocks than that is walked back exactly: far beyond a Clique
 * reorg, or an embedded Anvil restored from its last save (at most `--chain-save-interval` old,
 * 1 s by default, in which the relayer mines a handful of blocks).
 */
export const REMEMBERED_BLOCKS = 1_024;

export type WatchChainEventsParameters = {
  publicClient: PublicClient;
  fleet: Address;
  deviceIdentity?: Address;
  /** The first block to look at. */
  fromBlock: bigint;
  /**
   * The newest block final at a head: events are told only once their block is final, so that a
   * reorg (or an embedded chain restored from its last save) seldom takes back a line already
   * shown; when the chain still goes back below a told block, a `chain_went_back` event says so
   * and the events of the re-made blocks are told as they become final. Default: the head.
   */
  finalBlockAt?: (head: number) => number;
  onEvent: (event: OperatorEvent) => void;
  /** Polls began to fail (the node is away): told once until a poll succeeds again; each is tried again. */
  onError?: (error: unknown) => void;
  /** Default 500 ms. */
  pollIntervalMs?: number;
  /** Largest block range of one eth_getLogs. Default 2,000. */
  maxLogRange?: number;
  /** Told blocks remembered by hash to find where the chain went back to. Default REMEMBERED_BLOCKS. */
  rememberedBlocks?: number;
};

export type WatchChainEventsReturnType = { stop: () => Promise<void> };

/** A told block as it was told: its hash, and how many events were told for it. */
type ToldBlock = BlockId & { events: number };

/**
 * Follows the chain from a block, telling each operator event once, in order, until stopped. It
 * remembers the hashes of the blocks it told (as the indexer, src/indexer/followChain.ts): when
 * the newest is no longer canonical (a reorg deeper than the finality rule, a node restored from
 * older state, evm_revert), it walks back to the newest told block still canonical, says so once
 * (`chain_went_back`), and tells the events of the blocks above it again as they become final.
 */
export function watchChainEvents(parameters: WatchChainEventsParameters): WatchChainEventsReturnType {
  const { publicClient } = parameters;
  const interval = parameters.pollIntervalMs ?? 500;
  const range = BigInt(parameters.maxLogRange ?? 2_000);
  const remembered = parameters.rememberedBlocks ?? REMEMBERED_BLOCKS;
  if (!Number.isSafeInteger(remembered) || remembered < 1)
    throw new Error(`rememberedBlocks must be a positive integer, got ${remembered}`);
  let next = parameters.fromBlock;
  /** Ascending, all of one chain: each range is read only while the newest told block is still canonical. */
  const told: ToldBlock[] = [];
  /** The newest block below those remembered: the newest forgotten, or the block before the first watched. */
  let belowRemembered = Number(parameters.fromBlock) - 1;
  let forgot = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const addresses = [parameters.fleet, ...(parameters.deviceIdentity ? [parameters.deviceIdentity] : [])];
  let failing = false;
  const poll = () =>
    follow().then(
      () => {
        failing = false;
      },
      (error: unknown) => {
        if (!failing) parameters.onError?.(error);
        failing = true;
      },
    );

  /** When the newest told block is no longer canonical: back to the newest still canonical, said once. */
  const goBackIfTheChainDid = async () => {
    const newest = told.at(-1);
    if (newest === undefined || (await isCanonical(publicClient, newest))) return;
    // One chain: its canonical blocks are a prefix of `told`; the newest of them by bisection.
    let canonical = -1;
    let notCanonical = told.length - 1;
    while (notCanonical - canonical > 1) {
      const middle = (canonical + notCanonical) >> 1;
      if (await isCanonical(publicClient, told[middle]!)) canonical = middle;
      else notCanonical = middle;
    }
    const undone = told.splice(canonical + 1);
    const toBlock = told.at(-1)?.number ?? belowRemembered;
    next = BigInt(toBlock + 1);
    parameters.onEvent({
      time: new Date().toISOString(),
      level: 'warn',
      event: 'chain_went_back',
      fromBlock: newest.number,
      toBlock,
      undoneEvents: undone.reduce((sum, block) => sum + block.events, 0),
      ...(told.length === 0 && forgot && { deeperThanRemembered: true }),
    });
  };

  /**
   * The logs of [from, to] and the hashes of `to` and of the blocks with logs, read while `to`'s
   * hash and the newest told block stayed canonical (so the range goes on from what was told);
   * undefined when the chain moved during the read: the next poll looks again.
   */
  const readRange = async (from: bigint, to: bigint) => {
    const toHash = await canonicalHashAt(publicClient, Number(to));
    if (toHash === undefined) return undefined;
    const logs = await publicClient.getLogs({ address: addresses, fromBlock: from, toBlock: to });
    const blocks = new Map<number, Hex>();
    for (const log of logs) {
      if (log.blockNumber === null || log.blockHash === null) continue;
      const seen = blocks.get(Number(log.blockNumber));
      if (seen !== undefined && seen !== log.blockHash) return undefined;
      blocks.set(Number(log.blockNumber), log.blockHash);
    }
    if ((blocks.get(Number(to)) ?? toHash) !== toHash) return undefined;
    const newest = told.at(-1);
    if (newest !== undefined && !(await isCanonical(publicClient, newest))) return undefined;
    if ((await canonicalHashAt(publicClient, Number(to))) !== toHash) return undefined;
    blocks.set(Number(to), toHash);
    return { logs, blocks };
  };

  const remember = (blocks: Map<number, Hex>, events: readonly OperatorEvent[]) => {
    const counts = new Map<number, number>();
    for (const event of events) if ('block' in event) counts.set(event.block, (counts.get(event.block) ?? 0) + 1);
    for (const [number, hash] of [...blocks].sort(([a], [b]) => a - b)) told.push({ number, hash, events: counts.get(number) ?? 0 });
    if (told.length > remembered) {
      belowRemembered = told.splice(0, told.length - remembered).at(-1)!.number;
      forgot = true;
    }
  };

  const follow = async () => {
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    await goBackIfTheChainDid();
    const final = parameters.finalBlockAt ? BigInt(parameters.finalBlockAt(Number(head))) : head;
    // Told only up to the final block: a reorg or a restored embedded chain seldom changes what is below it.
    while (!stopped && next <= final) {
      const toBlock = next + range - 1n < final ? next + range - 1n : final;
      const read = await readRange(next, toBlock);
      if (read === undefined) return;
      const events = await chainEventsOfLogs({ ...parameters, logs: read.logs });
      for (const event of events) if (!stopped) parameters.onEvent(event);
      remember(read.blocks, events);
      next = toBlock + 1n;
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().finally(() => {
        running = undefined;
        schedule();
      });
    }, interval);
  };
  running = poll().finally(() => {
    running = undefined;
    schedule();
  });
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
