import { parseTransaction, type Address, type Hex, type PublicClient } from 'viem';
import { canonicalHashAt, headMove, type BlockId } from './canonicalChain.js';
import { shortError } from '../core/deviceDirectory.js';
import { finalityHorizon, type FinalityPolicy } from './finalityPolicy.js';
import type { GatewayLogger } from '../core/logger.js';
import type { BatchOnChain, ReadingQueue } from './readingQueue.js';

/**
 * The relayer's look back at the chain (after Chainlink's transaction manager: a confirmer that
 * compares the chain with its own records). Every `intervalMs` it reads the head and:
 * - notices a head that moved back or a block seen before that is no longer canonical, and then
 *   walks back over the recorded batches, newest block first, until one is still canonical:
 *   every batch on the way vanished and is opened again (its readings pending, its signed bytes
 *   broadcast again at the same nonce, so readings keep their order). "Vanished" needs evidence
 *   from a node that has the block's height: another block there (or, for a batch recorded
 *   without its block hash, no receipt in the block there). A node whose head is below the block
 *   is behind (restarting, catching up, a failover to a lagging node), not a witness: the walk
 *   waits for it, up to `lagGraceMs`, and only then takes a block it still lacks as gone (a
 *   single node restarted from older state has no one to catch up from);
 * - never reopens a final batch: a final reading never changes. What contradicts one (another
 *   block at its height, or its block still missing after the grace) is a safety failure of the
 *   chain beyond the confirmations: it is logged as a security event and counted
 *   (`finalContradicted`), the batch stays final, and its recorded bytes are broadcast again (the
 *   chain gets the readings back, and the nonces after it are not blocked);
 * - finalizes batches whose block is deep enough and old enough, after checking its hash again;
 * - every `repairIntervalMs`, compares the account's mined nonce with the records: a batch
 *   recorded in a block at or above it vanished (walk back); a nonce no live batch holds is a gap
 *   (filled with an empty transaction); the batch at the chain's nonce that the node does not
 *   know is broadcast again with everything after it, and one that stays unmined (stuck) or is
 *   priced under the base fee is signed again with higher fees.
 */
export type ConfirmerHost = {
  /** Broadcasts open batches again, lowest nonce first (all of them, or those not being followed), and follows them. */
  resendOpenBatches(options: { all: boolean }): Promise<void>;
  /** Signs, records and sends an empty transaction at a nonce that no batch holds. */
  fillNonce(nonce: number): Promise<void>;
  /** Signs the open batch again with higher fees (same nonce, same calldata). */
  bump(batchId: number): Promise<void>;
  /** Broadcasts a batch's recorded bytes again, whatever its state (a final batch the chain contradicts). */
  rebroadcast(batchId: number): Promise<void>;
};

export type BatchConfirmerOptions = {
  publicClient: PublicClient;
  queue: ReadingQueue;
  address: Address;
  host: ConfirmerHost;
  /** The finality rule (undefined until the relayer has asked the chain). */
  policy: () => FinalityPolicy | undefined;
  /** The last block the node's process saved durably, when it says (nothing above it becomes final; -1 = none yet). */
  savedBlock?: () => number | undefined;
  intervalMs: number;
  repairIntervalMs: number;
  /** A batch at the chain's nonce that the node knows but does not mine for this long is signed again with higher fees. */
  stuckAfterMs: number;
  /**
   * How long (ms) the walk back waits for a node whose head is below a recorded batch's block
   * before it takes the block as gone. Default 30,000; 0 on Anvil (it syncs from no one).
   */
  lagGraceMs?: number;
  /** Something this gateway relied on vanished from the chain (after its batches were opened again). */
  onRollback?: (reason: string) => void;
  logger?: GatewayLogger;
};

export type ConfirmerStatus = {
  head: number | null;
  /** The account's nonce in the latest block. */
  chainNonce: number | null;
  /** Walks back that found vanished batches. */
  rollbacks: number;
  batchesVanished: number;
  /**
   * Batches reported final that the chain contradicted later (security events: the chain lost
   * what its confirmations promised). They stay final; never reopened. 0 on a healthy chain.
   */
  finalContradicted: number;
  /** Times the walk back waited for a node whose head was below a recorded batch's block (a lagging node is no witness). */
  lagWaits: number;
  batchesFinalized: number;
  gapsFilled: number;
  /** Times the node did not know the transaction at the account's nonce (dropped, or a node that lost its pool) and open batches were sent again. */
  droppedResent: number;
  lastRollback: { at: string; reason: string } | null;
};

