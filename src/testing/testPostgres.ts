import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { withDatabasePassword } from '../indexer/databaseUrl.js';

/** How to get the server when it is missing (tests fail with this, they do not skip). */
export const POSTGRES_INSTALL_HINT =
  "PostgreSQL's server programs (initdb, postgres) are not installed: apt-get install postgresql (Debian; .ci/run installs it), or put a PostgreSQL bin directory in PATH";

/** The directory holding initdb and postgres: PATH first, then Debian's /usr/lib/postgresql/<version>/bin, newest first. */
export function findPostgresBin(): string {
  const candidates = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  if (!found) throw new Error(POSTGRES_INSTALL_HINT);
  return found;
}

/**
 * The user the server runs as when the tests run as root (PostgreSQL refuses to run as root):
 * `nobody`, from /etc/passwd.
 */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid ?? 65534), gid: Number(gid ?? 65534) };
}

export type TestPostgres = {
  /** postgres://pythia_test@localhost/<database>?host=<socket dir>: no password in it. */
  url: (database?: string) => string;
  /** The password of the cluster's only user (scram-sha-256). */
  password: string;
  /** A new empty database (each test file or case its own). */
  createDatabase: (name: string) => Promise<string>;
  /** The server's process id. */
  pid: number;
  stop: () => Promise<void>;
};

/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temporary directory, the server on a unix
 * socket in that directory only (no TCP port, so parallel tests never collide), one user with a
 * random password. As root, the directory is given to `nobody` and the server runs as nobody.
 * fsync is off unless `durable` (benchmarks): the crash tests kill the indexer, never this server.
 */
export async function startTestPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'pythia-pg-'));
  const user = unprivilegedUser();
  const spawnAs = user ? { uid: user.uid, gid: user.gid } : {};
  const password = randomBytes(18).toString('base64url');
  let server: ChildProcess | undefined;
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(passwordFile, user.uid, user.gid);
    const initdb = spawnSync(
      join(bin, 'initdb'),
      [
        '-D',
        join(dir, 'data'),
        '-U',
        'pythia_test',
        '--auth=scram-sha-256',
        `--pwfile=${passwordFile}`,
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...spawnAs, cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    if (initdb.status !== 0)
      throw new Error(`initdb failed (${initdb.status ?? initdb.signal}): ${initdb.stderr || initdb.error?.message}`);
    rmSync(passwordFile);
    const serverLog: string[] = [];
    server = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        join(dir, 'data'),
        '-k',
        dir,
        '-c',
        'listen_addresses=',
        '-c',
        `fsync=${options.durable ? 'on' : 'off'}`,
        '-c',
        'max_connections=40',
      ],
      { ...spawnAs, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    server.stderr!.on('data', (chunk: Buffer) => serverLog.push(chunk.toString()));
    const exited = new Promise<void>((resolve) => server!.once('exit', () => resolve()));
    const url = (database = 'postgres') => `postgres://pythia_test@localhost/${database}?host=${encodeURIComponent(dir)}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ connectionString: withDatabasePassword(url(), password) });
      try {
        await client.connect();
        await client.end();
        break;
      } catch (error) {
        await client.end().catch(() => {});
        if (server.exitCode !== null || Date.now() > deadline) {
          throw new Error(`the test PostgreSQL did not start: ${(error as Error).message}\n${serverLog.join('')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const started = server;
    return {
      url,
      password,
      pid: started.pid!,
      createDatabase: async (name) => {
        const client = new pg.Client({ connectionString: withDatabasePassword(url(), password) });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      stop: async () => {
        // SIGINT: the fast shutdown (clients are disconnected; SIGTERM would wait for them).
        if (started.exitCode === null) started.kill('SIGINT');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
