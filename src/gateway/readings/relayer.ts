import {
  encodeFunctionData,
  hexToBytes,
  parseTransaction,
  TransactionReceiptNotFoundError,
  type Address,
  type Hex,
  type Log,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import { keccak256 } from '../../protocol/keccak.js';
import { shortError } from '../core/deviceDirectory.js';
import type { GatewayLogger } from '../core/logger.js';
import { BatchConfirmer, type ConfirmerStatus } from './batchConfirmer.js';
import { broadcastRejectionOf } from './broadcastRejection.js';
import { canonicalHashAt } from './canonicalChain.js';
import { bumpedFees } from './feeBump.js';
import { fitBatch, MAX_BATCH_CALLDATA_BYTES } from './fitBatch.js';
import { detectFinalityPolicy, type FinalityPolicy } from './finalityPolicy.js';
import { findReadingRecording } from './readingRecording.js';
import { signedReadingOf } from './signedReadingOf.js';
import { readingOutcomesOfLogs } from './receiptOutcomes.js';
import { revertReasonOf } from './revertReason.js';
import type { BatchRecord, ReadingOutcome, ReadingQueue, RelayedAction, RelayedActionRef } from './readingQueue.js';

/**
 * The relayer/batcher: takes pending readings in arrival order, puts up to `batchSize` in one
 * submitReadings transaction, signs it with its own nonce counter so several batches can be in
 * flight, records the signed transaction before broadcasting it, and stores every reading's
 * outcome from the receipt — once the receipt's block is checked to be the canonical one at its
 * height (a receipt alone is not proof: a node restarted from older state may still answer for
 * a transaction it lost). The outcome is included until the BatchConfirmer finds it final, and
 * whatever vanishes from the chain is sent again (same bytes, same nonce). After a crash it
 * resumes from the queue: a recorded transaction is looked up (and broadcast again, same bytes,
 * if it is not mined), so nothing acknowledged is lost and nothing is submitted twice.
 */
export type RelayerOptions = {
  publicClient: PublicClient;
  account: LocalAccount;
  chainId: number;
  fleetAddress: Address;
  queue: ReadingQueue;
  /** Readings per transaction (at most: a batch is cut to maxBatchBytes). Default 400 (~115 KB of 12-byte payloads). */
  batchSize?: number;
  /**
   * Transactions broadcast and not yet seen mined. Default 32: a batch stays in flight for one to
   * two block periods (geth seals what it had when the previous block came), and at 2,000
   * readings/s and 2 s blocks that is 10 to 20 batches of 400 (16, the default before, held new
   * batches back at the second period).
   */
  maxInFlightBatches?: number;
  /** Largest calldata of a batch (bytes); a batch of `batchSize` readings is cut to fit. Default 120,000 (geth refuses transactions over 128 KiB). */
  maxBatchBytes?: number;
  /** Longest wait for a batch to fill before a partial batch is sent (ms). Default 100. */
  batchIntervalMs?: number;
  /**
   * How often the head is read for the batches in flight (ms): a batch's receipt is looked up when
   * the head has changed since its last look (and at least every second). Default 100.
   */
  receiptPollMs?: number;
  /** Broadcast an unmined transaction again after this long (ms). Default 15,000. */
  rebroadcastMs?: number;
  /**
   * Gas limit per reading of a batch (plus 150,000), capped by the block gas limit. Unused gas is
   * not charged, and eth_estimateGas of a 200-reading batch takes Anvil ~0.5 s (it re-runs the
   * batch many times), so a fixed budget is used; after a reverted batch the next one is estimated
   * (× 1.3). Default 30,000: a reading costs 14,400–14,700 (17,000 for a device whose key was
   * rotated; docs/contracts.md, "Gas"). A block takes a transaction only while the gas left in it
   * covers the transaction's whole limit, so a budget far above the cost leaves blocks part empty
   * on a chain with a small block gas limit (geth gives the unused gas back to the block after).
   */
  gasPerReading?: number;
  /**
   * Also hands each signed transaction to the chain's other nodes (best effort, not awaited), each
   * time it is broadcast: every validator has it from its own RPC at once, whichever seals next.
   */
  broadcastElsewhere?: (rawTx: Hex) => Promise<void>;
  /** Called with each mined batch's outcomes (keeps the device directory's sequence floors current). */
  onOutcomes?: (outcomes: ReadingOutcome[], logs: readonly Log[]) => void;
  /** Blocks (counting the including block) before an outcome is final. Default: per chain (finalityPolicy.ts). */
  confirmations?: number;
  /** How long (ms) after the gateway saw a batch included its outcome may become final. Default: per chain. */
  finalityDelayMs?: number;
  /**
   * The last block the process running the node has saved durably (the embedded Anvil's last
   * state save), if it says: nothing above it becomes final, and on Anvil it replaces the delay.
   */
  savedBlock?: () => number | undefined;
  /** How often the head is read for rollbacks and finality (ms). Default 500. */
  monitorIntervalMs?: number;
  /** How often nonces are checked for gaps, dropped and stuck transactions (ms). Default 2,000. */
  repairIntervalMs?: number;
  /** A transaction at the chain's nonce, known to the node, unmined this long, is signed again with higher fees (ms). Default 30,000. */
  stuckAfterMs?: number;
  /**
   * How long (ms) a node whose head is below a block the gateway recorded a batch in is waited for
   * (it is catching up: no evidence that the block vanished) before the block is taken as gone.
   * Default 30,000; 0 on Anvil (it syncs from no one: a head below the block stays below).
   */
  lagGraceMs?: number;
  /** How far back (blocks) a reading skipped as Replayed is looked for when no earlier reading of its device bounds the search. Default 50,000. */
  replayLookbackBlocks?: number;
  /** Called when batches vanished from the chain (a rollback, a reorg, another node): caches of chain state are stale. */
  onRollback?: (reason: string) => void;
  logger?: GatewayLogger;
};

export type RelayerStatus = {
  address: Address;
  running: boolean;
  inFlightBatches: number;
  nextNonce: number | null;
  batchesMined: number;
  readingsSettled: number;
  lastBatchAt: string | null;
  lastError: string | null;
  /** The finality rule in force (null until the chain was asked). */
  finality: Pick<FinalityPolicy, 'confirmations' | 'delayMs' | 'chain' | 'signers' | 'source' | 'savedBlock' | 'blockPeriodMs'> | null;
  /** Transactions signed again with higher fees. */
  feeBumps: number;
  /** Readings skipped as Replayed in a batch but found recorded by an earlier transaction with the same signed bytes (settled from it). */
  replayedRecorded: number;
  /** Readings skipped as Replayed and recorded nowhere: a bug to report (they are not on chain). */
  replayedUnexplained: number;
} & ConfirmerStatus;

const MAX_BACKOFF_MS = 30_000;
/** A batch in flight looks its receipt up at least this often (ms), even when the head seems not to move. */
const RECEIPT_LOOK_MAX_MS = 1000;
const backoffMs = (failures: number) => Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 10));

