import type { Address, Hex } from 'viem';
import type { GatewayDatabase } from '../database/gatewayDatabase.js';

/**
 * The gateway's durable queue and record of readings (SQLite, WAL, synchronous=FULL). A reading
 * is acknowledged only after the transaction that stores it is committed, so an acknowledged
 * reading survives a crash; the relayer takes readings out in arrival order, writes the signed
 * transaction that carries them before it is broadcast, and stores each reading's outcome.
 *
 * A batch (one nonce of the relayer account) goes sent → mined (included in a block, recorded
 * with the block's hash) → final (enough confirmations, hash checked again). A mined or final
 * batch whose block leaves the canonical chain goes back to sent (reopenBatch): its readings are
 * pending again and the same signed bytes are broadcast again, at the same nonce, so readings
 * keep their order. A reading's finality is its batch's.
 */

export type ReadingStatus = 'pending' | 'accepted' | 'flagged' | 'rejected';

/**
 * pending: in no block yet. included: in a block of the canonical chain, not final yet (a reorg
 * or a node restarted from older state may still undo it; the gateway then sends it again).
 * final: the block has enough confirmations and was checked at the canonical hash.
 */
export type Finality = 'pending' | 'included' | 'final';

export type NewReading = {
  device: Address;
  sequence: bigint;
  timestamp: bigint;
  payload: Hex;
  /** r ‖ s ‖ v, 65 bytes. */
  signature: Uint8Array;
};

export type QueuedReading = NewReading & { id: number };

export type ReadingRecord = {
  device: Address;
  sequence: bigint;
  timestamp: bigint;
  status: ReadingStatus;
  reasons: string[];
  metric?: number;
  value?: number;
  txHash?: Hex;
  blockNumber?: number;
  blockHash?: Hex;
  finality: Finality;
  receivedAt: number;
  /** When the gateway saw the on-chain verdict (ms since the epoch). */
  decidedAt?: number;
  /** When the gateway found the verdict final (ms since the epoch). */
  finalAt?: number;
};

export type ReadingOutcome = {
  device: Address;
  sequence: bigint;
  status: Exclude<ReadingStatus, 'pending'>;
  reasons: string[];
  metric?: number;
  value?: number;
  /**
   * The transaction that recorded the reading when it is not the batch's own: the batch was
   * skipped as Replayed because an earlier transaction (of this gateway, mined after all, or of
   * another relayer) had recorded this very reading.
   */
  recordedBy?: { txHash: Hex; blockNumber: number; blockHash: Hex };
};

/** A reading as a recipient may receive it (see deliverableReadings). */
export type DeliverableReading = {
  sequence: bigint;
  timestamp: bigint;
  payload: Hex;
  status: 'accepted' | 'flagged';
};

export type BatchRecord = { id: number; nonce: number; txHash: Hex; rawTx: Hex; createdAt: number };

/** A batch whose transaction was seen in a block (mined, final, or reverted). */
export type BatchOnChain = {
  id: number;
  nonce: number;
  txHash: Hex;
  state: 'mined' | 'final' | 'reverted';
  blockNumber: number;
  /** Null only for a batch recorded by a gateway older than schema 2. */
  blockHash: Hex | null;
  includedAt: number | null;
  finalAt: number | null;
};

export type ReadingQueueOptions = {
  /** The gateway's database (its tables: readings, batches, device_actions, access_log_batches). */
  database: GatewayDatabase;
};

const SEQUENCE_DIGITS = 20; // uint64 max has 20 decimal digits

/** Zero-padded decimal: SQLite text order is then numeric order, and any uint64 fits. */
export const sequenceKey = (sequence: bigint): string => sequence.toString().padStart(SEQUENCE_DIGITS, '0');

/**
 * A device-signed message other than a reading that the gateway relays as its own transaction
 * (an owner acknowledgement, a firmware install report): checked at intake, stored before it is
 * acknowledged, sent by the relayer with its nonces, settled from the receipt.
 */
export type NewDeviceAction = {
  device: Address;
  kind: string;
  target: Address;
  calldata: Hex;
  /** Same key = same action: a device sending it again gets the stored one back. */
  dedupeKey: string;
};

export type DeviceActionStatus = 'pending' | 'done' | 'failed';

/**
 * What the relayer sends as a transaction of its own, besides reading batches: a device action
 * (table device_actions), or one of the gateway's access-log batches (table access_log_batches,
 * written by the AccessLedger).
 */
export type RelayedActionSource = 'device_actions' | 'access_log_batches';
export type RelayedActionRef = { source: RelayedActionSource; id: number };
export type RelayedAction = RelayedActionRef & { kind: string; target: Address; calldata: Hex };

