/**
 * The PostgreSQL URL the indexer writes into (`--database-url`, PYTHIA_DATABASE_URL): checked
 * before anything connects, and shown only without its password.
 */

/** Query parameters the URL may carry: a socket directory, and TLS to the server. */
const QUERY_PARAMETERS = new Set(['host', 'sslmode', 'sslrootcert', 'application_name']);
const SSL_MODES = new Set(['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full']);

export class DatabaseUrlError extends Error {}

export type ParseDatabaseUrlParameters = {
  /** What the URL was given as, in messages (`--database-url`, `$PYTHIA_DATABASE_URL`). */
  name: string;
  value: string;
  /**
   * false for a command-line argument: every local user reads argv in the process list, so a
   * password there is refused (it comes from a file or the environment instead).
   */
  passwordAllowed: boolean;
};

export type DatabaseUrl = {
  /** The URL as given (password included, if any): what the driver connects with. */
  url: string;
  /** The URL with its password replaced by `***`: what logs, events and --json show. */
  redacted: string;
  hasPassword: boolean;
};

/**
 * A postgres:// or postgresql:// URL naming a database, with a host (in the authority, or a
 * socket directory as `?host=/run/postgresql`); refused with the reason otherwise. The refusal
 * never repeats the password.
 */
export function parseDatabaseUrl({ name, value, passwordAllowed }: ParseDatabaseUrlParameters): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DatabaseUrlError(
      `${name} is not a URL (expected postgres://user@host:5432/database, or postgres://user@localhost/database?host=/run/postgresql for a socket); the value is not repeated here as it may hold a password`,
    );
  }
  const redacted = redactDatabaseUrl(value);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(`${name} must be a postgres:// or postgresql:// URL, got ${redacted}`);
  }
  if (url.password !== '' && !passwordAllowed) {
    throw new DatabaseUrlError(
      `${name} carries a password (${redacted}): arguments are visible to every user of the machine in the process list. ` +
        'Give the URL without it and the password in --database-password-file, $PYTHIA_DATABASE_PASSWORD, $PGPASSWORD or ~/.pgpass ' +
        '(or the whole URL in $PYTHIA_DATABASE_URL)',
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw new DatabaseUrlError(`${name} must name one database as its path (postgres://user@host/pythia), got ${redacted}`);
  }
  for (const [key, parameter] of url.searchParams) {
    if (!QUERY_PARAMETERS.has(key)) {
      throw new DatabaseUrlError(`${name}: unknown parameter ${key} (allowed: ${[...QUERY_PARAMETERS].join(', ')}), in ${redacted}`);
    }
    if (key === 'sslmode' && !SSL_MODES.has(parameter)) {
      throw new DatabaseUrlError(`${name}: sslmode must be one of ${[...SSL_MODES].join(', ')}, got ${parameter}`);
    }
  }
  const socketDir = url.searchParams.get('host');
  if (url.hostname === '' && socketDir === null) {
    throw new DatabaseUrlError(`${name} names no host: postgres://user@host:5432/database, or ?host=/run/postgresql for a socket`);
  }
  if (socketDir !== null && !socketDir.startsWith('/')) {
    throw new DatabaseUrlError(`${name}: ?host= is a socket directory and must be an absolute path, got ${socketDir}`);
  }
  return { url: value, redacted, hasPassword: url.password !== '' };
}

/** The URL with any password replaced by `***` (and the input itself if it does not parse: nothing to show). */
export function redactDatabaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '(a database URL that does not parse)';
  }
  if (url.password !== '') url.password = '***';
  return url.toString();
}

/** The URL with this password in it (the driver takes the URL's password over any other it is given). */
export function withDatabasePassword(value: string, password: string): string {
  const url = new URL(value);
  url.password = encodeURIComponent(password);
  return url.toString();
}