type OptionalRelayerOptions =
  | 'logger'
  | 'onOutcomes'
  | 'onRollback'
  | 'confirmations'
  | 'finalityDelayMs'
  | 'savedBlock'
  | 'broadcastElsewhere'
  | 'lagGraceMs';

export class Relayer {
  private readonly options: Required<Omit<RelayerOptions, OptionalRelayerOptions>> & Pick<RelayerOptions, OptionalRelayerOptions>;
  private running = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly wakers = new Set<() => void>();
  /** Set when stop() gives up waiting: trackers leave their batch open for the next start. */
  private halted = false;
  private nonce: number | undefined;
  private readonly inFlight = new Map<number, Promise<void>>();
  private failures = 0;
  private pauseUntil = 0;
  private stats = {
    batchesMined: 0,
    readingsSettled: 0,
    lastBatchAt: null as string | null,
    lastError: null as string | null,
    feeBumps: 0,
    replayedRecorded: 0,
    replayedUnexplained: 0,
  };
  private policy: FinalityPolicy | undefined;
  private readonly confirmer: BatchConfirmer;
  /** Nonce assignments (new batches, gap fillers) one at a time. */
  private nonceLock: Promise<unknown> = Promise.resolve();
  private readonly bumping = new Set<number>();

  constructor(options: RelayerOptions) {
    this.options = {
      batchSize: 400,
      maxInFlightBatches: 32,
      maxBatchBytes: MAX_BATCH_CALLDATA_BYTES,
      batchIntervalMs: 100,
      receiptPollMs: 100,
      rebroadcastMs: 15_000,
      gasPerReading: 30_000,
      monitorIntervalMs: 500,
      repairIntervalMs: 2_000,
      stuckAfterMs: 30_000,
      replayLookbackBlocks: 50_000,
      ...options,
    };
    this.confirmer = new BatchConfirmer({
      publicClient: this.options.publicClient,
      queue: this.options.queue,
      address: this.options.account.address,
      policy: () => this.policy,
      ...(this.options.savedBlock && { savedBlock: this.options.savedBlock }),
      intervalMs: this.options.monitorIntervalMs,
      repairIntervalMs: this.options.repairIntervalMs,
      stuckAfterMs: this.options.stuckAfterMs,
      ...(this.options.lagGraceMs !== undefined && { lagGraceMs: this.options.lagGraceMs }),
      host: {
        resendOpenBatches: (o) => this.resendOpenBatches(o),
        fillNonce: (nonce) => this.fillNonce(nonce),
        bump: (batchId) => this.bump(batchId),
        rebroadcast: async (batchId) => {
          const batch = this.options.queue.batch(batchId);
          if (batch) await this.broadcast(batch);
        },
      },
      ...(this.options.onRollback && { onRollback: this.options.onRollback }),
      ...(this.options.logger && { logger: this.options.logger }),
    });
  }

