import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';

/** The data directory cannot be made private to this user. */
export class DataDirPermissionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirPermissionsError';
  }
}

export type SecureDataDirReturnType = {
  /** Paths whose mode was narrowed (something else had made them readable by others). */
  narrowed: string[];
};

/** What Pythia keeps at the top of a data directory (docs/operations.md, "The data directory"). */
const PYTHIA_ENTRY = /^(keys|chain|logs|deployment\.json.*|pythia\.lock.*|gateway\.sqlite.*|index\.sqlite.*|console-token.*)$/;

/**
 * Makes the data directory private to the user that runs the node (docs/security.md, "Host"): the
 * directory 0700, everything of Pythia's in it (keys/, chain/, the database and its -wal and -shm,
 * deployment.json, the lock) 0700 for directories and 0600 for files. What the node creates
 * afterwards it creates with explicit modes (0600 files, 0700 folders), and its children (Anvil,
 * geth) start with the umask 077 (withPrivateUmask); the node's own process umask is left alone.
 * Anything else an operator keeps there is left as it is: the 0700 directory already keeps other
 * users out, and `--data-dir ~` must not rewrite a home directory. Refuses with
 * DataDirPermissionsError when the directory belongs to another user or its mode cannot be changed:
 * readings, deliveries, canary salts and encrypted keys would be readable by other local users.
 */
export function secureDataDir(dataDir: string): SecureDataDirReturnType {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  const narrowed: string[] = [];
  const fix = (path: string, wanted: number) => {
    const stat = lstatSync(path);
    if (uid !== undefined && stat.uid !== uid) {
      throw new DataDirPermissionsError(
        `${path} belongs to user ${stat.uid}, not to the user running Pythia (${uid}): the data directory must be private to the node's user; chown it or use another --data-dir`,
      );
    }
    if ((stat.mode & 0o777) === wanted) return;
    try {
      chmodSync(path, wanted);
    } catch (error) {
      throw new DataDirPermissionsError(
        `${path} is mode ${(stat.mode & 0o777).toString(8)} and cannot be made ${wanted.toString(8)} (${(error as Error).message}): other local users could read the node's data; fix its permissions or use another --data-dir`,
      );
    }
    if ((stat.mode & 0o077) !== 0) narrowed.push(path);
  };
  const walk = (dir: string, only?: RegExp) => {
    fix(dir, 0o700);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (only && !only.test(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) fix(path, 0o600);
      // Symbolic links and sockets are left alone: their own mode means nothing.
    }
  };
  walk(dataDir, PYTHIA_ENTRY);
  return { narrowed };
}

/** 127.0.0.0/8, ::1 and localhost: only this machine reaches a listener there. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

export type TlsFiles = { cert: Buffer; key: Buffer };

export type CheckListenSecurityParameters = {
  host: string;
  tls?: TlsFiles;
  /** The operator says a TLS front (a reverse proxy) terminates TLS for the gateway and the broker. */
  behindTlsProxy?: boolean;
};

/** A listen address beyond loopback without TLS or a TLS proxy (a usage error: exit code 2). */
export class ListenSecurityError extends Error {
  override readonly name = 'ListenSecurityError';
}

/**
 * A gateway on an address other machines reach serves TLS itself, or runs behind a TLS proxy the
 * operator names: otherwise signed readings, consented data and MQTT CONNECT tokens cross the
 * network in clear text, where a token can be captured and replayed.
 */
export function checkListenSecurity({ host, tls, behindTlsProxy }: CheckListenSecurityParameters): void {
  if (isLoopbackHost(host) || tls || behindTlsProxy) return;
  throw new ListenSecurityError(
    `--host ${host} is not a loopback address: the gateway and the MQTT broker would serve the network in clear text. ` +
      'Give --tls-cert <file> and --tls-key <file> (PEM), or --behind-tls-proxy when a TLS front (nginx, Caddy, …) terminates TLS for both',
  );
}

/** Reads a PEM certificate and its private key, and checks they parse and belong together. */
export function readTlsFiles({ certPath, keyPath }: { certPath: string; keyPath: string }): TlsFiles {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const files = { cert: read(certPath, 'certificate'), key: read(keyPath, 'key') };
  try {
    createSecureContext(files);
  } catch (error) {
    throw new Error(`the TLS certificate ${certPath} and key ${keyPath} cannot be used together: ${(error as Error).message}`);
  }
  return files;
}
