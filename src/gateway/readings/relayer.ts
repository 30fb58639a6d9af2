import {
  encodeFunctionData,
  hexToBytes,
  TransactionReceiptNotFoundError,
  type Address,
  type Hex,
  type Log,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { keccak256 } from '../../protocol/keccak.js';
import { splitSignature, toCompact } from '../../protocol/signature.js';
import { shortError } from '../core/deviceDirectory.js';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import type { GatewayLogger } from '../core/logger.js';
import { readingOutcomesOfLogs } from './receiptOutcomes.js';
import { revertReasonOf } from './revertReason.js';
import type { BatchRecord, QueuedReading, ReadingOutcome, ReadingQueue, RelayedAction, RelayedActionRef } from './readingQueue.js';

/**
 * The relayer/batcher: takes pending readings in arrival order, puts up to `batchSize` in one
 * submitReadings transaction, signs it with its own nonce counter so several batches can be in
 * flight, records the signed transaction before broadcasting it, and stores every reading's
 * outcome from the receipt. After a crash it resumes from the queue: a recorded transaction is
 * looked up (and broadcast again, same bytes, if it is not mined), so nothing acknowledged is lost
 * and nothing is submitted twice.
 */
export type RelayerOptions = {
  publicClient: PublicClient;
  account: LocalAccount;
  chainId: number;
  fleetAddress: Address;
  queue: ReadingQueue;
  /** Readings per transaction. Default 200. */
  batchSize?: number;
  /** Transactions broadcast and not yet mined. Default 4. */
  maxInFlightBatches?: number;
  /** Longest wait for a batch to fill before a partial batch is sent (ms). Default 100. */
  batchIntervalMs?: number;
  /** Receipt poll interval (ms). Default 100. */
  receiptPollMs?: number;
  /** Broadcast an unmined transaction again after this long (ms). Default 15,000. */
  rebroadcastMs?: number;
  /**
   * Gas limit per reading of a batch (plus 150,000), capped by the block gas limit. Unused gas is
   * not charged, and eth_estimateGas of a 200-reading batch takes Anvil ~0.5 s (it re-runs the
   * batch many times), so a fixed budget is used; after a reverted batch the next one is estimated
   * (× 1.3). Default 100,000 (an accepted reading costs ~13,000).
   */
  gasPerReading?: number;
  /** Called with each mined batch's outcomes (keeps the device directory's sequence floors current). */
  onOutcomes?: (outcomes: ReadingOutcome[], logs: readonly Log[]) => void;
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
};

const MAX_BACKOFF_MS = 30_000;
const backoffMs = (failures: number) => Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 10));

/** A submitReadings item: the contract takes the signature in EIP-2098 compact form. */
export function signedReadingOf(reading: QueuedReading) {
  const { r, vs } = toCompact(splitSignature(bytesToHex(reading.signature)));
  return {
    device: reading.device,
    sequence: reading.sequence,
    timestamp: reading.timestamp,
    payload: reading.payload,
    r,
    vs,
  };
}

export class Relayer {
  private readonly options: Required<Omit<RelayerOptions, 'logger' | 'onOutcomes'>> & Pick<RelayerOptions, 'logger' | 'onOutcomes'>;
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
  private stats = { batchesMined: 0, readingsSettled: 0, lastBatchAt: null as string | null, lastError: null as string | null };

  constructor(options: RelayerOptions) {
    this.options = {
      batchSize: 200,
      maxInFlightBatches: 4,
      batchIntervalMs: 100,
      receiptPollMs: 100,
      rebroadcastMs: 15_000,
      gasPerReading: 100_000,
      ...options,
    };
  }

  get address(): Address {
    return this.options.account.address;
  }

