/**
 * The gateway database's schema, as numbered migrations. GatewayDatabase applies, in order and each
 * in one transaction, every migration above the database's `PRAGMA user_version`, and sets
 * user_version to its number in the same transaction: a crash leaves a migration applied whole or
 * not at all.
 *
 * A migration is never edited once released (migrations.test.ts pins each one's SQL by hash):
 * a change to the schema is a new migration at the end of the list.
 */
export type Migration = {
  /** 1, 2, 3, ... in order, no gaps. */
  version: number;
  description: string;
  sql: string;
};

export const gatewayMigrations: readonly Migration[] = [
  {
    version: 1,
    description:
      'The schema of Pythia 0.1.0, verbatim: readings, batches, device actions (ReadingQueue), commands (CommandStore), recipient nonces, access entries, canaries (AccessLedger), policy documents (PolicyStore). IF NOT EXISTS throughout: a database written before migrations existed (user_version 0) has some or all of these tables already.',
    sql: `
CREATE TABLE IF NOT EXISTS readings (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  device       TEXT    NOT NULL,
  seq          TEXT    NOT NULL,
  timestamp    TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  signature    BLOB    NOT NULL,
  received_at  INTEGER NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'pending',
  batch_id     INTEGER,
  reasons      TEXT,
  metric       INTEGER,
  value        INTEGER,
  tx_hash      TEXT,
  block_number INTEGER,
  decided_at   INTEGER,
  UNIQUE (device, seq)
);
CREATE INDEX IF NOT EXISTS readings_unbatched ON readings (id) WHERE status = 'pending' AND batch_id IS NULL;
CREATE INDEX IF NOT EXISTS readings_by_batch ON readings (batch_id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS batches (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  nonce        INTEGER NOT NULL,
  tx_hash      TEXT    NOT NULL,
  raw_tx       TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  state        TEXT    NOT NULL DEFAULT 'sent',
  block_number INTEGER
);
CREATE INDEX IF NOT EXISTS batches_open ON batches (id) WHERE state = 'sent';
CREATE TABLE IF NOT EXISTS device_actions (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  device       TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  target       TEXT    NOT NULL,
  calldata     TEXT    NOT NULL,
  dedupe_key   TEXT    NOT NULL UNIQUE,
  received_at  INTEGER NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'pending',
  batch_id     INTEGER,
  tx_hash      TEXT,
  block_number INTEGER,
  error        TEXT,
  decided_at   INTEGER
);
CREATE INDEX IF NOT EXISTS device_actions_unbatched ON device_actions (id) WHERE status = 'pending' AND batch_id IS NULL;
CREATE TABLE IF NOT EXISTS commands (
  id               TEXT    PRIMARY KEY,
  recipient        TEXT    NOT NULL,
  nonce            TEXT    NOT NULL,
  device           TEXT    NOT NULL,
  consent_id       TEXT    NOT NULL,
  command          INTEGER NOT NULL,
  args             TEXT    NOT NULL,
  expires_at       TEXT    NOT NULL,
  signature        TEXT    NOT NULL,
  checked_at_block INTEGER NOT NULL,
  received_at      INTEGER NOT NULL,
  status           TEXT    NOT NULL DEFAULT 'accepted',
  log_entry_id    INTEGER,
  UNIQUE (recipient, nonce)
);
CREATE TABLE IF NOT EXISTS recipient_nonces (
  recipient   TEXT    NOT NULL,
  nonce       TEXT    NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (recipient, nonce)
);
CREATE TABLE IF NOT EXISTS access_entries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind        TEXT    NOT NULL,
  consent_id  TEXT    NOT NULL,
  device      TEXT    NOT NULL,
  recipient   TEXT    NOT NULL,
  scope       INTEGER NOT NULL,
  count       INTEGER NOT NULL,
  hash        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  action_id   INTEGER
);
CREATE INDEX IF NOT EXISTS access_entries_unbatched ON access_entries (kind, id) WHERE action_id IS NULL;
CREATE TABLE IF NOT EXISTS canaries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  consent_id  TEXT    NOT NULL,
  recipient   TEXT    NOT NULL,
  device      TEXT    NOT NULL,
  stream      INTEGER NOT NULL,
  seq         TEXT    NOT NULL,
  value       INTEGER NOT NULL,
  salt        TEXT    NOT NULL,
  commitment  TEXT    NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  action_id   INTEGER
);
CREATE INDEX IF NOT EXISTS canaries_unbatched ON canaries (id) WHERE action_id IS NULL;
CREATE INDEX IF NOT EXISTS canaries_by_consent ON canaries (consent_id, id);
CREATE TABLE IF NOT EXISTS policy_documents (
  policy_id      TEXT    PRIMARY KEY,
  content_hash   TEXT    NOT NULL,
  canonical_json TEXT    NOT NULL,
  stored_at      INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    description:
      'Access-log batches (AccessLog.logDeliveries / logCommands, CanaryRegistry.commitCanaries) get their own table instead of riding in device_actions under the zero address; existing rows move with their ids, so access_entries.action_id and canaries.action_id still name them.',
    sql: `
CREATE TABLE access_log_batches (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT    NOT NULL CHECK (kind IN ('deliveries', 'commands', 'canaries')),
  target       TEXT    NOT NULL,
  calldata     TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  status       TEXT    NOT NULL DEFAULT 'pending',
  batch_id     INTEGER,
  tx_hash      TEXT,
  block_number INTEGER,
  error        TEXT,
  decided_at   INTEGER
);
CREATE INDEX access_log_batches_unbatched ON access_log_batches (id) WHERE status = 'pending' AND batch_id IS NULL;
INSERT INTO access_log_batches (id, kind, target, calldata, created_at, status, batch_id, tx_hash, block_number, error, decided_at)
  SELECT id,
         CASE kind WHEN 'access-log-deliverys' THEN 'deliveries' WHEN 'access-log-commands' THEN 'commands' ELSE 'canaries' END,
         target, calldata, received_at, status, batch_id, tx_hash, block_number, error, decided_at
  FROM device_actions
  WHERE device = '0x0000000000000000000000000000000000000000'
    AND kind IN ('access-log-deliverys', 'access-log-commands', 'canary-commitments')
  ORDER BY id;
DELETE FROM device_actions
  WHERE device = '0x0000000000000000000000000000000000000000'
    AND kind IN ('access-log-deliverys', 'access-log-commands', 'canary-commitments');
`,
  },
  {
    version: 3,
    description:
      'Issue #12: a canary names the logged delivery that carried it (CanaryRegistry.commitCanaries takes AccessLog delivery keys). entry_id is the access entry of that delivery, delivery_key keccak256(abi.encode(delivery)). Canaries recorded before have neither and are never committed to the new registry.',
    sql: `
ALTER TABLE canaries ADD COLUMN entry_id INTEGER;
ALTER TABLE canaries ADD COLUMN delivery_key TEXT;
DROP INDEX IF EXISTS canaries_unbatched;
CREATE INDEX canaries_unbatched ON canaries (id) WHERE action_id IS NULL AND delivery_key IS NOT NULL;
`,
  },
  {
    version: 4,
    description:
      "Included vs final, chain rollbacks, fee bumps (issue #11). A batch's state 'mined' now means included in the block named by block_number and block_hash; 'final' is new (enough confirmations, hash checked again). account: the relayer account that signed the batch (nonces are per account; NULL: recorded before, taken as the current account). batch_attempts: the hashes of a batch's earlier signatures replaced by fee bumps (same nonce and calldata, lower fees), since any of them may be the one mined. Batches already on chain get included_at = created_at, so they can become final once their block hash is checked.",
    sql: `
ALTER TABLE batches ADD COLUMN block_hash TEXT;
ALTER TABLE batches ADD COLUMN included_at INTEGER;
ALTER TABLE batches ADD COLUMN final_at INTEGER;
ALTER TABLE batches ADD COLUMN account TEXT;
ALTER TABLE readings ADD COLUMN block_hash TEXT;
UPDATE batches SET included_at = created_at WHERE state IN ('mined', 'reverted') AND block_number IS NOT NULL;
CREATE TABLE batch_attempts (
  tx_hash      TEXT    PRIMARY KEY,
  batch_id     INTEGER NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX batch_attempts_by_batch ON batch_attempts (batch_id);
CREATE INDEX batches_by_nonce ON batches (nonce);
CREATE INDEX batches_by_tx ON batches (tx_hash);
CREATE INDEX batches_on_chain ON batches (block_number, id) WHERE block_number IS NOT NULL;
CREATE INDEX batches_unfinal ON batches (block_number) WHERE state IN ('mined', 'reverted') AND final_at IS NULL;
CREATE INDEX readings_of_batch ON readings (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX device_actions_of_batch ON device_actions (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX access_log_batches_of_batch ON access_log_batches (batch_id) WHERE batch_id IS NOT NULL;
`,
  },
];