export type DeviceActionRecord = {
  id: number;
  device: Address;
  kind: string;
  target: Address;
  calldata: Hex;
  status: DeviceActionStatus;
  receivedAt: number;
  txHash: Hex | null;
  blockNumber: number | null;
  error: string | null;
};

type DeviceActionRow = {
  id: number;
  device: string;
  kind: string;
  target: string;
  calldata: string;
  status: DeviceActionStatus;
  received_at: number;
  tx_hash: string | null;
  block_number: number | null;
  error: string | null;
};

const toAction = (row: DeviceActionRow): DeviceActionRecord => ({
  id: row.id,
  device: row.device as Address,
  kind: row.kind,
  target: row.target as Address,
  calldata: row.calldata as Hex,
  status: row.status,
  receivedAt: row.received_at,
  txHash: row.tx_hash as Hex | null,
  blockNumber: row.block_number,
  error: row.error,
});

type ReadingRow = {
  id: number;
  device: string;
  seq: string;
  timestamp: string;
  payload: string;
  signature: Buffer;
  received_at: number;
  decided_at: number | null;
  status: ReadingStatus;
  reasons: string | null;
  metric: number | null;
  value: number | null;
  tx_hash: string | null;
  block_number: number | null;
  block_hash: string | null;
};

/** A reading row with its batch's finality (reading statement). */
type ReadingWithBatchRow = ReadingRow & { batch_final_at: number | null };

type BatchOnChainRow = {
  id: number;
  nonce: number;
  tx_hash: string;
  state: BatchOnChain['state'];
  block_number: number;
  block_hash: string | null;
  included_at: number | null;
  final_at: number | null;
};

const toBatchOnChain = (row: BatchOnChainRow): BatchOnChain => ({
  id: row.id,
  nonce: row.nonce,
  txHash: row.tx_hash as Hex,
  state: row.state,
  blockNumber: row.block_number,
  blockHash: row.block_hash as Hex | null,
  includedAt: row.included_at,
  finalAt: row.final_at,
});

const toQueued = (row: ReadingRow): QueuedReading => ({
  id: row.id,
  device: row.device as Address,
  sequence: BigInt(row.seq),
  timestamp: BigInt(row.timestamp),
  payload: row.payload as Hex,
  signature: new Uint8Array(row.signature),
});

export class ReadingQueue {
  private readonly db: GatewayDatabase;
  private pending: number;
  private readonly statements;

