import type { Address, Hex } from 'viem';
import { deliveryKey, type DeliveryEntry } from '../../protocol/recipientTerms.js';
import type { GatewayDatabase } from '../database/gatewayDatabase.js';

/**
 * What the gateway must remember about access under consent, in the gateway's database:
 * - recipient request nonces, so a signed data request is served once;
 * - access entries (deliveries, relayed commands) until they are put in an AccessLog batch;
 * - canary values given to recipients, until committed on chain and for the owner to reveal later;
 * - the access-log batches themselves (table access_log_batches), which the relayer sends as
 *   transactions of their own and settles (ReadingQueue).
 * An entry is written before the data leaves the gateway, so nothing delivered goes unlogged.
 */

export type AccessEntryKind = 'delivery' | 'command';

export type NewAccessEntry = {
  kind: AccessEntryKind;
  consentId: bigint;
  device: Address;
  recipient: Address;
  /** Streams bitmask for a delivery; the command code for a command. */
  scope: number;
  /** Readings delivered (0 for a command). */
  count: number;
  /** Delivery: deliveryDataHash; command: keccak256 of the signed command. */
  hash: Hex;
};

export type AccessEntry = NewAccessEntry & { id: number; createdAt: number; actionId: number | null };

export type NewCanary = {
  consentId: bigint;
  recipient: Address;
  device: Address;
  stream: number;
  sequence: bigint;
  value: number;
  salt: Hex;
  commitment: Hex;
};

export type CanaryRecord = NewCanary & {
  id: number;
  createdAt: number;
  actionId: number | null;
  /** The logged delivery that carried it (null for a canary recorded before issue #12). */
  delivery: DeliveryEntry | null;
  deliveryKey: Hex | null;
  /** The access-log batch (logDeliveries) that carries that delivery, once batched. */
  deliveryBatchId: number | null;
};

/** deliveries: AccessLog.logDeliveries; commands: AccessLog.logCommands; canaries: CanaryRegistry.commitCanaries. */
export type AccessLogBatchKind = 'deliveries' | 'commands' | 'canaries';

export type NewAccessLogBatch = { kind: AccessLogBatchKind; target: Address; calldata: Hex };

/** An access-log batch and how its transaction ended (like a device action). */
export type AccessLogBatchRecord = NewAccessLogBatch & {
  id: number;
  createdAt: number;
  status: 'pending' | 'done' | 'failed';
  txHash: Hex | null;
  blockNumber: number | null;
  error: string | null;
};

type LogBatchRow = {
  id: number;
  kind: AccessLogBatchKind;
  target: string;
  calldata: string;
  created_at: number;
  status: AccessLogBatchRecord['status'];
  tx_hash: string | null;
  block_number: number | null;
  error: string | null;
};

type EntryRow = {
  id: number;
  kind: AccessEntryKind;
  consent_id: string;
  device: string;
  recipient: string;
  scope: number;
  count: number;
  hash: string;
  created_at: number;
  action_id: number | null;
};

type CanaryRow = {
  id: number;
  consent_id: string;
  recipient: string;
  device: string;
  stream: number;
  seq: string;
  value: number;
  salt: string;
  commitment: string;
  created_at: number;
  action_id: number | null;
  delivery_key: string | null;
  /** The delivery entry's fields (joined). */
  d_scope: number | null;
  d_count: number | null;
  d_hash: string | null;
  d_action: number | null;
};

const toEntry = (row: EntryRow): AccessEntry => ({
  id: row.id,
  kind: row.kind,
  consentId: BigInt(row.consent_id),
  device: row.device as Address,
  recipient: row.recipient as Address,
  scope: row.scope,
  count: row.count,
  hash: row.hash as Hex,
  createdAt: row.created_at,
  actionId: row.action_id,
});

const toCanary = (row: CanaryRow): CanaryRecord => ({
  id: row.id,
  consentId: BigInt(row.consent_id),
  recipient: row.recipient as Address,
  device: row.device as Address,
  stream: row.stream,
  sequence: BigInt(row.seq),
  value: row.value,
  salt: row.salt as Hex,
  commitment: row.commitment as Hex,
  createdAt: row.created_at,
  actionId: row.action_id,
  deliveryKey: row.delivery_key as Hex | null,
  deliveryBatchId: row.d_action,
  delivery:
    row.delivery_key === null || row.d_scope === null
      ? null
      : {
          consentId: BigInt(row.consent_id),
          device: row.device as Address,
          recipient: row.recipient as Address,
          streams: row.d_scope,
          readings: row.d_count ?? 0,
          dataHash: row.d_hash as Hex,
        },
});

