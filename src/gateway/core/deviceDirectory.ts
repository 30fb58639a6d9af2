import type { Address, Hex, PublicClient } from 'viem';
import { decodeEventLog, getAbiItem, hexToBytes, toEventSelector } from 'viem';
import { deviceStatusNames, type DeviceStatusName } from '../../protocol/reasons.js';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import type { GatewayLogger } from './logger.js';
import { LruMap } from './lruMap.js';

/**
 * What the gateway needs to know about a device to check its readings, cached from the
 * PythiaFleet contract: loaded on a miss, then kept current by following the contract's events
 * (so a suspension on chain is refused at the gateway within one poll interval).
 */
const DEVICE_STATUS_CHANGED = toEventSelector(getAbiItem({ abi: gatewayFleetAbi, name: 'DeviceStatusChanged' }));
const DEVICE_KEY_ROTATED = toEventSelector(getAbiItem({ abi: gatewayFleetAbi, name: 'DeviceKeyRotated' }));

export type DeviceState = {
  device: Address;
  status: DeviceStatusName;
  classId: number;
  /** 0x04 ‖ X ‖ Y, as libsecp256k1 returns recovered keys; empty for an unknown device. */
  publicKey65: Uint8Array;
  /** Highest sequence recorded on chain. */
  lastSequence: bigint;
};

/** The chain could not be asked; the request is refused with 503 and nothing is stored. */
export class ChainUnavailableError extends Error {
  override readonly name = 'ChainUnavailableError';
}

export type DeviceDirectoryOptions = {
  publicClient: PublicClient;
  fleetAddress: Address;
  /** How long "not registered" is believed without a DeviceRegistered event (ms). Default 1000. */
  unknownDeviceTtlMs?: number;
  /** Registered devices (and loads in flight) kept, least recently used forgotten first. Default 100,000. */
  maxDevices?: number;
  /** "Not registered" answers kept (anyone can name random ids): a smaller LRU of its own. Default 10,000. */
  maxUnknownDevices?: number;
  /** Event poll interval (ms). Default 250. */
  watchIntervalMs?: number;
  /** Largest block range of one eth_getLogs. Default 2000. */
  maxLogRange?: number;
  logger?: GatewayLogger;
};

type Entry = { state: DeviceState; expiresAt: number } | { loading: Promise<DeviceState> };

/** A change the directory saw on chain: a device's key was rotated, or its status changed. */
export type DeviceChange = { device: Address; kind: 'key_rotated' } | { device: Address; kind: 'status'; status: DeviceStatusName };

export class DeviceDirectory {
  private readonly entries: LruMap<Address, Entry>;
  /** "Not registered" answers, apart: a flood of random ids never evicts known devices. */
  private readonly unknown: LruMap<Address, { state: DeviceState; expiresAt: number }>;
  private readonly client: PublicClient;
  private readonly fleetAddress: Address;
  private readonly unknownDeviceTtlMs: number;
  private readonly watchIntervalMs: number;
  private readonly maxLogRange: bigint;
  private readonly logger: GatewayLogger | undefined;
  private nextBlock: bigint | undefined;
  private watching = false;
  private watchTimer: NodeJS.Timeout | undefined;
  private watchRun: Promise<void> | undefined;
  private readonly listeners = new Set<(change: DeviceChange) => void>();
  /** Block up to which events have been applied (for health). */
  syncedBlock: bigint | undefined;

  constructor(options: DeviceDirectoryOptions) {
    this.client = options.publicClient;
    this.fleetAddress = options.fleetAddress;
    this.unknownDeviceTtlMs = options.unknownDeviceTtlMs ?? 1000;
    this.entries = new LruMap(options.maxDevices ?? 100_000);
    this.unknown = new LruMap(options.maxUnknownDevices ?? 10_000);
    this.watchIntervalMs = options.watchIntervalMs ?? 250;
    this.maxLogRange = BigInt(options.maxLogRange ?? 2000);
    this.logger = options.logger;
  }

  /** The device's state: from the cache, or loaded from the chain (concurrent misses share one call). */
  async get(device: Address): Promise<DeviceState> {
    const key = device.toLowerCase() as Address;
    const unknown = this.unknown.get(key);
    if (unknown && unknown.expiresAt > Date.now()) return unknown.state;
    const entry = this.entries.get(key);
    if (entry) {
      if ('loading' in entry) return entry.loading;
      if (entry.expiresAt > Date.now()) return entry.state;
    }
    const loading = this.load(key);
    const mine: Entry = { loading };
    this.entries.set(key, mine);
    try {
      const state = await loading;
      // An event for this device arrived while loading: the answer may predate it; do not cache.
      if (this.entries.peek(key) === mine) {
        if (state.status === 'none') {
          this.entries.delete(key);
          this.unknown.set(key, { state, expiresAt: Date.now() + this.unknownDeviceTtlMs });
        } else {
          this.entries.set(key, { state, expiresAt: Infinity });
        }
      }
      return state;
    } catch (error) {
      if (this.entries.peek(key) === mine) this.entries.delete(key);
      throw error;
    }
  }

