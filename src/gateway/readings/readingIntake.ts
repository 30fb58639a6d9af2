import type { Address } from 'viem';
import type { ReadingRejectionReason, RejectionReason } from '../../protocol/reasons.js';
import { statusOfReason } from '../../protocol/reasons.js';
import type { DeviceDirectory, DeviceState } from '../core/deviceDirectory.js';
import type { GatewayLogger } from '../core/logger.js';
import type { NewReading, ReadingQueue } from './readingQueue.js';
import {
  isReadingProblem,
  MAX_READINGS_PER_REQUEST,
  parseReading,
  readingsOfBody,
  signature65,
  type IndexedReadingProblem,
  type ParsedReading,
} from './readingShape.js';
import { isSignedByDevice } from './readingSignature.js';

/**
 * The transaction data inspection interface, gateway side: every check that costs no gas, then
 * a durable write. A request is atomic: all its readings are stored, or none.
 */

export type IntakeAccepted = { ok: true; readings: { device: Address; sequence: bigint }[] };
export type IntakeRefused = {
  ok: false;
  status: number;
  error: RejectionReason;
  message: string;
  errors: IndexedReadingProblem[];
  retryAfterSeconds?: number;
};
export type IntakeResult = IntakeAccepted | IntakeRefused;

export type ReadingIntakeOptions = {
  queue: ReadingQueue;
  directory: Pick<DeviceDirectory, 'get'>;
  /** EIP-712 domain separator of this chain id and this fleet contract. */
  domainSeparator: Uint8Array;
  /** Most readings stored and not yet settled on chain; beyond, 429 queue_full. Default 200,000. */
  maxQueuedReadings?: number;
  maxReadingsPerRequest?: number;
  /**
   * Most distinct devices one request may name, checked before any chain read: a stranger's
   * request of random ids costs at most this many reads. Default MAX_DEVICES_PER_REQUEST.
   */
  maxDevicesPerRequest?: number;
  /** Called after readings are committed (wakes the relayer). */
  onStored?: () => void;
  logger?: GatewayLogger;
};

type CommitGroup = { readings: NewReading[]; waiters: { resolve: () => void; reject: (e: unknown) => void }[] };

/** Default cap on distinct devices in one POST /v1/readings (a bridge sends for its own few devices). */
export const MAX_DEVICES_PER_REQUEST = 100;

export class ReadingIntake {
  private readonly queue: ReadingQueue;
  private readonly directory: Pick<DeviceDirectory, 'get'>;
  private readonly domainSeparator: Uint8Array;
  private readonly maxQueued: number;
  private readonly maxPerRequest: number;
  private readonly maxDevicesPerRequest: number;
  private readonly onStored: () => void;
  private readonly logger: GatewayLogger | undefined;
  /** Highest sequence stored or being stored per device: the queue's replay floor. */
  private queuedFloor: Map<Address, bigint>;
  private group: CommitGroup | undefined;
  private staged = 0;

  constructor(options: ReadingIntakeOptions) {
    this.queue = options.queue;
    this.directory = options.directory;
    this.domainSeparator = options.domainSeparator;
    this.maxQueued = options.maxQueuedReadings ?? 200_000;
    this.maxPerRequest = options.maxReadingsPerRequest ?? MAX_READINGS_PER_REQUEST;
    this.maxDevicesPerRequest = options.maxDevicesPerRequest ?? MAX_DEVICES_PER_REQUEST;
    this.onStored = options.onStored ?? (() => {});
    this.logger = options.logger;
    this.queuedFloor = this.queue.highestSequences();
  }