/** The canaries' columns and their delivery entry's, for toCanary. */
const CANARY_SELECT =
  'SELECT c.*, e.scope AS d_scope, e.count AS d_count, e.hash AS d_hash, e.action_id AS d_action FROM canaries c LEFT JOIN access_entries e ON e.id = c.entry_id';

/** The AccessLog entry a delivery is logged as. */
export function deliveryEntryOf(entry: NewAccessEntry): DeliveryEntry {
  return {
    consentId: entry.consentId,
    device: entry.device,
    recipient: entry.recipient,
    streams: entry.scope,
    readings: entry.count,
    dataHash: entry.hash,
  };
}

/**
 * The first millisecond at which a nonce of a request expiring at `expiresAtSeconds` may be
 * forgotten: the end of that second (the request is accepted while expiresAt >= now in seconds).
 */
export function nonceKeptUntilMs(expiresAtSeconds: bigint): number {
  return (Number(expiresAtSeconds) + 1) * 1000;
}

export class AccessLedger {
  private readonly db: GatewayDatabase;
  private readonly statements;

  constructor(database: GatewayDatabase) {
    this.db = database;
    this.statements = {
      insertLogBatch: this.db.prepare('INSERT INTO access_log_batches (kind, target, calldata, created_at) VALUES (?, ?, ?, ?)'),
      logBatch: this.db.prepare('SELECT * FROM access_log_batches WHERE id = ?'),
      insertNonce: this.db.prepare('INSERT OR IGNORE INTO recipient_nonces (recipient, nonce, expires_at) VALUES (?, ?, ?)'),
      pruneNonces: this.db.prepare('DELETE FROM recipient_nonces WHERE expires_at <= ?'),
      insertEntry: this.db.prepare(
        'INSERT INTO access_entries (kind, consent_id, device, recipient, scope, count, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      unbatchedEntries: this.db.prepare('SELECT * FROM access_entries WHERE kind = ? AND action_id IS NULL ORDER BY id LIMIT ?'),
      unbatchedAt: this.db.prepare('SELECT 1 FROM access_entries WHERE action_id IS NULL ORDER BY id LIMIT 1 OFFSET ?').pluck(),
      oldestUnbatchedEntry: this.db.prepare('SELECT MIN(created_at) FROM access_entries WHERE action_id IS NULL').pluck(),
      assignEntry: this.db.prepare('UPDATE access_entries SET action_id = ? WHERE id = ? AND action_id IS NULL'),
      entry: this.db.prepare('SELECT * FROM access_entries WHERE id = ?'),
      // The same canary (a deterministic value for this recipient, consent, stream and sequence)
      // given again by a re-fetch is already recorded, with the delivery that first carried it.
      insertCanary: this.db.prepare(
        'INSERT OR IGNORE INTO canaries (consent_id, recipient, device, stream, seq, value, salt, commitment, created_at, entry_id, delivery_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // A canary is committed once its delivery is in an AccessLog batch (the registry refuses a
      // canary whose delivery the AccessLog has not recorded; batches are sent in order), with the
      // proof of its place in that batch (AccessLogBatcher).
      unbatchedCanaries: this.db.prepare(
        `${CANARY_SELECT} WHERE c.action_id IS NULL AND c.delivery_key IS NOT NULL AND e.action_id IS NOT NULL ORDER BY c.id LIMIT ?`,
      ),
      oldestUnbatchedCanary: this.db
        .prepare('SELECT MIN(created_at) FROM canaries WHERE action_id IS NULL AND delivery_key IS NOT NULL')
        .pluck(),
      assignCanary: this.db.prepare('UPDATE canaries SET action_id = ? WHERE id = ? AND action_id IS NULL'),
      canariesOfConsent: this.db.prepare(`${CANARY_SELECT} WHERE c.consent_id = ? ORDER BY c.id LIMIT ?`),
    };
  }

  /**
   * Records a recipient's request nonce; false if it was used before (a replay). A nonce is
   * forgotten only once its request can no longer be accepted: a request expiring at second
   * `expiresAtSeconds` is valid through that whole second (checkSignedRequest compares seconds),
   * so its nonce is kept until the end of it (expires_at is in ms: the first ms after, when it is pruned).
   */
  useNonce(recipient: Address, nonce: bigint, expiresAtSeconds: bigint, nowMs = Date.now()): boolean {
    this.statements.pruneNonces.run(nowMs);
    const keptUntilMs = nonceKeptUntilMs(expiresAtSeconds);
    return this.statements.insertNonce.run(recipient.toLowerCase(), nonce.toString(), keptUntilMs).changes === 1;
  }

  /**
   * Stores a delivery (with the canaries it carries) or a command in one transaction, before the
   * recipient gets anything. Returns the entry's id.
   */
  recordAccess(entry: NewAccessEntry, canaries: readonly NewCanary[] = [], now = Date.now()): number {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.statements.insertEntry.run(
        entry.kind,
        entry.consentId.toString(),
        entry.device.toLowerCase(),
        entry.recipient.toLowerCase(),
        entry.scope,
        entry.count,
        entry.hash,
        now,
      );
      const key = entry.kind === 'delivery' && canaries.length > 0 ? deliveryKey(deliveryEntryOf(entry)) : null;
      for (const c of canaries) {
        this.statements.insertCanary.run(
          c.consentId.toString(),
          c.recipient.toLowerCase(),
          c.device.toLowerCase(),
          c.stream,
          c.sequence.toString(),
          c.value,
          c.salt,
          c.commitment,
          now,
          Number(lastInsertRowid),
          key,
        );
      }
      return Number(lastInsertRowid);
    })();
  }