  /**
   * Calls `listener` for every key rotation and status change seen on chain (the MQTT broker drops
   * the device's sessions). Returns the function that stops it.
   */
  onChange(listener: (change: DeviceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: DeviceChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger?.warn({ err: shortError(error) }, 'device directory: a change listener failed');
      }
    }
  }

  /** A cached state only, without asking the chain. */
  peek(device: Address): DeviceState | undefined {
    const key = device.toLowerCase() as Address;
    const entry = this.entries.peek(key) ?? this.unknown.peek(key);
    return entry && 'state' in entry ? entry.state : undefined;
  }

  /** How many devices are cached: known (or loading) and "not registered". */
  cacheSize(): { devices: number; unknown: number } {
    return { devices: this.entries.size, unknown: this.unknown.size };
  }

  private async load(device: Address): Promise<DeviceState> {
    let view;
    try {
      view = await this.client.readContract({
        address: this.fleetAddress,
        abi: gatewayFleetAbi,
        functionName: 'getDevice',
        args: [device],
      });
    } catch (error) {
      throw new ChainUnavailableError(`could not read device ${device} from the chain: ${shortError(error)}`);
    }
    return deviceStateOfView(device, view);
  }

  /** A reading of the device reached the chain (from a receipt): raise its sequence floor. */
  noteRecordedSequence(device: Address, sequence: bigint): void {
    const state = this.peek(device);
    if (state && sequence > state.lastSequence) state.lastSequence = sequence;
  }

  /**
   * Forgets every cached device and follows events from the head again: after a rollback or a
   * switch to another node, states read from blocks that vanished may be wrong.
   */
  forget(): void {
    this.entries.clear();
    if (this.watching) this.nextBlock = undefined;
  }

  /** Starts following the contract's events from the current block. */
  async startWatching(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      this.nextBlock = (await this.client.getBlockNumber()) + 1n;
      this.syncedBlock = this.nextBlock - 1n;
    } catch (error) {
      // The chain is down at start: follow from whatever block it is at when it comes back, and
      // forget the cache then, since events in between are unknown.
      this.logger?.warn({ err: shortError(error) }, 'device directory: chain unreachable at start');
    }
    this.scheduleWatch(0);
  }

  async stopWatching(): Promise<void> {
    this.watching = false;
    if (this.watchTimer) clearTimeout(this.watchTimer);
    await this.watchRun;
  }

  private scheduleWatch(delay: number) {
    if (!this.watching) return;
    this.watchTimer = setTimeout(() => {
      this.watchRun = this.pollEvents().finally(() => this.scheduleWatch(this.watchIntervalMs));
    }, delay);
  }

  private async pollEvents(): Promise<void> {
    try {
      const latest = await this.client.getBlockNumber();
      if (this.nextBlock === undefined) {
        this.entries.clear();
        this.unknown.clear();
        this.nextBlock = latest + 1n;
        this.syncedBlock = latest;
        return;
      }
      let fromBlock: bigint = this.nextBlock;
      while (this.watching && fromBlock <= latest) {
        const toBlock: bigint = latest - fromBlock + 1n > this.maxLogRange ? fromBlock + this.maxLogRange - 1n : latest;
        const logs = await this.client.getLogs({ address: this.fleetAddress, fromBlock, toBlock });
        for (const log of logs) this.applyLog(log);
        fromBlock = toBlock + 1n;
        this.nextBlock = fromBlock;
        this.syncedBlock = toBlock;
      }
    } catch (error) {
      this.logger?.warn({ err: shortError(error) }, 'device directory: event poll failed; will retry');
    }
  }

  /**
   * Applies fleet events seen elsewhere (the relayer's own receipts), so that a device the
   * contract just suspended is refused at once rather than at the next event poll.
   */
  applyLogs(logs: readonly { address: Address; data: Hex; topics: [Hex, ...Hex[]] | [] }[]): void {
    const fleet = this.fleetAddress.toLowerCase();
    for (const log of logs) {
      // Only status changes matter here: recorded sequences arrive through the relayer's outcomes.
      if ((log.topics[0] === DEVICE_STATUS_CHANGED || log.topics[0] === DEVICE_KEY_ROTATED) && log.address.toLowerCase() === fleet) {
        this.applyLog(log);
      }
    }
  }

  private applyLog(log: { data: Hex; topics: [Hex, ...Hex[]] | [] }): void {
    let event;
    try {
      event = decodeEventLog({ abi: gatewayFleetAbi, data: log.data, topics: log.topics });
    } catch {
      return; // an event the gateway does not follow
    }
    switch (event.eventName) {
      case 'DeviceRegistered':
        this.entries.delete(event.args.device.toLowerCase() as Address);
        this.unknown.delete(event.args.device.toLowerCase() as Address);
        break;
      case 'DeviceKeyRotated': {
        // A new key: read the device again (readings and questions are checked against its key).
        const key = event.args.device.toLowerCase() as Address;
        this.entries.delete(key);
        this.emit({ device: key, kind: 'key_rotated' });
        break;
      }
      case 'DeviceStatusChanged': {
        const key = event.args.device.toLowerCase() as Address;
        const entry = this.entries.peek(key);
        this.unknown.delete(key);
        const status = deviceStatusNames[event.args.current] ?? 'none';
        if (entry && 'state' in entry) entry.state.status = status;
        else this.entries.delete(key); // also drops an in-flight load's answer
        this.emit({ device: key, kind: 'status', status });
        break;
      }
      case 'ReadingAccepted':
      case 'ReadingFlagged':
        this.noteRecordedSequence(event.args.device, event.args.sequence);
        break;
      default:
        break;
    }
  }
}

type DeviceViewResult = {
  status: number;
  classId: number;
  lastSequence: bigint;
  publicKey: Hex;
};

export function deviceStateOfView(device: Address, view: DeviceViewResult): DeviceState {
  const raw = view.publicKey && view.publicKey !== '0x' ? hexToBytes(view.publicKey) : new Uint8Array(0);
  const publicKey65 = raw.length === 64 ? concat04(raw) : new Uint8Array(0);
  return {
    device: device.toLowerCase() as Address,
    status: deviceStatusNames[view.status] ?? 'none',
    classId: view.classId,
    publicKey65,
    lastSequence: view.lastSequence,
  };
}

function concat04(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(raw, 1);
  return out;
}

export function shortError(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error && typeof error.shortMessage === 'string') {
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