  get address(): Address {
    return this.options.account.address;
  }

  /** The finality rule in force (undefined until the relayer has asked the chain, at its start). */
  get finalityPolicy(): FinalityPolicy | undefined {
    return this.policy;
  }

  status(): RelayerStatus {
    const policy = this.policy;
    return {
      address: this.address,
      running: this.running,
      inFlightBatches: this.inFlight.size,
      nextNonce: this.nonce ?? null,
      ...this.stats,
      finality: policy
        ? {
            confirmations: policy.confirmations,
            delayMs: policy.delayMs,
            chain: policy.chain,
            ...(policy.signers !== undefined && { signers: policy.signers }),
            source: policy.source,
            savedBlock: policy.savedBlock,
            ...(policy.blockPeriodMs !== undefined && { blockPeriodMs: policy.blockPeriodMs }),
          }
        : null,
      ...this.confirmer.status(),
    };
  }

  /**
   * The gateway now talks to another node (RPC failover): its view of the chain is checked from
   * scratch and everything in flight is broadcast to it.
   */
  nodeChanged(reason: string): void {
    this.options.logger?.warn(
      { event: 'relayer_node_changed', reason },
      'relayer: another node; checking its chain and sending what is in flight',
    );
    if (this.running && !this.stopping) this.confirmer.nodeChanged(reason);
  }

  /** Starts relaying in the background (resuming any batch a previous run left open). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.halted = false;
    this.loop = this.run();
  }

  /** New readings are stored: relay them without waiting for the next tick. */
  notify(): void {
    for (const wake of this.wakers) wake();
  }

