import type Database from 'better-sqlite3';
import type { Hex } from 'viem';

/**
 * Policy documents the gateway holds (its SQLite database), by PolicyRegistry version id. A
 * document is stored only after its canonical bytes were hashed to the content hash on chain,
 * so what is served is what was published. The gateway enforces only policies it holds.
 */
export type StoredPolicy = { policyId: Hex; contentHash: Hex; canonicalJson: string; storedAt: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS policy_documents (
  policy_id      TEXT    PRIMARY KEY,
  content_hash   TEXT    NOT NULL,
  canonical_json TEXT    NOT NULL,
  stored_at      INTEGER NOT NULL
);
`;

type Row = { policy_id: string; content_hash: string; canonical_json: string; stored_at: number };

export class PolicyStore {
  private readonly statements;

  /** @param database The ReadingQueue's connection (`queue.database`). */
  constructor(database: Database.Database) {
    database.exec(SCHEMA);
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