  status(): RelayerStatus {
    return {
      address: this.address,
      running: this.running,
      inFlightBatches: this.inFlight.size,
      nextNonce: this.nonce ?? null,
      ...this.stats,
    };
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
        this.options.logger?.warn({ err: this.stats.lastError, failures: this.failures }, 'relayer: will retry');
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

  /** Batches recorded by an earlier run: settle the mined ones, broadcast the others again. */
  private async resume(): Promise<void> {
    for (const batch of this.options.queue.openBatches()) {
      const receipt = await this.receiptOf(batch.txHash);
      if (receipt) {
        this.settle(batch, receipt);
        continue;
      }
      const sent = await this.broadcast(batch);
      if (sent === 'nonce_taken') this.options.queue.abandonBatch(batch.id, 'replaced');
      else this.track(batch);
    }
    this.nonce = await this.options.publicClient.getTransactionCount({ address: this.address, blockTag: 'pending' });
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
    if (batch) this.track(batch);
  }

  /** Signs a transaction with the next nonce, records it, broadcasts it; undefined if its nonce was taken. */
  private async signAndRecord(
    tx: { to: Address; data: Hex; gas: bigint },
    readingIds: readonly number[],
    actions: readonly RelayedActionRef[] = [],
  ): Promise<BatchRecord | undefined> {
    const { queue, publicClient, account, chainId } = this.options;
    this.nonce ??= await publicClient.getTransactionCount({ address: this.address, blockTag: 'pending' });
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
    const batch = queue.recordBatch({ nonce, txHash: bytesToHex(keccak256(hexToBytes(rawTx))), rawTx }, readingIds, actions);
    this.nonce = nonce + 1;
    const sent = await this.broadcast(batch);
    if (sent === 'nonce_taken') {
      queue.abandonBatch(batch.id, 'replaced');
      this.nonce = undefined;
      throw new Error(`nonce ${nonce} was used by another transaction of ${this.address}; resynchronising`);
    }
    this.stats.lastBatchAt = new Date().toISOString();
    return batch;
  }

  private async submitNextBatch(): Promise<void> {
    const { queue, batchSize, publicClient, fleetAddress } = this.options;
    const action = queue.nextUnbatchedAction();
    if (action) return this.submitNextAction(action);
    const readings = queue.takeUnbatched(batchSize);
    if (readings.length === 0) return;
    const data = encodeFunctionData({
      abi: gatewayFleetAbi,
      functionName: 'submitReadings',
      args: [readings.map(signedReadingOf)],
    });
    let gas = 150_000n + BigInt(readings.length) * BigInt(this.options.gasPerReading);
    if (this.estimateNextBatch) {
      gas = ((await publicClient.estimateGas({ account: this.address, to: fleetAddress, data })) * 13n) / 10n;
      this.estimateNextBatch = false;
    }
    const batch = await this.signAndRecord(
      { to: fleetAddress, data, gas },
      readings.map((r) => r.id),
    );
    if (!batch) return;
    this.options.logger?.debug({ txHash: batch.txHash, nonce: batch.nonce, readings: readings.length }, 'relayer: batch sent');
    this.track(batch);
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
   * Broadcasts the recorded bytes; idempotent. Retries RPC failures with backoff until it is sent,
   * the nonce turns out to be used by another transaction, or the relayer stops ('unsent': it stays
   * recorded and the next start resumes it).
   */
  private async broadcast(batch: BatchRecord): Promise<'sent' | 'nonce_taken' | 'unsent'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.publicClient.request({ method: 'eth_sendRawTransaction', params: [batch.rawTx] });
        return 'sent';
      } catch (error) {
        const text = errorText(error);
        if (/already known|known transaction|already imported|already exists/.test(text)) return 'sent';
        if (/nonce too low|nonce is too low|nonce has already been used|oldnonce/.test(text)) {
          return (await this.receiptOf(batch.txHash)) ? 'sent' : 'nonce_taken';
        }
        this.stats.lastError = shortError(error);
        this.options.logger?.warn({ err: this.stats.lastError, txHash: batch.txHash }, 'relayer: broadcast failed; will retry');
        if (this.stopping) return 'unsent';
        await this.sleep(backoffMs(attempt));
      }
    }
  }

  private track(batch: BatchRecord): void {
    const tracking = this.follow(batch)
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

  /** Polls for the receipt (broadcasting again now and then) until the batch is mined or the relayer stops. */
  private async follow(batch: BatchRecord): Promise<void> {
    let lastBroadcast = Date.now();
    let failures = 0;
    while (!this.halted) {
      let receipt: TransactionReceipt | undefined;
      try {
        receipt = await this.receiptOf(batch.txHash);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.stats.lastError = shortError(error);
      }
      if (this.halted) return;
      if (receipt) {
        this.settle(batch, receipt);
        return;
      }
      if (Date.now() - lastBroadcast > this.options.rebroadcastMs) {
        lastBroadcast = Date.now();
        if ((await this.broadcast(batch)) === 'nonce_taken') {
          this.options.queue.abandonBatch(batch.id, 'replaced');
          this.nonce = undefined;
          return;
        }
      }
      await this.sleep(failures > 0 ? backoffMs(failures) : this.options.receiptPollMs, { wakeOnNotify: false });
    }
  }

  private settle(batch: BatchRecord, receipt: TransactionReceipt): void {
    const blockNumber = Number(receipt.blockNumber);
    if (receipt.status !== 'success') {
      // The whole batch reverted (no role? out of gas?): its readings queue again, after a pause.
      this.options.queue.abandonBatch(batch.id, 'reverted', blockNumber, batch.txHash);
      this.estimateNextBatch = true;
      this.failures += 1;
      this.pauseUntil = Date.now() + backoffMs(this.failures);
      this.stats.lastError = `batch ${batch.txHash} reverted in block ${blockNumber}`;
      this.options.logger?.error({ txHash: batch.txHash, blockNumber }, 'relayer: batch reverted; its readings are queued again');
      return;
    }
    const outcomes = readingOutcomesOfLogs(receipt.logs, this.options.fleetAddress);
    const settled = this.options.queue.settleBatch(batch, blockNumber, outcomes);
    this.stats.batchesMined += 1;
    this.stats.readingsSettled += settled;
    this.options.onOutcomes?.(outcomes, receipt.logs);
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

function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`;
}
