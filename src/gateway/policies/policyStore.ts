import type { Hex } from 'viem';
import type { GatewayDatabase } from '../database/gatewayDatabase.js';

/**
 * Policy documents the gateway holds (its SQLite database), by PolicyRegistry version id. A
 * document is stored only after its canonical bytes were hashed to the content hash on chain,
 * so what is served is what was published. The gateway enforces only policies it holds.
 */
export type StoredPolicy = { policyId: Hex; contentHash: Hex; canonicalJson: string; storedAt: number };

type Row = { policy_id: string; content_hash: string; canonical_json: string; stored_at: number };

export class PolicyStore {
  private readonly statements;

  constructor(database: GatewayDatabase) {
    this.statements = {
      insert: database.prepare(
        'INSERT OR IGNORE INTO policy_documents (policy_id, content_hash, canonical_json, stored_at) VALUES (?, ?, ?, ?)',
      ),
      get: database.prepare('SELECT * FROM policy_documents WHERE policy_id = ?'),
    };
  }

  /** Stores a verified document; false if this version was already held. */
  put(policy: Omit<StoredPolicy, 'storedAt'>, now = Date.now()): boolean {
    return this.statements.insert.run(policy.policyId.toLowerCase(), policy.contentHash, policy.canonicalJson, now).changes === 1;
  }

  get(policyId: Hex): StoredPolicy | undefined {
    const row = this.statements.get.get(policyId.toLowerCase()) as Row | undefined;
    return (
      row && {
        policyId: row.policy_id as Hex,
        contentHash: row.content_hash as Hex,
        canonicalJson: row.canonical_json,
        storedAt: row.stored_at,
      }
    );
  }
}