  /**
   * Stops taking new batches and waits up to `drainMs` for the batches in flight to be mined and
   * settled. Whatever is still open stays recorded in the queue and is resumed by the next start.
   */
  async stop({ drainMs = 10_000 }: { drainMs?: number } = {}): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.notify();
    await this.loop;
    await this.confirmer.stop();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, drainMs).unref());
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), deadline]);
    this.halted = true;
    this.notify();
    await Promise.allSettled([...this.inFlight.values()]);
    this.running = false;
  }

  private async run(): Promise<void> {
    let resumed = false;
    while (!this.stopping) {
      try {
        if (!resumed) {
          await this.resume();
          resumed = true;
        }
        const wait = this.nextSubmissionDelay();
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        await this.submitNextBatch();
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.stats.lastError = shortError(error);
        this.options.logger?.warn({ event: 'relayer_retry', err: this.stats.lastError, failures: this.failures }, 'relayer: will retry');
        await this.sleep(backoffMs(this.failures));
      }
    }
  }

  /** 0 = submit now; otherwise how long to wait (a notify() may cut the wait short). */
  private nextSubmissionDelay(): number {
    const now = Date.now();
    if (now < this.pauseUntil) return this.pauseUntil - now;
    if (this.inFlight.size >= this.options.maxInFlightBatches) return 1000;
    if (this.options.queue.nextUnbatchedAction()) return 0;
    const oldest = this.options.queue.oldestUnbatchedAt();
    if (oldest === undefined) return 1000;
    if (this.options.queue.hasUnbatched(this.options.batchSize)) return 0;
    return Math.max(0, oldest + this.options.batchIntervalMs - now);
  }

  /**
   * Batches recorded by an earlier run: the finality rule is read from the chain, then one look
   * at the chain (walk back over what vanished while the gateway was away, repair nonces) settles
   * the mined open batches and broadcasts the others again; then the confirmer keeps watching.
   */
  private async resume(): Promise<void> {
    this.policy ??= await detectFinalityPolicy(this.options.publicClient, {
      ...(this.options.confirmations !== undefined && { confirmations: this.options.confirmations }),
      ...(this.options.finalityDelayMs !== undefined && { finalityDelayMs: this.options.finalityDelayMs }),
      savedBlockKnown: this.options.savedBlock !== undefined,
    });
    this.options.logger?.info({ finality: this.policy }, 'relayer: finality rule');
    this.confirmer.nodeChanged('start');
    await this.confirmer.tick();
    await this.resendOpenBatches({ all: true });
    this.nonce = await this.nextNonce();
    this.confirmer.start();
  }

  /** The next nonce for a new batch: above every batch recorded, and above what the node has (pending). */
  private async nextNonce(): Promise<number> {
    const pending = await this.options.publicClient.getTransactionCount({ address: this.address, blockTag: 'pending' });
    const highest = this.options.queue.highestNonce(this.address);
    return Math.max(pending, highest === undefined ? 0 : highest + 1);
  }

  /**
   * Open batches, lowest nonce first: those mined are settled, the others broadcast again (all of
   * them after a rollback or a node switch, or only those nobody follows) and followed.
   */
  private async resendOpenBatches({ all }: { all: boolean }): Promise<void> {
    const { queue } = this.options;
    for (const id of queue.openBatchIds(this.address)) {
      if (this.halted) return;
      if (!all && this.inFlight.has(id)) continue;
      const open = queue.batch(id);
      if (open?.state !== 'sent') continue;
      const receipt = await this.canonicalReceiptOf(open);
      if (receipt) {
        await this.settle(open, receipt);
        continue;
      }
      const sent = await this.broadcast(open);
      if (sent === 'nonce_taken') {
        this.abandonTaken(open);
        continue;
      }
      if (sent === 'underpriced') await this.bump(open.id);
      this.track(open);
    }
  }

  /** The batch's nonce is used on chain by a transaction that is none of its signatures: its readings queue again. */
  private abandonTaken(batch: BatchRecord): void {
    this.options.logger?.warn(
      { event: 'relayer_resend', nonce: batch.nonce, txHash: batch.txHash },
      'relayer: another transaction of this account took the nonce; the batch is queued again',
    );
    this.options.queue.abandonBatch(batch.id, 'replaced');
    this.nonce = undefined;
  }

  /** Signs, records and sends an empty transaction to close a nonce gap. */
  private async fillNonce(nonce: number): Promise<void> {
    const batch = await this.withNonceLock(async () => {
      if (this.options.queue.hasBatchAtNonce(this.address, nonce)) return undefined;
      const { blockGasLimit: _, ...fees } = await this.feesPerGas();
      const rawTx = await this.options.account.signTransaction!({
        type: 'eip1559',
        chainId: this.options.chainId,
        to: this.address,
        value: 0n,
        data: '0x',
        gas: 21_000n,
        nonce,
        ...fees,
      });
      return this.options.queue.recordBatch({ nonce, txHash: hashOf(rawTx), rawTx, account: this.address }, []);
    });
    if (!batch) return;
    const sent = await this.broadcast(batch);
    if (sent === 'nonce_taken') return this.abandonTaken(batch);
    if (sent === 'underpriced') await this.bump(batch.id);
    this.track(batch);
  }

  /**
   * Signs an open batch again with higher fees: same nonce, same recipient, calldata and gas, so
   * whichever signature is mined settles the same readings. The earlier one is kept as an attempt.
   */
  private async bump(batchId: number): Promise<void> {
    if (this.bumping.has(batchId)) return;
    this.bumping.add(batchId);
    try {
      const { queue, account, chainId } = this.options;
      const batch = queue.batch(batchId);
      if (batch?.state !== 'sent') return;
      const previous = parseTransaction(batch.rawTx);
      this.feeCache = undefined;
      const { blockGasLimit: _, ...floor } = await this.feesPerGas();
      const fees = bumpedFees({ maxFeePerGas: previous.maxFeePerGas!, maxPriorityFeePerGas: previous.maxPriorityFeePerGas! }, floor);
      const rawTx = await account.signTransaction!({
        type: 'eip1559',
        chainId,
        to: previous.to!,
        data: previous.data ?? '0x',
        value: previous.value ?? 0n,
        gas: previous.gas!,
        nonce: previous.nonce!,
        ...fees,
      });
      const next = { txHash: hashOf(rawTx), rawTx };
      queue.replaceAttempt(batchId, batch.txHash, next);
      this.stats.feeBumps += 1;
      this.options.logger?.warn(
        { event: 'relayer_fee_bump', nonce: batch.nonce, from: batch.txHash, txHash: next.txHash, maxFeePerGas: String(fees.maxFeePerGas) },
        'relayer: transaction signed again with higher fees',
      );
      await this.broadcast({ ...batch, ...next });
    } finally {
      this.bumping.delete(batchId);
    }
  }

  private withNonceLock<T>(work: () => Promise<T>): Promise<T> {
    const run = this.nonceLock.then(work, work);
    this.nonceLock = run.catch(() => {});
    return run;
  }

  /**
   * Device actions go first, one transaction each (each may be refused on its own); the gas
   * estimate doubles as the check that the contract takes it: a refused action fails with the
   * contract's reason and never costs gas.
   */
  private async submitNextAction(action: RelayedAction): Promise<void> {
    const { publicClient } = this.options;
    let gas: bigint;
    try {
      gas = ((await publicClient.estimateGas({ account: this.address, to: action.target, data: action.calldata })) * 13n) / 10n;
    } catch (error) {
      const refusal = revertReasonOf(error);
      if (refusal === undefined) throw error;
      this.options.queue.failAction(action, refusal);
      this.options.logger?.info({ action: action.id, kind: action.kind, refusal }, 'relayer: the chain refused a device action');
      return;
    }
    const batch = await this.signAndRecord({ to: action.target, data: action.calldata, gas }, [], [action]);
    await this.sendRecorded(batch);
    this.track(batch);
  }

  /** Signs a transaction with the next nonce and records it (durably, before anyone sees it). */
  private async signAndRecord(
    tx: { to: Address; data: Hex; gas: bigint },
    readingIds: readonly number[],
    actions: readonly RelayedActionRef[] = [],
  ): Promise<BatchRecord> {
    const { queue, account, chainId } = this.options;
    const batch = await this.withNonceLock(async () => {
      this.nonce ??= await this.nextNonce();
      const { blockGasLimit, ...fees } = await this.feesPerGas();
      const nonce = this.nonce;
      const rawTx = await account.signTransaction!({
        type: 'eip1559',
        chainId,
        ...tx,
        // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
        gas: tx.gas < blockGasLimit ? tx.gas : blockGasLimit,
        nonce,
        ...fees,
      });
      const recorded = queue.recordBatch({ nonce, txHash: hashOf(rawTx), rawTx, account: this.address }, readingIds, actions);
      this.nonce = nonce + 1;
      return recorded;
    });
    this.stats.lastBatchAt = new Date().toISOString();
    return batch;
  }

  /**
   * The first broadcast of a recorded transaction. 'unsent' (the relayer stops): it stays
   * recorded, and the next start sends it. Throws when another transaction took its nonce.
   */
  private async sendRecorded(batch: BatchRecord): Promise<'sent' | 'unsent'> {
    const sent = await this.broadcast(batch);
    if (sent === 'nonce_taken') {
      this.abandonTaken(batch);
      throw new Error(`nonce ${batch.nonce} was used by another transaction of ${this.address}; resynchronising`);
    }
    if (sent === 'underpriced') await this.bump(batch.id);
    return sent === 'unsent' ? 'unsent' : 'sent';
  }

  private async submitNextBatch(): Promise<void> {
    const { queue, batchSize, publicClient, fleetAddress } = this.options;
    const action = queue.nextUnbatchedAction();
    if (action) return this.submitNextAction(action);
    const taken = queue.takeUnbatched(batchSize);
    if (taken.length === 0) return;
    // What does not fit in one transaction geth accepts waits for the next batch, in order.
    const { items: readings, data } = fitBatch(
      taken,
      (items) => encodeFunctionData({ abi: gatewayFleetAbi, functionName: 'submitReadings', args: [items.map(signedReadingOf)] }),
      this.options.maxBatchBytes,
    );
    let gas = 150_000n + BigInt(readings.length) * BigInt(this.options.gasPerReading);
    if (this.estimateNextBatch) {
      gas = ((await publicClient.estimateGas({ account: this.address, to: fleetAddress, data })) * 13n) / 10n;
      this.estimateNextBatch = false;
    }
    const batch = await this.signAndRecord(
      { to: fleetAddress, data, gas },
      readings.map((r) => r.id),
    );
    this.options.logger?.debug({ txHash: batch.txHash, nonce: batch.nonce, readings: readings.length }, 'relayer: batch recorded');
    // Its follower broadcasts it: the next batch is prepared meanwhile (a broadcast of a 115 KB
    // transaction to a busy node takes up to a few hundred ms). The nodes order them by nonce.
    this.track(batch, { send: true });
  }

  private estimateNextBatch = false;
  private feeCache: { at: number; fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; blockGasLimit: bigint } } | undefined;

  private async feesPerGas() {
    if (this.feeCache && Date.now() - this.feeCache.at < 5000) return this.feeCache.fees;
    const block = await this.options.publicClient.getBlock({ blockTag: 'latest' });
    const base = block.baseFeePerGas ?? 0n;
    const priority = base === 0n ? 0n : 1_000_000n;
    const fees = { maxFeePerGas: base * 2n + priority, maxPriorityFeePerGas: priority, blockGasLimit: (block.gasLimit * 9n) / 10n };
    this.feeCache = { at: Date.now(), fees };
    return fees;
  }

  /**
   * Broadcasts the batch's latest recorded signature; idempotent. Retries RPC failures with
   * backoff until it is sent, the nonce turns out to be used by another transaction, the node
   * wants higher fees ('underpriced': the caller bumps), or the relayer stops ('unsent': it stays
   * recorded and the next start resumes it).
   */
  private async broadcast(recorded: BatchRecord): Promise<'sent' | 'nonce_taken' | 'underpriced' | 'unsent'> {
    for (let attempt = 0; ; attempt++) {
      // A fee bump may have replaced the signature since the caller read it.
      const latest = this.options.queue.batchState(recorded.id);
      const batch = latest && latest.txHash !== recorded.txHash ? (this.options.queue.batch(recorded.id) ?? recorded) : recorded;
      this.options.broadcastElsewhere?.(batch.rawTx).catch(() => {});
      try {
        await this.options.publicClient.request({ method: 'eth_sendRawTransaction', params: [batch.rawTx] });
        return 'sent';
      } catch (error) {
        const rejection = broadcastRejectionOf(errorText(error));
        if (rejection === 'known') return 'sent';
        if (rejection === 'underpriced') return 'underpriced';
        if (rejection === 'nonce_too_low') return this.nonceUsedBy(batch);
        this.stats.lastError = shortError(error);
        this.options.logger?.warn(
          { event: 'relayer_retry', err: this.stats.lastError, txHash: batch.txHash },
          'relayer: broadcast failed; will retry',
        );
        if (this.stopping) return 'unsent';
        await this.sleep(backoffMs(attempt));
      }
    }
  }

  /**
   * The node says the batch's nonce is used. Usually by the batch itself (mined meanwhile, by
   * another broadcast of it, or just before a node restart) or by another of its signatures:
   * 'sent', its follower settles it. Only if, over several looks spread over ~15 s, no signature
   * of it has a canonical receipt while the account's mined nonce stays above it, something else
   * took the nonce ('nonce_taken'). A node answers "nonce too low" a moment before the receipt
   * of the transaction that used it can be read, and a restart between two calls mixes two
   * states: one look is not enough, and concluding wrongly would put readings back in the queue
   * behind newer ones.
   */
  private async nonceUsedBy(batch: BatchRecord): Promise<'sent' | 'nonce_taken'> {
    for (let look = 1; look <= 5; look++) {
      try {
        if (await this.canonicalReceiptOf(batch)) return 'sent';
        const mined = await this.options.publicClient.getTransactionCount({ address: this.address, blockTag: 'latest' });
        // "Too low" for the pool but not mined yet (another signature of this batch is pending): wait for it.
        if (mined <= batch.nonce) return 'sent';
      } catch {
        // The node is away: look again.
      }
      if (this.halted) return 'sent';
      await new Promise((resolve) => setTimeout(resolve, 1000 * look));
    }
    return 'nonce_taken';
  }

  /** Follows the batch in the background (broadcasting it first if `send`), counted in flight until it is done. */
  private track(batch: BatchRecord, { send = false } = {}): void {
    if (this.inFlight.has(batch.id)) return;
    const sending = send
      ? this.sendRecorded(batch).catch((error: unknown) => {
          // Its nonce went to another transaction: new batches wait a moment (the nonce is read again).
          this.failures += 1;
          this.pauseUntil = Date.now() + backoffMs(this.failures);
          throw error;
        })
      : Promise.resolve<'sent' | 'unsent'>('sent');
    const tracking = sending
      .then((sent) => (sent === 'sent' ? this.follow(batch) : undefined))
      .catch((error: unknown) => {
        this.stats.lastError = shortError(error);
        this.options.logger?.error(
          { err: this.stats.lastError, txHash: batch.txHash },
          'relayer: following a batch failed; the next start resumes it',
        );
      })
      .finally(() => {
        this.inFlight.delete(batch.id);
        this.notify();
      });
    this.inFlight.set(batch.id, tracking);
  }

  /**
   * Polls for the receipt (broadcasting again now and then) until the batch is mined in a
   * canonical block, is settled or abandoned elsewhere, or the relayer stops.
   */
  private async follow(batch: BatchRecord): Promise<void> {
    let lastBroadcast = Date.now();
    let failures = 0;
    let lookedAt: { head: number | undefined; at: number } | undefined;
    while (!this.halted) {
      if (this.options.queue.batchState(batch.id)?.state !== 'sent') return;
      // A receipt can only have appeared with another head: until then, no lookup (dozens of
      // batches in flight would otherwise ask the node for their receipts ten times a second).
      const head = await this.headNumber().catch(() => undefined);
      if (lookedAt && head !== undefined && head === lookedAt.head && Date.now() - lookedAt.at < RECEIPT_LOOK_MAX_MS) {
        await this.sleep(this.options.receiptPollMs, { wakeOnNotify: false });
        continue;
      }
      lookedAt = { head, at: Date.now() };
      let receipt: TransactionReceipt | undefined;
      try {
        receipt = await this.canonicalReceiptOf(batch);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.stats.lastError = shortError(error);
      }
      if (this.halted) return;
      if (receipt) {
        await this.settle(batch, receipt);
        return;
      }
      if (Date.now() - lastBroadcast > this.options.rebroadcastMs) {
        lastBroadcast = Date.now();
        try {
          const sent = await this.broadcast(batch);
          if (sent === 'nonce_taken') return this.abandonTaken(batch);
          if (sent === 'underpriced') await this.bump(batch.id);
        } catch (error) {
          this.stats.lastError = shortError(error);
        }
      }
      await this.sleep(failures > 0 ? backoffMs(failures) : this.options.receiptPollMs, { wakeOnNotify: false });
    }
  }

  private head: { number: number; at: number } | undefined;
  private headRequest: Promise<number> | undefined;

  /** The node's block number, read at most once per receiptPollMs whoever asks (the followers share it). */
  private headNumber(): Promise<number> {
    if (this.head && Date.now() - this.head.at < this.options.receiptPollMs) return Promise.resolve(this.head.number);
    this.headRequest ??= this.options.publicClient
      .getBlockNumber({ cacheTime: 0 })
      .then((n) => {
        const moved = this.head !== undefined && this.head.number !== Number(n);
        this.head = { number: Number(n), at: Date.now() };
        // Outcomes become final on a new block: no need to wait for the confirmer's next round.
        if (moved) this.confirmer.poke();
        return this.head.number;
      })
      .finally(() => {
        this.headRequest = undefined;
      });
    return this.headRequest;
  }

  /**
   * The receipt of whichever signature of the batch was mined, if its block is the canonical one
   * at its height. A node may answer for a transaction it lost (a stale index after a crash, a
   * block of a fork), so the receipt alone proves nothing.
   */
  private async canonicalReceiptOf(batch: BatchRecord): Promise<TransactionReceipt | undefined> {
    const latest = this.options.queue.batchState(batch.id)?.txHash ?? batch.txHash;
    for (const hash of [latest, ...this.options.queue.earlierAttempts(batch.id)]) {
      const receipt = await this.receiptOf(hash);
      if (!receipt) continue;
      if ((await canonicalHashAt(this.options.publicClient, Number(receipt.blockNumber))) === receipt.blockHash) return receipt;
      this.options.logger?.warn(
        { txHash: hash, blockNumber: Number(receipt.blockNumber), blockHash: receipt.blockHash },
        'relayer: the node has a receipt in a block that is not canonical; not settling from it',
      );
    }
    return undefined;
  }

  private async settle(batch: BatchRecord, receipt: TransactionReceipt): Promise<void> {
    const { queue } = this.options;
    const blockNumber = Number(receipt.blockNumber);
    if (queue.batchState(batch.id)?.state !== 'sent') return; // settled by another path meanwhile
    if (receipt.status !== 'success') {
      // The whole batch reverted (no role? out of gas?): its readings queue again, after a pause.
      this.options.queue.abandonBatch(batch.id, 'reverted', blockNumber, receipt.transactionHash, receipt.blockHash);
      this.estimateNextBatch = true;
      this.failures += 1;
      this.pauseUntil = Date.now() + backoffMs(this.failures);
      this.stats.lastError = `batch ${batch.txHash} reverted in block ${blockNumber}`;
      this.options.logger?.error(
        { event: 'relayer_batch_reverted', txHash: batch.txHash, blockNumber },
        'relayer: batch reverted; its readings are queued again',
      );
      return;
    }
    const outcomes = readingOutcomesOfLogs(receipt.logs, this.options.fleetAddress);
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status !== 'rejected' || outcome.reasons[0] !== 'Replayed') continue;
      if (!queue.isPendingIn(outcome.device, outcome.sequence, batch.id)) continue;
      outcomes[i] = await this.explainReplayed(outcome, blockNumber, receipt.transactionHash);
    }
    if (queue.batchState(batch.id)?.state !== 'sent') return;
    const settled = queue.settleBatch({ id: batch.id, txHash: receipt.transactionHash }, blockNumber, outcomes, receipt.blockHash);
    this.stats.batchesMined += 1;
    this.stats.readingsSettled += settled;
    this.options.onOutcomes?.(outcomes, receipt.logs);
  }

  /**
   * The contract skipped a reading of ours as Replayed: the chain already holds a reading of the
   * device with this sequence or a higher one. If an earlier transaction recorded this very
   * reading (a batch of ours mined after all, another relayer), the reading is settled from it.
   * Otherwise the reading is not on chain and cannot be any more: the gateway sent it out of
   * order, a bug that is logged and counted (replayedUnexplained), never hidden.
   */
  private async explainReplayed(outcome: ReadingOutcome, blockNumber: number, txHash: Hex): Promise<ReadingOutcome> {
    const { queue, publicClient, fleetAddress, replayLookbackBlocks } = this.options;
    const reading = queue.signedReading(outcome.device, outcome.sequence);
    if (!reading) return outcome;
    const before = queue.recordedBlockBefore(outcome.device, outcome.sequence);
    const recording = await findReadingRecording({
      client: publicClient,
      fleetAddress,
      reading,
      fromBlock: BigInt(before ?? Math.max(0, blockNumber - replayLookbackBlocks)),
      toBlock: BigInt(blockNumber),
      isOwnTransaction: (hash) => queue.isOwnTransaction(hash),
    });
    if (recording.found) {
      this.stats.replayedRecorded += 1;
      this.options.logger?.info(
        { device: outcome.device, sequence: String(outcome.sequence), recordedBy: recording.txHash, skippedIn: txHash },
        'relayer: a reading skipped as Replayed was recorded by an earlier transaction; settled from it',
      );
      const { device, sequence, ...verdict } = recording.outcome;
      return {
        ...verdict,
        device,
        sequence,
        recordedBy: { txHash: recording.txHash, blockNumber: recording.blockNumber, blockHash: recording.blockHash },
      };
    }
    this.stats.replayedUnexplained += 1;
    this.stats.lastError = `reading ${outcome.sequence} of ${outcome.device} skipped as Replayed in ${txHash} and recorded nowhere`;
    this.options.logger?.error(
      {
        device: outcome.device,
        sequence: String(outcome.sequence),
        txHash,
        ...('otherReading' in recording && { otherReadingIn: recording.otherReading.txHash }),
      },
      'relayer: a reading was skipped as Replayed and is not on chain (sent out of order, or the device signed another reading with this sequence)',
    );
    return outcome;
  }

  private async receiptOf(hash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await this.options.publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return undefined;
      throw error;
    }
  }

  /** Sleeps up to `ms`, or until stop() (and notify(), unless told otherwise). */
  private sleep(ms: number, { wakeOnNotify = true } = {}): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const wake = () => {
        if (wakeOnNotify || this.stopping) done();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(wake);
    });
  }
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 6; depth++) {
    if (e instanceof Error) parts.push(e.message);
    if (e && typeof e === 'object' && 'details' in e && typeof e.details === 'string') parts.push(e.details);
    e = e && typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return parts.join(' | ').toLowerCase();
}

const hashOf = (rawTx: Hex): Hex => bytesToHex(keccak256(hexToBytes(rawTx)));

function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`;
}
