import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { gatewayMigrations, type Migration } from './migrations.js';

export type GatewayDatabaseOptions = {
  /** A filename, or ':memory:' (tests only: nothing survives). */
  path: string;
  /** The schema's migrations; default the gateway's (tests pass others). */
  migrations?: readonly Migration[];
};

export class DatabaseVersionError extends Error {}

/**
 * The gateway's one SQLite database and its only connection (WAL, synchronous=FULL: a committed
 * transaction survives a crash of the process or the machine). Opening it brings the schema up to
 * date with the versioned migrations (migrations.ts). Every store (ReadingQueue, CommandStore,
 * AccessLedger, PolicyStore) takes this object and prepares its statements on it; none opens a
 * connection of its own, so a transaction can span several stores.
 */
export class GatewayDatabase {
  private readonly connection: Database.Database;

  constructor(options: GatewayDatabaseOptions) {
    // Readings, deliveries, canary values and salts: the file is made 0600 before SQLite opens it,
    // and SQLite gives its -wal and -shm files the database file's mode.
    if (options.path !== ':memory:') closeSync(openSync(options.path, 'a', 0o600));
    this.connection = new Database(options.path);
    try {
      this.connection.pragma('journal_mode = WAL');
      this.connection.pragma('synchronous = FULL');
      this.connection.pragma('busy_timeout = 5000');
      migrateDatabase(this.connection, options.migrations ?? gatewayMigrations);
    } catch (error) {
      this.connection.close();
      throw error;
    }
  }

  /** The schema version (PRAGMA user_version): the number of the last migration applied. */
  get schemaVersion(): number {
    return schemaVersionOf(this.connection);
  }

  prepare(source: string): Database.Statement {
    return this.connection.prepare(source);
  }

  /** better-sqlite3's transaction: the function's writes commit together or not at all. */
  transaction<F extends Parameters<Database.Database['transaction']>[0]>(fn: F): Database.Transaction<F> {
    return this.connection.transaction(fn);
  }

  get open(): boolean {
    return this.connection.open;
  }

  close(): void {
    if (this.connection.open) this.connection.close();
  }
}

const schemaVersionOf = (connection: Database.Database): number => connection.pragma('user_version', { simple: true }) as number;

/**
 * Applies, in order, each migration above the database's user_version, each in one transaction
 * that also sets user_version. Refuses a database whose version is above every known migration
 * (written by a newer gateway): this code would misread it.
 */
export function migrateDatabase(connection: Database.Database, migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${i + 1} is numbered ${m.version}: migrations are 1, 2, 3, ... in order`);
  });
  const current = schemaVersionOf(connection);
  if (current > migrations.length) {
    throw new DatabaseVersionError(
      `the gateway database is at schema version ${current}, newer than this gateway knows (${migrations.length}): run the Pythia version that wrote it, or a later one`,
    );
  }
  for (const migration of migrations.slice(current)) {
    connection.transaction(() => {
      connection.exec(migration.sql);
      connection.pragma(`user_version = ${migration.version}`);
    })();
  }
  return schemaVersionOf(connection);
}
