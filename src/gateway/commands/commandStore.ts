import type { Address, Hex } from 'viem';
import type { GatewayDatabase } from '../database/gatewayDatabase.js';

/**
 * The commands this gateway relayed (POST /v1/devices/{id}/commands), in the `commands` table of the
 * gateway's database (GatewayDatabase: WAL, synchronous=FULL). UNIQUE
 * (recipient, nonce) is the durable replay guard: a command is relayed once per recipient and
 * nonce, across restarts.
 */

export type CommandStatus = 'accepted' | 'published';

export type StoredCommand = {
  /** The EIP-712 digest of the signed command. */
  id: Hex;
  recipient: Address;
  nonce: bigint;
  device: Address;
  consentId: bigint;
  command: number;
  args: Hex;
  expiresAt: bigint;
  signature: Hex;
  /** The block the consent was checked at. */
  checkedAtBlock: number;
  receivedAt: number;
  /** accepted: stored, being published; published: on the device's commands topic (QoS 1). */
  status: CommandStatus;
  /** Its access entry (AccessLedger), which an AccessLog.logCommands batch logs on chain. */
  logEntryId: number | null;
};

type Row = {
  id: string;
  recipient: string;
  nonce: string;
  device: string;
  consent_id: string;
  command: number;
  args: string;
  expires_at: string;
  signature: string;
  checked_at_block: number;
  received_at: number;
  status: CommandStatus;
  log_entry_id: number | null;
};

const toCommand = (r: Row): StoredCommand => ({
  id: r.id as Hex,
  recipient: r.recipient as Address,
  nonce: BigInt(r.nonce),
  device: r.device as Address,
  consentId: BigInt(r.consent_id),
  command: r.command,
  args: r.args as Hex,
  expiresAt: BigInt(r.expires_at),
  signature: r.signature as Hex,
  checkedAtBlock: r.checked_at_block,
  receivedAt: r.received_at,
  status: r.status,
  logEntryId: r.log_entry_id,
});

export class CommandStore {
  private readonly statements;

  constructor(database: GatewayDatabase) {
    const db = database;
    this.statements = {
      used: db.prepare('SELECT 1 FROM commands WHERE recipient = ? AND nonce = ?').pluck(),
      insert: db.prepare(
        `INSERT OR IGNORE INTO commands (id, recipient, nonce, device, consent_id, command, args, expires_at, signature, checked_at_block, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      published: db.prepare("UPDATE commands SET status = 'published', log_entry_id = ? WHERE id = ?"),
      remove: db.prepare("DELETE FROM commands WHERE id = ? AND status = 'accepted'"),
      get: db.prepare('SELECT * FROM commands WHERE id = ?'),
    };
  }

  /** Whether the recipient already used this nonce. */
  isReplay(recipient: Address, nonce: bigint): boolean {
    return this.statements.used.get(recipient.toLowerCase(), nonce.toString()) !== undefined;
  }

  /** Stores a command before it is published; false if (recipient, nonce) or the id is already stored (a replay). */
  insert(c: Omit<StoredCommand, 'status' | 'logEntryId' | 'receivedAt'>, receivedAt = Date.now()): boolean {
    const { changes } = this.statements.insert.run(
      c.id.toLowerCase(),
      c.recipient.toLowerCase(),
      c.nonce.toString(),
      c.device.toLowerCase(),
      c.consentId.toString(),
      c.command,
      c.args,
      c.expiresAt.toString(),
      c.signature.toLowerCase(),
      c.checkedAtBlock,
      receivedAt,
    );
    return changes === 1;
  }

  markPublished(id: Hex, logEntryId: number): void {
    this.statements.published.run(logEntryId, id.toLowerCase());
  }

  /** Forgets a command that could not be published, so the recipient may send the same bytes again. */
  remove(id: Hex): void {
    this.statements.remove.run(id.toLowerCase());
  }

  get(id: Hex): StoredCommand | undefined {
    const row = this.statements.get.get(id.toLowerCase()) as Row | undefined;
    return row && toCommand(row);
  }
}
