import { Option } from 'commander';
import { DatabaseUrlError, parseDatabaseUrl } from '../indexer/databaseUrl.js';
import { UsageError } from './output.js';
import { readSecret } from './secrets.js';

export const DATABASE_URL_ENV = 'PYTHIA_DATABASE_URL';
export const DATABASE_PASSWORD_ENV = 'PYTHIA_DATABASE_PASSWORD';

export type DatabaseOptions = { databaseUrl?: string; databasePasswordFile?: string };

/** `--database-url`: where the indexer writes instead of <data dir>/index.sqlite (checked by resolveDatabaseOptions). */
export const databaseUrlOption = () =>
  new Option(
    '--database-url <url>',
    `index the chain into this PostgreSQL database (postgres://user@host:5432/database, or ...@localhost/database?host=/run/postgresql for a socket) instead of <data-dir>/index.sqlite; default $${DATABASE_URL_ENV}; no password in it (docs/operations.md, "The index in PostgreSQL")`,
  );

/** `--database-password-file`: the PostgreSQL password, never on argv. */
export const databasePasswordFileOption = () =>
  new Option(
    '--database-password-file <file>',
    `the PostgreSQL password: the first line of this file (mode 0600); else $${DATABASE_PASSWORD_ENV}, a password in $${DATABASE_URL_ENV}, $PGPASSWORD or ~/.pgpass`,
  );

export type ResolvedDatabase = { databaseUrl?: string; databasePassword?: string };

/**
 * The PostgreSQL database the options and the environment name, checked before anything starts
 * (the URL is validated here, not by commander, whose refusal would repeat the value): a password
 * may come in $PYTHIA_DATABASE_URL (the environment is the user's own), never in argv.
 */
export function resolveDatabaseOptions(options: DatabaseOptions): ResolvedDatabase {
  const fromEnv = process.env[DATABASE_URL_ENV];
  const given =
    options.databaseUrl !== undefined
      ? { name: '--database-url', value: options.databaseUrl, passwordAllowed: false }
      : fromEnv !== undefined && fromEnv !== ''
        ? { name: `$${DATABASE_URL_ENV}`, value: fromEnv, passwordAllowed: true }
        : undefined;
  if (given === undefined) {
    if (options.databasePasswordFile !== undefined) {
      throw new UsageError('--database-password-file is the password of a PostgreSQL database: give --database-url too');
    }
    return {};
  }
  let url;
  try {
    url = parseDatabaseUrl(given);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new UsageError(error.message);
    throw error;
  }
  const password = readSecret({
    what: 'the PostgreSQL password',
    env: DATABASE_PASSWORD_ENV,
    ...(options.databasePasswordFile !== undefined && { file: options.databasePasswordFile }),
  });
  if (password !== undefined && url.hasPassword) {
    throw new UsageError(
      `$${DATABASE_URL_ENV} carries a password and another is given (--database-password-file or $${DATABASE_PASSWORD_ENV}): keep one`,
    );
  }
  return { databaseUrl: url.url, ...(password !== undefined && { databasePassword: password }) };
}
