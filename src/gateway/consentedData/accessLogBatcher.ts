import { decodeFunctionData, encodeFunctionData, type Abi, type Hex } from 'viem';
import { accessLogAbi } from '../../contracts/abis.js';
import { deliveryProof, type DeliveryProof } from '../../protocol/deliveryBatch.js';
import type { DeliveryEntry } from '../../protocol/recipientTerms.js';
import { deliveryKey } from '../../protocol/recipientTerms.js';
import type { AccessEntry, AccessEntryKind, AccessLedger, CanaryRecord } from './accessLedger.js';
import type { Address } from 'viem';
import type { GatewayLogger } from '../core/logger.js';

/**
 * Puts access entries (deliveries, relayed commands) into AccessLog batches, and canaries into
 * CanaryRegistry commitments, stored as access-log batches (AccessLedger): the relayer sends them
 * with its own nonces, estimates first, and records the outcome. A batch is formed
 * when `maxBatch` entries wait or the oldest has waited `intervalMs`.
 */
export type AccessLogBatcherOptions = {
  ledger: AccessLedger;
  accessLog: Address;
  /**
   * CanaryRegistry and its ABI (commitCanaries(bytes32[] commitments, IAccessLog.DeliveryProof[] deliveries));
   * without it no canaries are committed.
   */
  canaries?: { registry: Address; abi: Abi };
  /** Called after a batch is queued (wakes the relayer). */
  onQueued: () => void;
  /** Entries per AccessLog call (the contract's MAX_BATCH is 256). Default 128. */
  maxBatch?: number;
  /** Longest an entry waits for a batch (ms). Default 2,000. */
  intervalMs?: number;
  logger?: GatewayLogger;
};

const ENTRY_KINDS: readonly AccessEntryKind[] = ['delivery', 'command'];

export class AccessLogBatcher {
  private readonly options: Required<Omit<AccessLogBatcherOptions, 'canaries' | 'logger'>> &
    Pick<AccessLogBatcherOptions, 'canaries' | 'logger'>;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: AccessLogBatcherOptions) {
    this.options = { maxBatch: 128, intervalMs: 2_000, ...options };
  }

  start(): void {
    if (this.timer) return;
    const tick = Math.max(50, Math.floor(this.options.intervalMs / 4));
    this.timer = setInterval(() => this.flush({ onlyDue: true }), tick);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Something was recorded: batch at once if a full batch waits. */
  notify(): void {
    if (this.options.ledger.hasUnbatchedEntries(this.options.maxBatch)) this.flush({ onlyDue: false });
  }

  /** Queues every waiting entry and canary (all of them, or only once the oldest is due). Returns the actions queued. */
  flush({ onlyDue }: { onlyDue: boolean } = { onlyDue: false }): number {
    const { ledger, intervalMs } = this.options;
    const oldest = ledger.oldestUnbatchedAt();
    if (oldest === undefined || (onlyDue && Date.now() - oldest < intervalMs)) return 0;
    let queued = 0;
    try {
      for (const kind of ENTRY_KINDS) {
        for (let entries = ledger.unbatchedEntries(kind, this.options.maxBatch); entries.length > 0; ) {
          this.queueEntries(kind, entries);
          queued += 1;
          entries = ledger.unbatchedEntries(kind, this.options.maxBatch);
        }
      }
      if (this.options.canaries) {
        for (let canaries = ledger.unbatchedCanaries(this.options.maxBatch); canaries.length > 0; ) {
          this.queueCanaries(canaries);
          queued += 1;
          canaries = ledger.unbatchedCanaries(this.options.maxBatch);
        }
      }
    } catch (error) {
      this.options.logger?.error({ err: (error as Error).message }, 'access log: could not queue a batch');
    }
    if (queued > 0) this.options.onQueued();
    return queued;
  }

  private queueEntries(kind: AccessEntryKind, entries: readonly AccessEntry[]): void {
    const calldata =
      kind === 'delivery'
        ? encodeFunctionData({
            abi: accessLogAbi,
            functionName: 'logDeliveries',
            args: [
              entries.map((e) => ({
                consentId: e.consentId,
                device: e.device,
                recipient: e.recipient,
                streams: e.scope,
                readings: e.count,
                dataHash: e.hash,
              })),
            ],
          })
        : encodeFunctionData({
            abi: accessLogAbi,
            functionName: 'logCommands',
            args: [
              entries.map((e) => ({
                consentId: e.consentId,
                device: e.device,
                recipient: e.recipient,
                command: e.scope,
                commandHash: e.hash,
              })),
            ],
          });
    this.options.ledger.batchInto(
      'entries',
      entries.map((e) => e.id),
      { kind: kind === 'delivery' ? 'deliveries' : 'commands', target: this.options.accessLog, calldata },
    );
  }

  /**
   * Commits canaries, each with the Merkle proof of its delivery's place in the logDeliveries batch
   * that carries it (src/protocol/deliveryBatch.ts): the batch is read back from the calldata stored
   * for it, so the proof is of exactly what is (or was) sent.
   */
  private queueCanaries(canaries: readonly CanaryRecord[]): void {
    const { registry, abi } = this.options.canaries!;
    const batches = new Map<number, { keys: Hex[]; deliveries: DeliveryEntry[] } | null>();
    const proven: { id: number; commitment: Hex; delivery: DeliveryProof }[] = [];
    for (const c of canaries) {
      const batch = c.deliveryBatchId === null ? null : this.deliveryBatch(batches, c.deliveryBatchId);
      const index = batch && c.deliveryKey ? batch.keys.indexOf(c.deliveryKey) : -1;
      if (!batch || index < 0) {
        this.options.logger?.error({ canary: c.id, batch: c.deliveryBatchId }, 'access log: a canary’s delivery is not in its batch');
        continue;
      }
      proven.push({ id: c.id, commitment: c.commitment, delivery: deliveryProof(batch.deliveries, index) });
    }
    if (proven.length === 0) return;
    const calldata = encodeFunctionData({
      abi,
      functionName: 'commitCanaries',
      args: [proven.map((c) => c.commitment), proven.map((c) => c.delivery)],
    });
    this.options.ledger.batchInto(
      'canaries',
      proven.map((c) => c.id),
      { kind: 'canaries', target: registry, calldata },
    );
  }

  /** The deliveries of a logDeliveries batch, decoded from its stored calldata (cached per flush). */
  private deliveryBatch(
    cache: Map<number, { keys: Hex[]; deliveries: DeliveryEntry[] } | null>,
    batchId: number,
  ): { keys: Hex[]; deliveries: DeliveryEntry[] } | null {
    if (!cache.has(batchId)) {
      const batch = this.options.ledger.logBatch(batchId);
      let deliveries: DeliveryEntry[] | null = null;
      if (batch?.kind === 'deliveries') {
        const { args } = decodeFunctionData({ abi: accessLogAbi, data: batch.calldata });
        deliveries = (args[0] as readonly DeliveryEntry[]).map((d) => ({ ...d }));
      }
      cache.set(batchId, deliveries && { keys: deliveries.map(deliveryKey), deliveries });
    }
    return cache.get(batchId) ?? null;
  }
}
