import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The user id strangers run as: `nobody`, another local user with no access to the node's files. */
export const STRANGER_UID = 65534;

/**
 * Runs a JavaScript module (plain Node, no loader: the stranger reads nothing of the node's; to run
 * the node's own code, give it a `strangerBundle`) as another local user (`setpriv --reuid=65534
 * --regid=65534 --clear-groups`), with `input` as JSON in `process.env.INPUT`, and resolves with the
 * JSON it prints last on stdout (tests only).
 */
export async function runAsStranger<T>(script: string, input: unknown, timeoutMs = 60_000): Promise<T> {
  const child = spawn(
    'setpriv',
    [`--reuid=${STRANGER_UID}`, `--regid=${STRANGER_UID}`, '--clear-groups', '--', process.execPath, '--input-type=module', '-e', script],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', INPUT: JSON.stringify(input) },
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`the stranger's script exited with ${code}: ${stderr}`);
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

export type TcpListener = { address: string; port: number; inode: string };

/** TCP sockets listening in the network namespace of `pid` (default: this process's, the host's). */
export function tcpListeners(pid: number | 'self' = 'self'): TcpListener[] {
  const listeners: TcpListener[] = [];
  for (const file of ['tcp', 'tcp6']) {
    let table: string;
    try {
      table = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A: LISTEN
      const [address, port] = fields[1]!.split(':');
      listeners.push({ address: address!, port: Number.parseInt(port!, 16), inode: fields[9]! });
    }
  }
  return listeners;
}

/** The inodes of the sockets process `pid` holds open. */
export function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** The network namespace of a process (`net:[inode]`). */
export function networkNamespaceOf(pid: number | 'self'): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}

/**
 * A stranger's script: tries to open the IPC socket `INPUT.path` and says how it went
 * (`{ connected: true }` or `{ connected: false, code }`).
 */
export const CONNECT_TO_SOCKET_SCRIPT = `
import { connect } from 'node:net';
const { path } = JSON.parse(process.env.INPUT);
const socket = connect(path);
socket.once('connect', () => { console.log(JSON.stringify({ connected: true })); socket.destroy(); });
socket.once('error', (error) => console.log(JSON.stringify({ connected: false, code: error.code })));
`;

export type StrangerBundleParameters = {
  /** Modules to bundle, by the name the stranger imports them as (`<dir>/<name>.mjs`). */
  modules: Record<string, string>;
  /** npm packages the bundle resolves at run time (e.g. Anvil's binary package), copied beside it. */
  packages?: readonly string[];
};

export type StrangerBundleReturnType = {
  /** Each module's bundled file, by name. */
  modules: Record<string, string>;
  remove(): void;
};

/**
 * The node's own code, bundled (esbuild) into a folder another local user can read: a checkout
 * may sit in a folder only its owner can enter (CI clones into a 0700 temporary folder), and the
 * stranger must not be given the checkout (tests only).
 */
export async function strangerBundle({ modules, packages = [] }: StrangerBundleParameters): Promise<StrangerBundleReturnType> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'pythia-stranger-'));
  chmodSync(dir, 0o755);
  await build({
    entryPoints: modules,
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    // CommonJS dependencies inside an ES module bundle call require().
    banner: {
      js: "import { createRequire as pythiaCreateRequire } from 'node:module'; const require = pythiaCreateRequire(import.meta.url);",
    },
  });
  const require = createRequire(import.meta.url);
  for (const name of packages) {
    cpSync(dirname(require.resolve(`${name}/package.json`)), join(dir, 'node_modules', name), { recursive: true });
  }
  chmodTree(dir);
  return {
    modules: Object.fromEntries(Object.keys(modules).map((name) => [name, join(dir, `${name}.mjs`)])),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Readable (and, where executable, runnable) by everyone: folders 0755, files keep their x bits. */
function chmodTree(path: string): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) chmodTree(join(path, entry));
  } else {
    chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}