  entry(id: number): AccessEntry | undefined {
    const row = this.statements.entry.get(id) as EntryRow | undefined;
    return row && toEntry(row);
  }

  unbatchedEntries(kind: AccessEntryKind, limit: number): AccessEntry[] {
    return (this.statements.unbatchedEntries.all(kind, limit) as EntryRow[]).map(toEntry);
  }

  /** Whether at least `n` entries (deliveries and commands) wait for a batch; costs O(n), unlike a count. */
  hasUnbatchedEntries(n: number): boolean {
    return this.statements.unbatchedAt.get(Math.max(0, n - 1)) !== undefined;
  }

  unbatchedCanaries(limit: number): CanaryRecord[] {
    return (this.statements.unbatchedCanaries.all(limit) as CanaryRow[]).map(toCanary);
  }

  /** Creation time (ms) of the oldest entry or canary not yet in a batch. */
  oldestUnbatchedAt(): number | undefined {
    const times = [this.statements.oldestUnbatchedEntry.get(), this.statements.oldestUnbatchedCanary.get()].filter(
      (t): t is number => typeof t === 'number',
    );
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /**
   * Stores an access-log batch (the relayer sends it) and marks these entries or canaries as
   * carried by it, in one transaction: a crash leaves either both or neither, so nothing is logged
   * twice or never. Returns the batch's id.
   */
  batchInto(what: 'entries' | 'canaries', ids: readonly number[], batch: NewAccessLogBatch, now = Date.now()): number {
    const statement = what === 'entries' ? this.statements.assignEntry : this.statements.assignCanary;
    return this.db.transaction(() => {
      const batchId = Number(this.statements.insertLogBatch.run(batch.kind, batch.target, batch.calldata, now).lastInsertRowid);
      for (const id of ids) statement.run(batchId, id);
      return batchId;
    })();
  }

  /** An access-log batch (an entry's or canary's actionId) and its outcome. */
  logBatch(id: number): AccessLogBatchRecord | undefined {
    const row = this.statements.logBatch.get(id) as LogBatchRow | undefined;
    return (
      row && {
        id: row.id,
        kind: row.kind,
        target: row.target as Address,
        calldata: row.calldata as Hex,
        createdAt: row.created_at,
        status: row.status,
        txHash: row.tx_hash as Hex | null,
        blockNumber: row.block_number,
        error: row.error,
      }
    );
  }

  /** The canaries given under a consent (the owner reveals one to prove a leak). */
  canariesOfConsent(consentId: bigint, limit = 1000): CanaryRecord[] {
    return (this.statements.canariesOfConsent.all(consentId.toString(), limit) as CanaryRow[]).map(toCanary);
  }
}