const WALK_PAGE = 64;
const DEFAULT_LAG_GRACE_MS = 30_000;

const isFinal = (batch: BatchOnChain) => batch.state === 'final' || batch.finalAt !== null;

export class BatchConfirmer {
  private readonly options: BatchConfirmerOptions;
  private head: BlockId | undefined;
  private baseFee = 0n;
  private chainNonce: number | undefined;
  private chainNonceSince = 0;
  private lastRepair = 0;
  /** Why the next tick must walk back (set until a walk succeeds, so a failed walk is tried again). */
  private walkReason: string | undefined;
  private readonly bumpedAt = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly stats = {
    rollbacks: 0,
    batchesVanished: 0,
    finalContradicted: 0,
    lagWaits: 0,
    batchesFinalized: 0,
    gapsFilled: 0,
    droppedResent: 0,
  };
  private lastRollback: ConfirmerStatus['lastRollback'] = null;
  /** Since when the node has lacked a block the walk needs (reset by a walk that could decide, or another node). */
  private lagSince: number | undefined;
  private lagReported = false;
  private readonly contradictedFinals = new Set<number>();

  constructor(options: BatchConfirmerOptions) {
    this.options = options;
  }

  status(): ConfirmerStatus {
    return { head: this.head?.number ?? null, chainNonce: this.chainNonce ?? null, ...this.stats, lastRollback: this.lastRollback };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The RPC endpoint changed: its view of the chain is checked from scratch at the next tick. */
  nodeChanged(reason: string): void {
    this.head = undefined;
    this.lagSince = undefined;
    this.lagReported = false;
    this.walkReason ??= reason;
    this.lastRepair = 0;
    this.schedule(0);
  }

  /** A new head was seen elsewhere: look now (finality is due on a new block), unless a look is under way. */
  poke(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.running) return this.schedule(this.options.intervalMs);
      this.running = this.tick()
        .catch((error: unknown) => {
          this.options.logger?.warn({ event: 'relayer_retry', err: shortError(error) }, 'relayer: chain check failed; will retry');
        })
        .finally(() => {
          this.running = undefined;
          this.schedule(this.options.intervalMs);
        });
    }, delay);
  }

  /** One look at the chain; exposed for the relayer's start (before it follows anything). */
  async tick(): Promise<void> {
    const { publicClient } = this.options;
    const block = await publicClient.getBlock({ blockTag: 'latest' });
    const head = { number: Number(block.number), hash: block.hash };
    const previous = this.head;
    const hashAtPrevious = previous && head.number > previous.number ? await canonicalHashAt(publicClient, previous.number) : undefined;
    const move = headMove(previous, head, hashAtPrevious);
    if (move === 'back') this.walkReason ??= `the head moved back from block ${previous!.number} to ${head.number}`;
    if (move === 'reorg') this.walkReason ??= `block ${previous!.number} was replaced (reorg)`;
    this.head = head;
    this.baseFee = block.baseFeePerGas ?? 0n;
    if (this.walkReason !== undefined) await this.walkBack();
    await this.finalize(head);
    if (Date.now() - this.lastRepair >= this.options.repairIntervalMs) {
      this.lastRepair = Date.now();
      await this.repair();
    }
  }

  /**
   * Walks back over the recorded batches, newest block first, opening each vanished one again
   * (a final one is reported, never opened), until one is canonical. `reopened`: batches the caller found gone and opened already.
   * A batch above the node's head is no evidence either way: the walk stops there and is tried
   * again at the next tick, until the node has caught up or `lagGraceMs` has passed.
   */
  private async walkBack(reopened: BatchOnChain[] = []): Promise<void> {
    const { queue, logger } = this.options;
    const reason = this.walkReason ?? 'check';
    let position: { blockNumber: number; id: number } | undefined;
    const vanished: BatchOnChain[] = [...reopened];
    const contradicted: BatchOnChain[] = [];
    let deferred: BatchOnChain | undefined;
    walk: for (;;) {
      const page = queue.batchesOnChainBelow(position, WALK_PAGE);
      if (page.length === 0) break;
      for (const batch of page) {
        position = { blockNumber: batch.blockNumber, id: batch.id };
        let verdict = await this.verdictOf(batch);
        if (verdict === 'node_behind') {
          this.lagSince ??= Date.now();
          if (Date.now() - this.lagSince < this.lagGraceMs()) {
            deferred = batch;
            break walk;
          }
          verdict = 'vanished';
        }
        if (verdict === 'canonical') break walk;
        if (isFinal(batch)) {
          contradicted.push(batch);
          continue;
        }
        queue.reopenBatch(batch.id);
        vanished.push(batch);
      }
    }
    if (deferred) {
      // Counted and logged once per wait (the walk is tried again at every tick until the node catches up).
      if (!this.lagReported) {
        this.lagReported = true;
        this.stats.lagWaits += 1;
        logger?.warn(
          { reason, blockNumber: deferred.blockNumber, head: this.head?.number ?? null },
          'relayer: the node is behind a block the gateway recorded a batch in: waiting for it to catch up before judging',
        );
      }
    } else {
      this.walkReason = undefined;
      this.lagSince = undefined;
      this.lagReported = false;
    }
    // Lowest nonce first, so that each one's broadcast can be mined.
    for (const batch of contradicted.sort((a, b) => a.nonce - b.nonce)) await this.finalContradicted(batch, reason);
    if (vanished.length === 0) {
      await this.options.host.resendOpenBatches({ all: false });
      return;
    }
    this.stats.rollbacks += 1;
    this.stats.batchesVanished += vanished.length;
    this.lastRollback = { at: new Date().toISOString(), reason };
    logger?.warn(
      {
        event: 'relayer_resend',
        reason,
        batches: vanished.length,
        blocks: [...new Set(vanished.map((b) => b.blockNumber))].sort((a, b) => a - b),
      },
      'relayer: batches vanished from the chain; sending them again',
    );
    this.options.onRollback?.(reason);
    await this.options.host.resendOpenBatches({ all: true });
  }

  private lagGraceMs(): number {
    if (this.options.lagGraceMs !== undefined) return this.options.lagGraceMs;
    return this.options.policy()?.chain === 'anvil' ? 0 : DEFAULT_LAG_GRACE_MS;
  }

  /**
   * Whether the batch's block is still the node's canonical one at its height, another block is
   * there ('vanished'), or the node has no block at that height yet ('node_behind': no evidence).
   */
  private async verdictOf(batch: BatchOnChain): Promise<'canonical' | 'vanished' | 'node_behind'> {
    if (this.head === undefined || batch.blockNumber > this.head.number) return 'node_behind';
    const canonical = await canonicalHashAt(this.options.publicClient, batch.blockNumber);
    if (canonical === undefined) return 'node_behind'; // its head moved back since the tick read it
    if (batch.blockHash !== null) return canonical === batch.blockHash ? 'canonical' : 'vanished';
    // Recorded before block hashes were: the block at that height is taken as the one if its receipt says so.
    if (!(await this.receiptStillAt(batch, canonical))) return 'vanished';
    this.options.queue.recordBlockHash(batch.id, canonical);
    return 'canonical';
  }

  /**
   * A final batch the chain contradicts: a security event, counted, logged and broadcast again once
   * per batch (the walk that finds it runs again at every look while its block stays gone, and a
   * line or a broadcast per look would flood the log and the nodes); the batch stays final.
   */
  private async finalContradicted(batch: BatchOnChain, reason: string): Promise<void> {
    if (this.contradictedFinals.has(batch.id)) return;
    this.contradictedFinals.add(batch.id);
    this.stats.finalContradicted += 1;
    this.options.logger?.error(
      {
        security: true,
        txHash: batch.txHash,
        nonce: batch.nonce,
        blockNumber: batch.blockNumber,
        blockHash: batch.blockHash,
        head: this.head ?? null,
        reason,
      },
      'SECURITY: the chain contradicts a batch the gateway reported final (its block is gone): the validators lost more than the confirmations allow. Its readings stay final as reported; its recorded bytes are broadcast again. Investigate the validators (docs/operations.md)',
    );
    await this.options.host.rebroadcast(batch.id);
  }

  private async receiptStillAt(batch: BatchOnChain, blockHash: string): Promise<boolean> {
    const receipt = (await this.options.publicClient.request({ method: 'eth_getTransactionReceipt', params: [batch.txHash] })) as {
      blockHash: string;
    } | null;
    return receipt?.blockHash === blockHash;
  }

  /** Batches deep and old enough become final, each block's hash checked once more first. */
  private async finalize(head: BlockId): Promise<void> {
    const policy = this.options.policy();
    if (!policy) return;
    const saved = this.options.savedBlock ? (this.options.savedBlock() ?? -1) : undefined;
    const { maxBlock, includedBefore } = finalityHorizon(policy, head.number, Date.now(), saved);
    if (maxBlock < 0) return;
    const { queue, publicClient } = this.options;
    const hashes = new Map<number, Hex | undefined>();
    for (const batch of queue.batchesToFinalize(maxBlock, includedBefore)) {
      if (!hashes.has(batch.blockNumber)) hashes.set(batch.blockNumber, await canonicalHashAt(publicClient, batch.blockNumber));
      // The depth was counted on this node's head: another node (a failover meanwhile) or a head
      // that moved back below the block is no confirmation; the next tick looks again.
      if (this.head !== head) return;
      const canonical = hashes.get(batch.blockNumber);
      if (canonical === undefined) return;
      if (batch.blockHash === null && (await this.receiptStillAt(batch, canonical))) {
        queue.recordBlockHash(batch.id, canonical); // recorded before schema 2, and still there
      } else if (canonical !== batch.blockHash) {
        // Gone: this batch at once (the walk from the newest block, next, finds any others).
        this.walkReason ??= `block ${batch.blockNumber} of batch ${batch.txHash} is no longer canonical`;
        queue.reopenBatch(batch.id);
        return this.walkBack([batch]);
      }
      queue.finalizeBatch(batch.id);
      this.stats.batchesFinalized += 1;
    }
  }

  /** Nonces: vanished batches, gaps, dropped and stuck transactions. */
  private async repair(): Promise<void> {
    const { queue, publicClient, address, host, stuckAfterMs, logger } = this.options;
    const chainNonce = await publicClient.getTransactionCount({ address, blockTag: 'latest' });
    if (chainNonce !== this.chainNonce) {
      this.chainNonce = chainNonce;
      this.chainNonceSince = Date.now();
    }
    const aboveChain = queue.batchesOnChainFromNonce(address, chainNonce);
    if (aboveChain.length > 0) {
      this.walkReason ??= `batch ${aboveChain[0]!.txHash} (nonce ${aboveChain[0]!.nonce}) is recorded in a block, but the account's nonce on chain is ${chainNonce}`;
      return this.walkBack();
    }
    const highest = queue.highestNonce(address);
    if (highest !== undefined) {
      for (let nonce = chainNonce; nonce <= highest; nonce++) {
        if (queue.hasBatchAtNonce(address, nonce)) continue;
        logger?.warn({ event: 'relayer_resend', nonce }, 'relayer: no transaction holds this nonce (a gap): filling it');
        await host.fillNonce(nonce);
        this.stats.gapsFilled += 1;
      }
    }
    // Open batches nobody follows (a follower that failed while the node was away) are sent and followed again.
    await host.resendOpenBatches({ all: false });
    const lowest = queue.lowestOpenBatch(address);
    if (!lowest || lowest.nonce !== chainNonce) return;
    const known = await publicClient.request({ method: 'eth_getTransactionByHash', params: [lowest.txHash] });
    if (!known) {
      logger?.warn(
        { event: 'relayer_resend', nonce: lowest.nonce, txHash: lowest.txHash },
        'relayer: the node does not know the next transaction (dropped); sending again',
      );
      this.stats.droppedResent += 1;
      return host.resendOpenBatches({ all: true });
    }
    const underpriced = parseTransaction(lowest.rawTx).maxFeePerGas! < this.baseFee;
    const waiting = Date.now() - Math.max(this.chainNonceSince, this.bumpedAt.get(lowest.id) ?? 0);
    if (underpriced || waiting > stuckAfterMs) {
      logger?.warn(
        { event: 'relayer_fee_bump', nonce: lowest.nonce, txHash: lowest.txHash, underpriced, waitingMs: waiting },
        'relayer: transaction stuck; signing it again with higher fees',
      );
      this.bumpedAt.set(lowest.id, Date.now());
      await host.bump(lowest.id);
    }
  }
}
