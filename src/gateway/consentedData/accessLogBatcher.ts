import { encodeFunctionData, type Abi } from 'viem';
import { accessLogAbi } from '../../contracts/abis.js';
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
  /** CanaryRegistry and its ABI (commitCanaries(bytes32[] commitments, bytes32[] deliveryKeys)); without it no canaries are committed. */
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

  private queueCanaries(canaries: readonly CanaryRecord[]): void {
    const { registry, abi } = this.options.canaries!;
    const calldata = encodeFunctionData({
      abi,
      functionName: 'commitCanaries',
      args: [canaries.map((c) => c.commitment), canaries.map((c) => c.deliveryKey!)],
    });
    this.options.ledger.batchInto(
      'canaries',
      canaries.map((c) => c.id),
      { kind: 'canaries', target: registry, calldata },
    );
  }
}