  /** Checks a request body and, if every reading passes, stores them all durably before resolving. */
  async submit(body: unknown): Promise<IntakeResult> {
    const shape = readingsOfBody(body, this.maxPerRequest);
    if (!shape.ok) return refuse([], shape.reason, shape.message);

    const problems: IndexedReadingProblem[] = [];
    const parsed: (ParsedReading | undefined)[] = shape.items.map((item, index) => {
      const result = parseReading(item);
      if (isReadingProblem(result)) {
        problems.push({ index, ...result });
        return undefined;
      }
      return result;
    });

    // The only await: device states (cached, or one chain read per unseen device).
    const devices = new Set<Address>();
    for (const p of parsed) if (p) devices.add(p.device);
    if (devices.size > this.maxDevicesPerRequest) {
      return refuse(
        [],
        'too_many_devices',
        `the request names ${devices.size} distinct devices; at most ${this.maxDevicesPerRequest} per request`,
      );
    }
    const states = new Map<Address, DeviceState>();
    await Promise.all([...devices].map(async (d) => states.set(d, await this.directory.get(d))));

    // From here to the enqueue, nothing awaits: the replay floor cannot move under us.
    const requestFloor = new Map<Address, bigint>();
    parsed.forEach((reading, index) => {
      if (!reading) return;
      const problem = this.checkAgainstDevice(reading, states.get(reading.device)!, requestFloor);
      if (problem) problems.push({ index, ...problem });
      const floor = requestFloor.get(reading.device);
      if (floor === undefined || reading.sequence > floor) requestFloor.set(reading.device, reading.sequence);
    });
    if (problems.length > 0) {
      problems.sort((a, b) => a.index - b.index);
      return refuse(problems);
    }

    const readings = parsed as ParsedReading[];
    if (this.queue.pendingCount() + this.staged + readings.length > this.maxQueued) {
      return {
        ...refuse([], 'queue_full', `the gateway queue holds ${this.maxQueued} readings; retry later`),
        retryAfterSeconds: 1,
      };
    }
    for (const r of readings) this.queuedFloor.set(r.device, max(r.sequence, this.queuedFloor.get(r.device) ?? 0n));
    await this.stage(
      readings.map((r) => ({
        device: r.device,
        sequence: r.sequence,
        timestamp: r.timestamp,
        payload: r.payload,
        signature: signature65(r),
      })),
    );
    return { ok: true, readings: readings.map((r) => ({ device: r.device, sequence: r.sequence })) };
  }

  private checkAgainstDevice(
    reading: ParsedReading,
    state: DeviceState,
    requestFloor: Map<Address, bigint>,
  ): { reason: ReadingRejectionReason; message: string } | undefined {
    switch (state.status) {
      case 'none':
        return { reason: 'unknown_device', message: `device ${reading.device} is not registered` };
      case 'suspended':
        return { reason: 'device_suspended', message: `device ${reading.device} is suspended` };
      case 'revoked':
        return { reason: 'device_revoked', message: `device ${reading.device} is revoked` };
      case 'active':
        break;
    }
    if (!isSignedByDevice(this.domainSeparator, reading, state.publicKey65)) {
      return {
        reason: 'bad_signature',
        message: `signature does not verify for device ${reading.device} on this chain and fleet contract`,
      };
    }
    const inRequest = requestFloor.get(reading.device);
    if (inRequest !== undefined && reading.sequence <= inRequest) {
      return {
        reason: 'replayed_sequence',
        message: `sequence ${reading.sequence} repeats or goes back within the request (already ${inRequest})`,
      };
    }
    const floor = max(state.lastSequence, this.queuedFloor.get(reading.device) ?? 0n);
    if (reading.sequence <= floor) {
      return { reason: 'replayed_sequence', message: `sequence ${reading.sequence} is not above ${floor}, the device's last` };
    }
    return undefined;
  }

  /**
   * Group commit: requests checked in the same event-loop turn share one SQLite transaction (one
   * fsync). Each request is still all-or-nothing, and each is answered only after the commit.
   */
  private stage(readings: NewReading[]): Promise<void> {
    if (!this.group) {
      this.group = { readings: [], waiters: [] };
      setImmediate(() => this.commit());
    }
    const group = this.group;
    for (const r of readings) group.readings.push(r);
    this.staged += readings.length;
    return new Promise((resolve, reject) => group.waiters.push({ resolve, reject }));
  }

  private commit(): void {
    const group = this.group;
    this.group = undefined;
    if (!group) return;
    this.staged -= group.readings.length;
    try {
      this.queue.enqueue(group.readings);
    } catch (error) {
      this.logger?.error({ err: error }, 'reading queue: commit failed; nothing of these requests was stored');
      this.queuedFloor = this.queue.highestSequences();
      for (const w of group.waiters) w.reject(error);
      return;
    }
    for (const w of group.waiters) w.resolve();
    this.onStored();
  }
}

function refuse(problems: IndexedReadingProblem[], error?: RejectionReason, message?: string): IntakeRefused {
  const first = problems[0];
  const reason = error ?? first!.reason;
  return {
    ok: false,
    status: statusOfReason(reason),
    error: reason,
    message: message ?? (problems.length > 1 ? `${first!.message} (and ${problems.length - 1} more)` : first!.message),
    errors: problems,
  };
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