  constructor(options: ReadingQueueOptions) {
    this.db = options.database;
    this.statements = {
      insert: this.db.prepare('INSERT INTO readings (device, seq, timestamp, payload, signature, received_at) VALUES (?, ?, ?, ?, ?, ?)'),
      countPending: this.db.prepare("SELECT COUNT(*) AS n FROM readings WHERE status = 'pending'").pluck(),
      countPendingOf: this.db.prepare("SELECT COUNT(*) AS n FROM readings WHERE status = 'pending' AND device = ?").pluck(),
      highestSequences: this.db.prepare('SELECT device, MAX(seq) AS seq FROM readings GROUP BY device'),
      unbatched: this.db.prepare("SELECT * FROM readings WHERE status = 'pending' AND batch_id IS NULL ORDER BY id LIMIT ?"),
      countUnbatched: this.db.prepare("SELECT COUNT(*) FROM readings WHERE status = 'pending' AND batch_id IS NULL").pluck(),
      unbatchedAt: this.db
        .prepare("SELECT 1 FROM readings WHERE status = 'pending' AND batch_id IS NULL ORDER BY id LIMIT 1 OFFSET ?")
        .pluck(),
      oldestUnbatched: this.db
        .prepare("SELECT received_at FROM readings WHERE status = 'pending' AND batch_id IS NULL ORDER BY id LIMIT 1")
        .pluck(),
      insertBatch: this.db.prepare('INSERT INTO batches (nonce, tx_hash, raw_tx, created_at, account) VALUES (?, ?, ?, ?, ?)'),
      assignBatch: this.db.prepare("UPDATE readings SET batch_id = ? WHERE id = ? AND status = 'pending'"),
      openBatches: this.db.prepare(
        "SELECT id, nonce, tx_hash AS txHash, raw_tx AS rawTx, created_at AS createdAt FROM batches WHERE state = 'sent' ORDER BY nonce, id",
      ),
      readingsOfBatch: this.db.prepare("SELECT * FROM readings WHERE batch_id = ? AND status = 'pending' ORDER BY id"),
      settleReading: this.db.prepare(
        `UPDATE readings SET status = ?, reasons = ?, metric = ?, value = ?, tx_hash = ?, block_number = ?, block_hash = ?, decided_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
         WHERE batch_id = ? AND device = ? AND seq = ? AND status = 'pending'`,
      ),
      closeBatch: this.db.prepare(
        `UPDATE batches SET state = ?, block_number = ?, block_hash = ?,
           included_at = CASE WHEN ? IS NULL THEN NULL ELSE CAST(unixepoch('subsec') * 1000 AS INTEGER) END, final_at = NULL
         WHERE id = ?`,
      ),
      batchFinality: this.db.prepare('SELECT state, final_at FROM batches WHERE id = ?'),
      reopenBatch: this.db.prepare(
        "UPDATE batches SET state = 'sent', block_number = NULL, block_hash = NULL, included_at = NULL, final_at = NULL WHERE id = ?",
      ),
      reopenReadings: this.db.prepare(
        `UPDATE readings SET status = 'pending', reasons = NULL, metric = NULL, value = NULL, tx_hash = NULL, block_number = NULL, block_hash = NULL, decided_at = NULL
         WHERE batch_id = ? AND status <> 'pending'`,
      ),
      finalizeBatch: this.db.prepare(
        "UPDATE batches SET state = CASE state WHEN 'mined' THEN 'final' ELSE state END, final_at = ? WHERE id = ?",
      ),
      toFinalize: this.db.prepare(
        `SELECT id, nonce, tx_hash, state, block_number, block_hash, included_at, final_at FROM batches
         WHERE state IN ('mined', 'reverted') AND final_at IS NULL AND block_number <= ? AND included_at <= ? ORDER BY block_number, id LIMIT ?`,
      ),
      onChainBelow: this.db.prepare(
        `SELECT id, nonce, tx_hash, state, block_number, block_hash, included_at, final_at FROM batches
         WHERE block_number IS NOT NULL AND state IN ('mined', 'final', 'reverted') AND (block_number < ? OR (block_number = ? AND id < ?))
         ORDER BY block_number DESC, id DESC LIMIT ?`,
      ),
      onChainFromNonce: this.db.prepare(
        `SELECT id, nonce, tx_hash, state, block_number, block_hash, included_at, final_at FROM batches
         WHERE nonce >= ? AND (account = ? OR account IS NULL) AND state IN ('mined', 'final', 'reverted') ORDER BY nonce`,
      ),
      batchAtNonce: this.db.prepare(
        "SELECT id FROM batches WHERE nonce = ? AND (account = ? OR account IS NULL) AND state IN ('sent', 'mined', 'final', 'reverted')",
      ),
      highestNonce: this.db.prepare('SELECT MAX(nonce) FROM batches WHERE account = ? OR account IS NULL').pluck(),
      lowestOpen: this.db.prepare(
        `SELECT id, nonce, tx_hash AS txHash, raw_tx AS rawTx, created_at AS createdAt FROM batches
         WHERE state = 'sent' AND (account = ? OR account IS NULL) ORDER BY nonce, id LIMIT 1`,
      ),
      openBatchIds: this.db
        .prepare("SELECT id FROM batches WHERE state = 'sent' AND (account = ? OR account IS NULL) ORDER BY nonce, id")
        .pluck(),
      batchStateById: this.db.prepare('SELECT state, tx_hash AS txHash FROM batches WHERE id = ?'),
      batchById: this.db.prepare(
        'SELECT id, nonce, tx_hash AS txHash, raw_tx AS rawTx, created_at AS createdAt, state FROM batches WHERE id = ?',
      ),
      recordBlockHash: this.db.prepare('UPDATE batches SET block_hash = ? WHERE id = ? AND block_hash IS NULL'),
      insertAttempt: this.db.prepare('INSERT OR IGNORE INTO batch_attempts (tx_hash, batch_id, created_at) VALUES (?, ?, ?)'),
      replaceAttempt: this.db.prepare('UPDATE batches SET tx_hash = ?, raw_tx = ? WHERE id = ?'),
      attemptsOf: this.db.prepare('SELECT tx_hash FROM batch_attempts WHERE batch_id = ? ORDER BY created_at').pluck(),
      batchOfTx: this.db
        .prepare('SELECT id FROM batches WHERE tx_hash = ? UNION ALL SELECT batch_id FROM batch_attempts WHERE tx_hash = ? LIMIT 1')
        .pluck(),
      recordedBlockBefore: this.db
        .prepare(
          "SELECT MAX(block_number) FROM readings WHERE device = ? AND seq < ? AND status IN ('accepted', 'flagged') AND block_number IS NOT NULL",
        )
        .pluck(),
      finalityCountsOf: this.db.prepare(
        `SELECT SUM(b.final_at IS NULL) AS included, SUM(b.final_at IS NOT NULL) AS final FROM readings r JOIN batches b ON b.id = r.batch_id
         WHERE r.device = ? AND r.status <> 'pending'`,
      ),
      finalWindow: this.db.prepare(
        `WITH f AS (SELECT b.final_at AS t FROM readings r JOIN batches b ON b.id = r.batch_id
                    WHERE r.status <> 'pending' AND b.final_at IS NOT NULL AND r.received_at >= ?)
         SELECT MIN(t) AS first, MAX(t) AS last, COUNT(*) AS readings, SUM(t = (SELECT MIN(t) FROM f)) AS atFirst FROM f`,
      ),
      finalityLatencies: this.db.prepare(
        `SELECT b.final_at - r.received_at AS latency FROM readings r JOIN batches b ON b.id = r.batch_id
         WHERE r.status <> 'pending' AND b.final_at IS NOT NULL AND r.received_at >= ? ORDER BY latency`,
      ),
      finalityStages: this.db.prepare(
        `SELECT b.created_at - r.received_at AS queued, b.included_at - b.created_at AS toIncluded, b.final_at - b.included_at AS toFinal
         FROM readings r JOIN batches b ON b.id = r.batch_id
         WHERE r.status <> 'pending' AND b.final_at IS NOT NULL AND b.included_at IS NOT NULL AND r.received_at >= ?`,
      ),
      releaseBatch: this.db.prepare("UPDATE readings SET batch_id = NULL WHERE batch_id = ? AND status = 'pending'"),
      reading: this.db.prepare('SELECT * FROM readings WHERE device = ? AND seq = ?'),
      readingWithBatch: this.db.prepare(
        'SELECT r.*, b.final_at AS batch_final_at FROM readings r LEFT JOIN batches b ON b.id = r.batch_id WHERE r.device = ? AND r.seq = ?',
      ),
      deliverable: this.db.prepare(
        `SELECT seq, timestamp, payload, status FROM readings
         WHERE device = ? AND seq > ? AND status IN ('accepted', 'flagged')
           AND CAST(timestamp AS INTEGER) >= CAST(? AS INTEGER) AND CAST(timestamp AS INTEGER) <= CAST(? AS INTEGER)
           AND received_at >= ? AND received_at < ?
         ORDER BY seq LIMIT ?`,
      ),
      verdictLatencies: this.db.prepare(
        'SELECT decided_at - received_at AS latency FROM readings WHERE decided_at IS NOT NULL AND received_at >= ? ORDER BY latency',
      ),
      countsOf: this.db.prepare('SELECT status, COUNT(*) AS n FROM readings WHERE device = ? GROUP BY status'),
      insertAction: this.db.prepare(
        'INSERT OR IGNORE INTO device_actions (device, kind, target, calldata, dedupe_key, received_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      actionByKey: this.db.prepare('SELECT * FROM device_actions WHERE dedupe_key = ?'),
      action: this.db.prepare('SELECT * FROM device_actions WHERE id = ?'),
      // The oldest action waiting, of either source (arrival order across both).
      nextAction: this.db.prepare(
        `SELECT 'device_actions' AS source, id, kind, target, calldata, received_at AS at FROM device_actions
           WHERE status = 'pending' AND batch_id IS NULL
         UNION ALL
         SELECT 'access_log_batches' AS source, id, kind, target, calldata, created_at AS at FROM access_log_batches
           WHERE status = 'pending' AND batch_id IS NULL
         ORDER BY at, source DESC, id LIMIT 1`,
      ),
      actions: {
        device_actions: actionStatements(this.db, 'device_actions'),
        access_log_batches: actionStatements(this.db, 'access_log_batches'),
      },
    };
    this.pending = this.statements.countPending.get() as number;
  }

  /** Stores readings in one transaction; all or none. Throws on a (device, sequence) already stored. */
  enqueue(readings: readonly NewReading[], receivedAt = Date.now()): void {
    this.enqueueAll(readings, receivedAt);
    this.pending += readings.length;
  }

  private readonly enqueueAll = (readings: readonly NewReading[], receivedAt: number) =>
    this.db.transaction(() => {
      for (const r of readings) {
        this.statements.insert.run(
          r.device,
          sequenceKey(r.sequence),
          r.timestamp.toString(),
          r.payload,
          Buffer.from(r.signature),
          receivedAt,
        );
      }
    })();

  /** Readings stored and not yet settled by a receipt. */
  pendingCount(): number {
    return this.pending;
  }

  pendingCountOf(device: Address): number {
    return this.statements.countPendingOf.get(device.toLowerCase()) as number;
  }

  /** The highest sequence ever stored per device (lowercase id): the queue's replay floor. */
  highestSequences(): Map<Address, bigint> {
    const out = new Map<Address, bigint>();
    for (const row of this.statements.highestSequences.all() as { device: Address; seq: string }[]) {
      out.set(row.device, BigInt(row.seq));
    }
    return out;
  }

  unbatchedCount(): number {
    return this.statements.countUnbatched.get() as number;
  }

  /** Whether at least `n` readings wait for a batch (costs O(n), unlike a count). */
  hasUnbatched(n: number): boolean {
    return this.statements.unbatchedAt.get(Math.max(0, n - 1)) !== undefined;
  }

  /** Arrival time (ms) of the oldest reading waiting for a batch, if any. */
  oldestUnbatchedAt(): number | undefined {
    return this.statements.oldestUnbatched.get() as number | undefined;
  }

  /** The oldest readings that are in no open batch, in arrival order. */
  takeUnbatched(limit: number): QueuedReading[] {
    return (this.statements.unbatched.all(limit) as ReadingRow[]).map(toQueued);
  }

  /** Records a signed transaction before it is broadcast, and the readings (or relayed action) it carries. */
  recordBatch(
    batch: { nonce: number; txHash: Hex; rawTx: Hex; account?: Address },
    readingIds: readonly number[],
    actions: readonly RelayedActionRef[] = [],
  ): BatchRecord {
    const createdAt = Date.now();
    const id = this.db.transaction(() => {
      const { lastInsertRowid } = this.statements.insertBatch.run(
        batch.nonce,
        batch.txHash,
        batch.rawTx,
        createdAt,
        batch.account?.toLowerCase() ?? null,
      );
      for (const readingId of readingIds) this.statements.assignBatch.run(lastInsertRowid, readingId);
      for (const action of actions) this.statements.actions[action.source].assign.run(lastInsertRowid, action.id);
      return Number(lastInsertRowid);
    })();
    return { id, createdAt, nonce: batch.nonce, txHash: batch.txHash, rawTx: batch.rawTx };
  }

  /** Batches broadcast (or about to be) whose receipt has not been processed yet, oldest first. */
  openBatches(): BatchRecord[] {
    return this.statements.openBatches.all() as BatchRecord[];
  }

  readingsOfBatch(batchId: number): QueuedReading[] {
    return (this.statements.readingsOfBatch.all(batchId) as ReadingRow[]).map(toQueued);
  }

  /**
   * Stores the outcomes a mined batch's receipt gave, in one transaction, and marks the batch
   * included in the block (number, hash) the receipt names (`batch.txHash` is the transaction
   * that was mined: the batch's latest signature or an earlier one). A reading of the batch the
   * receipt says nothing about is rejected as NoOutcome (it is not on chain). Returns how many
   * readings were settled.
   */
  settleBatch(
    batch: Pick<BatchRecord, 'id' | 'txHash'>,
    blockNumber: number,
    outcomes: readonly ReadingOutcome[],
    blockHash: Hex | null = null,
  ): number {
    const settled = this.db.transaction(() => {
      let n = 0;
      for (const o of outcomes) {
        n += this.statements.settleReading.run(
          o.status,
          JSON.stringify(o.reasons),
          o.metric ?? null,
          o.value ?? null,
          o.recordedBy?.txHash ?? batch.txHash,
          o.recordedBy?.blockNumber ?? blockNumber,
          o.recordedBy?.blockHash ?? blockHash,
          batch.id,
          o.device.toLowerCase(),
          sequenceKey(o.sequence),
        ).changes;
      }
      for (const r of this.statements.readingsOfBatch.all(batch.id) as ReadingRow[]) {
        n += this.statements.settleReading.run(
          'rejected',
          JSON.stringify(['NoOutcome']),
          null,
          null,
          batch.txHash,
          blockNumber,
          blockHash,
          batch.id,
          r.device,
          r.seq,
        ).changes;
      }
      for (const actions of Object.values(this.statements.actions)) actions.settle.run('done', batch.txHash, blockNumber, null, batch.id);
      this.statements.closeBatch.run('mined', blockNumber, blockHash, blockNumber, batch.id);
      return n;
    })();
    this.pending -= settled;
    return settled;
  }

  /**
   * The batch will never be mined (reverted, or its nonce went to another transaction): its
   * readings queue again. A device action in a reverted transaction fails for good (the contract
   * refused it); one whose nonce was taken queues again.
   */
  abandonBatch(batchId: number, state: 'reverted' | 'replaced', blockNumber?: number, txHash?: Hex, blockHash?: Hex): void {
    this.db.transaction(() => {
      this.statements.releaseBatch.run(batchId);
      for (const actions of Object.values(this.statements.actions)) {
        if (state === 'reverted') actions.settle.run('failed', txHash ?? null, blockNumber ?? null, 'the transaction reverted', batchId);
        else actions.release.run(batchId);
      }
      this.statements.closeBatch.run(state, blockNumber ?? null, blockHash ?? null, blockNumber ?? null, batchId);
    })();
  }

  /**
   * The block that held the batch's transaction left the canonical chain (a rollback, a reorg,
   * another node): the batch is open again (its recorded bytes are broadcast again, same nonce),
   * its readings and device actions pending again. Returns how many readings are pending again.
   */
  reopenBatch(batchId: number): number {
    // A reading reported final never changes: what contradicts a final batch is the caller's
    // security event to report, never a reason to send its readings again as if they were lost.
    const batch = this.statements.batchFinality.get(batchId) as { state: string; final_at: number | null } | undefined;
    if (batch && (batch.state === 'final' || batch.final_at !== null)) {
      throw new Error(`batch ${batchId} is final: a final batch is never reopened`);
    }
    const reopened = this.db.transaction(() => {
      const n = this.statements.reopenReadings.run(batchId).changes;
      for (const actions of Object.values(this.statements.actions)) actions.reopen.run(batchId);
      this.statements.reopenBatch.run(batchId);
      return n;
    })();
    this.pending += reopened;
    return reopened;
  }

  /** The batch's block has enough confirmations and is still canonical: its outcomes are final. */
  finalizeBatch(batchId: number, at = Date.now()): void {
    this.statements.finalizeBatch.run(at, batchId);
  }

  /** Batches in a block at or below `maxBlock`, seen included before `includedBefore` (ms), not final yet; lowest block first. */
  batchesToFinalize(maxBlock: number, includedBefore: number, limit = 256): BatchOnChain[] {
    return (this.statements.toFinalize.all(maxBlock, includedBefore, limit) as BatchOnChainRow[]).map(toBatchOnChain);
  }

  /**
   * Batches seen in a block (mined, final or reverted), newest block first, from below the given
   * position (exclusive; omit it to start at the newest): a page of the walk back over the chain.
   */
  batchesOnChainBelow(position?: { blockNumber: number; id: number }, limit = 64): BatchOnChain[] {
    const block = position?.blockNumber ?? Number.MAX_SAFE_INTEGER;
    const id = position?.id ?? Number.MAX_SAFE_INTEGER;
    return (this.statements.onChainBelow.all(block, block, id, limit) as BatchOnChainRow[]).map(toBatchOnChain);
  }

  /**
   * The account's batches seen in a block whose nonce is at least `nonce`, by nonce (when the
   * chain's nonce of the account is `nonce`, none of them is mined: they vanished).
   */
  batchesOnChainFromNonce(account: Address, nonce: number): BatchOnChain[] {
    return (this.statements.onChainFromNonce.all(nonce, account.toLowerCase()) as BatchOnChainRow[]).map(toBatchOnChain);
  }

  /** Whether a live batch of the account (sent, mined, final or reverted) holds the nonce. */
  hasBatchAtNonce(account: Address, nonce: number): boolean {
    return this.statements.batchAtNonce.get(nonce, account.toLowerCase()) !== undefined;
  }

  /** The highest nonce the account signed a batch with. */
  highestNonce(account: Address): number | undefined {
    return (this.statements.highestNonce.get(account.toLowerCase()) as number | null) ?? undefined;
  }

  /** Ids of the account's open batches, lowest nonce first (without their signed bytes). */
  openBatchIds(account: Address): number[] {
    return this.statements.openBatchIds.all(account.toLowerCase()) as number[];
  }

  /** The account's open batch with the lowest nonce. */
  lowestOpenBatch(account: Address): BatchRecord | undefined {
    return this.statements.lowestOpen.get(account.toLowerCase()) as BatchRecord | undefined;
  }

  /** A batch's state and the hash of its latest signature (without the signed bytes). */
  batchState(batchId: number): { state: string; txHash: Hex } | undefined {
    return this.statements.batchStateById.get(batchId) as { state: string; txHash: Hex } | undefined;
  }

  /** A batch's latest signature and state. */
  batch(batchId: number): (BatchRecord & { state: string }) | undefined {
    return this.statements.batchById.get(batchId) as (BatchRecord & { state: string }) | undefined;
  }

  /** The block hash of a batch recorded before schema 2, once checked. */
  recordBlockHash(batchId: number, blockHash: Hex): void {
    this.statements.recordBlockHash.run(blockHash, batchId);
  }

  /** Whether the reading is pending in that batch (an outcome of the batch's receipt concerns it). */
  isPendingIn(device: Address, sequence: bigint, batchId: number): boolean {
    const row = this.statements.reading.get(device.toLowerCase(), sequenceKey(sequence)) as
      | (ReadingRow & { batch_id: number | null })
      | undefined;
    return row?.status === 'pending' && row.batch_id === batchId;
  }

  /**
   * A fee bump: the batch is signed again (same nonce, same calldata, higher fees). The earlier
   * signature is kept as an attempt, since either may be the one that gets mined.
   */
  replaceAttempt(batchId: number, previousTxHash: Hex, next: { txHash: Hex; rawTx: Hex }): void {
    this.db.transaction(() => {
      this.statements.insertAttempt.run(previousTxHash, batchId, Date.now());
      this.statements.replaceAttempt.run(next.txHash, next.rawTx, batchId);
    })();
  }

  /** Hashes of the batch's earlier signatures (replaced by fee bumps), oldest first. */
  earlierAttempts(batchId: number): Hex[] {
    return this.statements.attemptsOf.all(batchId) as Hex[];
  }

  /** Whether this gateway signed the transaction (any batch, any attempt). */
  isOwnTransaction(txHash: Hex): boolean {
    return this.statements.batchOfTx.get(txHash, txHash) !== undefined;
  }

  /**
   * The highest block in which a reading of the device with a lower sequence was recorded: the
   * reading itself cannot have been recorded before it (sequences only go up on chain).
   */
  recordedBlockBefore(device: Address, sequence: bigint): number | undefined {
    return (this.statements.recordedBlockBefore.get(device.toLowerCase(), sequenceKey(sequence)) as number | null) ?? undefined;
  }

  /** How many of the device's decided readings are included but not final, and how many are final. */
  finalityCountsOf(device: Address): { included: number; final: number } {
    const row = this.statements.finalityCountsOf.get(device.toLowerCase()) as { included: number | null; final: number | null };
    return { included: row.included ?? 0, final: row.final ?? 0 };
  }

  /**
   * Of the readings received since `sinceMs` that are final: when the first and the last became
   * final (ms since the epoch), how many there are, and how many became final at that first moment.
   */
  finalWindow(sinceMs = 0): { first: number; last: number; readings: number; atFirst: number } | undefined {
    const row = this.statements.finalWindow.get(sinceMs) as {
      first: number | null;
      last: number | null;
      readings: number;
      atFirst: number;
    };
    return row.first === null || row.last === null
      ? undefined
      : { first: row.first, last: row.last, readings: row.readings, atFirst: row.atFirst };
  }

  /**
   * Where the time from acknowledgement to final went, per reading received since `sinceMs` (ms,
   * each ascending): waiting in the queue until its batch was signed and recorded, from then until
   * the gateway saw the batch included, and from then until final.
   */
  finalityStages(sinceMs = 0): { queued: number[]; toIncluded: number[]; toFinal: number[] } {
    const rows = this.statements.finalityStages.all(sinceMs) as { queued: number; toIncluded: number; toFinal: number }[];
    const sorted = (key: 'queued' | 'toIncluded' | 'toFinal') => rows.map((r) => r[key]).sort((a, b) => a - b);
    return { queued: sorted('queued'), toIncluded: sorted('toIncluded'), toFinal: sorted('toFinal') };
  }

  /** Milliseconds from acknowledgement to final verdict of the readings received since `sinceMs`, ascending. */
  finalityLatencies(sinceMs = 0): number[] {
    return (this.statements.finalityLatencies.all(sinceMs) as { latency: number }[]).map((r) => r.latency);
  }

  /** Stores a device action, or finds the one stored under the same dedupe key (`duplicate`). */
  enqueueAction(action: NewDeviceAction, receivedAt = Date.now()): { action: DeviceActionRecord; duplicate: boolean } {
    const { changes } = this.statements.insertAction.run(
      action.device.toLowerCase(),
      action.kind,
      action.target,
      action.calldata,
      action.dedupeKey,
      receivedAt,
    );
    const row = this.statements.actionByKey.get(action.dedupeKey) as DeviceActionRow;
    return { action: toAction(row), duplicate: changes === 0 };
  }

  /** The oldest relayed action (device action or access-log batch) in no open batch. */
  nextUnbatchedAction(): RelayedAction | undefined {
    const row = this.statements.nextAction.get() as (RelayedAction & { at: number }) | undefined;
    return row && { source: row.source, id: row.id, kind: row.kind, target: row.target, calldata: row.calldata };
  }

  /** A relayed action the relayer will not send (the chain refused it when estimating). */
  failAction(action: RelayedActionRef, error: string): void {
    this.statements.actions[action.source].fail.run(error, action.id);
  }

  deviceAction(id: number): DeviceActionRecord | undefined {
    const row = this.statements.action.get(id) as DeviceActionRow | undefined;
    return row && toAction(row);
  }

  /** How many of the device's readings this gateway holds, by status. */
  countsOf(device: Address): Record<ReadingStatus, number> {
    const counts = { pending: 0, accepted: 0, flagged: 0, rejected: 0 };
    for (const row of this.statements.countsOf.all(device.toLowerCase()) as { status: ReadingStatus; n: number }[]) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  reading(device: Address, sequence: bigint): ReadingRecord | undefined {
    const row = this.statements.readingWithBatch.get(device.toLowerCase(), sequenceKey(sequence)) as ReadingWithBatchRow | undefined;
    if (!row) return undefined;
    const finality: Finality = row.status === 'pending' ? 'pending' : row.batch_final_at === null ? 'included' : 'final';
    return {
      device: row.device as Address,
      sequence: BigInt(row.seq),
      timestamp: BigInt(row.timestamp),
      status: row.status,
      reasons: row.reasons ? (JSON.parse(row.reasons) as string[]) : [],
      ...(row.metric !== null && { metric: row.metric }),
      ...(row.value !== null && { value: row.value }),
      ...(row.tx_hash !== null && { txHash: row.tx_hash as Hex }),
      ...(row.block_number !== null && { blockNumber: row.block_number }),
      ...(row.block_hash !== null && { blockHash: row.block_hash as Hex }),
      finality,
      receivedAt: row.received_at,
      ...(row.decided_at !== null && { decidedAt: row.decided_at }),
      ...(finality === 'final' && { finalAt: row.batch_final_at! }),
    };
  }

  /**
   * A device's readings with an on-chain verdict (accepted or flagged) after `afterSequence`, in
   * sequence order, optionally only those stamped within [fromTime, toTime] and received within
   * [receivedFrom, receivedBefore) (a consent's window): what a recipient with
   * a consent may be given (docs/api.md, "Data under consent").
   */
  deliverableReadings(query: {
    device: Address;
    afterSequence: bigint;
    fromTime: bigint;
    toTime: bigint;
    /** Only readings this gateway received in [receivedFrom, receivedBefore) (ms since the epoch). Default: any. */
    receivedFrom?: number;
    receivedBefore?: number;
    limit: number;
  }): DeliverableReading[] {
    const rows = this.statements.deliverable.all(
      query.device.toLowerCase(),
      sequenceKey(query.afterSequence),
      query.fromTime.toString(),
      query.toTime.toString(),
      query.receivedFrom ?? 0,
      query.receivedBefore ?? Number.MAX_SAFE_INTEGER,
      query.limit,
    ) as Pick<ReadingRow, 'seq' | 'timestamp' | 'payload' | 'status'>[];
    return rows.map((row) => ({
      sequence: BigInt(row.seq),
      timestamp: BigInt(row.timestamp),
      payload: row.payload as Hex,
      status: row.status as 'accepted' | 'flagged',
    }));
  }

  /** The signed bytes of a stored reading (to tell a redelivered copy from a different reading reusing the sequence). */
  signedReading(device: Address, sequence: bigint): NewReading | undefined {
    const row = this.statements.reading.get(device.toLowerCase(), sequenceKey(sequence)) as ReadingRow | undefined;
    if (!row) return undefined;
    return {
      device: row.device as Address,
      sequence: BigInt(row.seq),
      timestamp: BigInt(row.timestamp),
      payload: row.payload as Hex,
      signature: new Uint8Array(row.signature),
    };
  }

  /** Milliseconds from acknowledgement to on-chain verdict of the readings decided since `sinceMs`, ascending. */
  verdictLatencies(sinceMs = 0): number[] {
    return (this.statements.verdictLatencies.all(sinceMs) as { latency: number }[]).map((r) => r.latency);
  }
}

/** The statements that move a relayed action of `table` through its states (same columns in both tables). */
function actionStatements(db: GatewayDatabase, table: RelayedActionSource) {
  return {
    assign: db.prepare(`UPDATE ${table} SET batch_id = ? WHERE id = ? AND status = 'pending'`),
    settle: db.prepare(
      `UPDATE ${table} SET status = ?, tx_hash = ?, block_number = ?, error = ?, decided_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
       WHERE batch_id = ? AND status = 'pending'`,
    ),
    fail: db.prepare(
      `UPDATE ${table} SET status = 'failed', error = ?, decided_at = CAST(unixepoch('subsec') * 1000 AS INTEGER)
       WHERE id = ? AND status = 'pending'`,
    ),
    release: db.prepare(`UPDATE ${table} SET batch_id = NULL WHERE batch_id = ? AND status = 'pending'`),
    // The batch's block left the canonical chain: the action is pending in it again (done or failed).
    reopen: db.prepare(
      `UPDATE ${table} SET status = 'pending', tx_hash = NULL, block_number = NULL, error = NULL, decided_at = NULL
       WHERE batch_id = ? AND status <> 'pending'`,
    ),
  };
}
