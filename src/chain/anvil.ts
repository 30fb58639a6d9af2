import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onProcessExit } from '../processes/exitHooks.js';
import { canListen, describePortHolder, findPortHolder, type PortHolder } from '../processes/portHolder.js';
import { isolatedNetworkCommand } from '../processes/networkNamespace.js';
import { setprivPath } from '../processes/setpriv.js';
import { withPrivateUmask } from '../processes/privateUmask.js';
import { callRpc } from './anvilRpc.js';
import { MAX_IPC_PATH_LENGTH } from './ipcConnection.js';

/** Chain id of the embedded chain: private, and not any public network's. */
export const DEFAULT_CHAIN_ID = 20601;
/** Large enough for a batch of a few hundred readings per transaction. */
export const DEFAULT_BLOCK_GAS_LIMIT = 300_000_000n;

export type StartAnvilParameters = {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  chainId?: number;
  blockGasLimit?: bigint;
  /** Seconds between blocks; undefined = a block per transaction (automine). */
  blockTime?: number;
  /**
   * State to start from, as `--load-state` reads it (plain JSON). It reaches Anvil as its stdin, a
   * file unlinked before Anvil starts: no unpacked copy is left on disk.
   */
  state?: Uint8Array;
  /**
   * Folder for Anvil's own files (its $HOME/.foundry caches and `--cache-path`). It appears on
   * Anvil's command line, which is how an orphan left by a crash is recognised later. Default: a
   * temporary folder.
   */
  workDir?: string;
  /**
   * Serve JSON-RPC on this IPC socket (0600, its folder made 0700) and nowhere else: Anvil's HTTP
   * listener, which it always opens, is put in a network namespace of its own (chainIsolationCommand),
   * so no other process of the host, and no web page, reaches it. The returned rpcUrl is this path.
   * Without it, Anvil listens on loopback HTTP for anyone on the host: tests and benchmarks only.
   */
  ipcPath?: string;
};

export type StartAnvilReturnType = {
  /** The http:// URL on loopback, or the IPC socket path when started with ipcPath. */
  rpcUrl: string;
  chainId: number;
  /** The HTTP port on loopback; 0 when the HTTP listener is isolated (ipcPath). */
  port: number;
  process: ChildProcess;
  pid: number;
  /** true when the kernel kills this Anvil if the process that started it dies (Linux, setpriv). */
  diesWithParent: boolean;
  /** Settles when the Anvil process has exited, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: () => Promise<void>;
};

/** The chain port is taken by a process this start did not make. */
export class ChainPortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly holder: PortHolder | undefined,
  ) {
    super(
      `the chain port ${host}:${port} is held by ${describePortHolder(holder)}, which this node did not start: ` +
        'stop it, or choose another port, or use it as an external chain with --rpc-url',
    );
    this.name = 'ChainPortInUseError';
  }
}

/** Anvil refused the state it was given (`--load-state`). */
export class AnvilStateRejectedError extends Error {
  constructor(readonly output: string) {
    super(`anvil refused the chain state: ${output.trim().split('\n').slice(-3).join(' ')}`);
    this.name = 'AnvilStateRejectedError';
  }
}

/** The embedded chain cannot be cut off from the host's network, so it is not started at all. */
export class ChainIsolationError extends Error {
  constructor(readonly reasons: string[]) {
    super(
      `the embedded chain cannot be isolated from this host's network (${reasons.join('; ')}). ` +
        'Anvil always opens an HTTP port serving its development methods (impersonation, storage writes), ' +
        'so it runs only where that port is in a network namespace of its own, reached through a 0600 IPC socket. ' +
        'Allow unprivileged user namespaces (sysctl user.max_user_namespaces > 0; kernel.unprivileged_userns_clone=1 on Debian kernels ' +
        "before 6.x; kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu), or run the default geth chain (no --chain anvil), or a node of your own with --rpc-url (docs/security.md, 'Chain RPC')",
    );
    this.name = 'ChainIsolationError';
  }
}

/** Path of the Anvil binary shipped in the npm platform package of @foundry-rs/anvil. */
/** The npm package that holds this platform's Anvil binary. */
export function anvilBinaryPackage(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platform = process.platform === 'win32' ? 'win32' : process.platform;
  return `@foundry-rs/anvil-${platform}-${arch}`;
}

export function anvilBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve(`${anvilBinaryPackage()}/package.json`);
  return join(pkg, '..', 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The command prefix that runs a program in a network namespace of its own (isolatedNetworkCommand),
 * or ChainIsolationError naming why none can be made here.
 */
export function chainIsolationCommand(): string[] {
  const isolation = isolatedNetworkCommand();
  if ('reasons' in isolation) throw new ChainIsolationError(isolation.reasons);
  return isolation.command;
}

/**
 * Starts Anvil on loopback with no pre-funded accounts (so no well-known development keys exist
 * on the chain). Anvil dies with the process that starts it: on Linux it runs under `setpriv
 * --pdeathsig SIGKILL`, so even a kill -9 of this process takes it down; elsewhere only an
 * ordinary exit does. Ready means this very process printed that it listens: a chain already on
 * the port (an orphan, anything else) is refused with ChainPortInUseError, never used. With
 * `ipcPath` (the embedded chain) it has no port on the host at all: it answers on that socket only,
 * its HTTP listener shut in a network namespace of its own, or it is not started
 * (ChainIsolationError).
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<StartAnvilReturnType> {
  const { ipcPath } = parameters;
  const host = parameters.host ?? '127.0.0.1';
  // An isolated Anvil's port is in its own namespace: any port does, and none is the host's.
  const requestedPort = ipcPath ? 0 : (parameters.port ?? 0);
  const chainId = parameters.chainId ?? DEFAULT_CHAIN_ID;
  const isolation = ipcPath ? chainIsolationCommand() : [];
  if (ipcPath) await prepareIpcPath(ipcPath);
  if (requestedPort !== 0 && !(await canListen(host, requestedPort)))
    throw new ChainPortInUseError(host, requestedPort, findPortHolder(requestedPort));
  const workDir = parameters.workDir ?? mkdtempSync(join(tmpdir(), 'pythia-anvil-'));
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const removeWorkDir = () => {
    if (!parameters.workDir) rmSync(workDir, { recursive: true, force: true });
  };
  const args = [
    '--host',
    host,
    '--port',
    String(requestedPort),
    '--chain-id',
    String(chainId),
    '--accounts',
    '0',
    '--gas-limit',
    String(parameters.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT),
    '--hardfork',
    'prague',
    '--cache-path',
    join(workDir, 'cache'),
    // No CORS headers at all: a web page's script gets no answer it may read.
    '--no-cors',
  ];
  if (ipcPath) args.push('--ipc', ipcPath);
  if (parameters.blockTime) args.push('--block-time', String(parameters.blockTime));
  const stateFd = parameters.state ? unlinkedFileWith(workDir, parameters.state) : undefined;
  if (stateFd !== undefined) args.push('--load-state', '/dev/stdin');
  const setpriv = setprivPath();
  // The parent-death signal is set last, after unshare has changed credentials (which clears it).
  const anvil = setpriv ? [setpriv, '--pdeathsig', 'SIGKILL', '--', anvilBinaryPath(), ...args] : [anvilBinaryPath(), ...args];
  const command = isolation.length > 0 ? [...isolation, '--', ...anvil] : anvil;
  // Anvil keeps caches under $HOME/.foundry: keep them in its work folder.
  let child: ChildProcess;
  try {
    child = withPrivateUmask(() =>
      spawn(command[0]!, command.slice(1), {
        env: { ...process.env, HOME: workDir },
        stdio: [stateFd ?? 'ignore', 'pipe', 'pipe'],
      }),
    );
  } finally {
    if (stateFd !== undefined) closeSync(stateFd);
  }
  const unregister = onProcessExit(() => child.kill('SIGKILL'));
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      unregister();
      removeWorkDir();
      resolve({ code, signal });
    };
    child.once('exit', settle);
    // It could not be started at all (no such program, not executable).
    child.once('error', (error) => {
      output += `${error.message}\n`;
      settle(null, null);
    });
  });
  const collect = (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    })());

  // Loading a large state takes a while: 30 s, plus a second per 10 MB of it.
  const deadline = 30_000 + Math.ceil((parameters.state?.length ?? 0) / 10_000_000) * 1_000;
  let port: number;
  try {
    port = await waitForListening(child, exited, () => output, host, deadline);
  } catch (error) {
    await stop();
    if (/address already in use/i.test(output)) throw new ChainPortInUseError(host, requestedPort, findPortHolder(requestedPort));
    if (parameters.state && /load-state|\/dev\/stdin/.test(output)) throw new AnvilStateRejectedError(output);
    throw error;
  }
  const rpcUrl = ipcPath ?? `http://${host}:${port}`;
  try {
    if (ipcPath) await waitForSocket(ipcPath, exited, () => output);
    const answered = Number(await callRpc<string>(rpcUrl, 'eth_chainId', [], 10_000));
    if (answered !== chainId) throw new Error(`anvil on ${rpcUrl} answers chain id ${answered}, not ${chainId}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    rpcUrl,
    chainId,
    port: ipcPath ? 0 : port,
    process: child,
    pid: child.pid!,
    diesWithParent: setpriv !== undefined,
    exited,
    stop,
  };
}

/**
 * Makes the socket's folder private (0700) and clears a socket left by a dead Anvil. A socket on
 * which something still answers is another chain's: refused, never taken over.
 */
async function prepareIpcPath(ipcPath: string): Promise<void> {
  if (ipcPath.length > MAX_IPC_PATH_LENGTH)
    throw new Error(`the chain's IPC socket path ${ipcPath} is too long for a Unix socket; use a shorter data directory path`);
  mkdirSync(dirname(ipcPath), { recursive: true, mode: 0o700 });
  chmodSync(dirname(ipcPath), 0o700);
  if (!existsSync(ipcPath)) return;
  const answers = await callRpc(ipcPath, 'eth_chainId', [], 2_000).then(
    () => true,
    () => false,
  );
  if (answers) throw new Error(`a chain already answers on ${ipcPath}, which this start did not make: stop it first`);
  unlinkSync(ipcPath);
}

/** Waits for Anvil's IPC socket (it opens it about when it prints that it listens), then makes it 0600. */
async function waitForSocket(
  ipcPath: string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  output: () => string,
): Promise<void> {
  let gone: string | undefined;
  void exited.then(({ code, signal }) => {
    gone = signal ?? `code ${code}`;
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(ipcPath)) {
    if (gone) throw new Error(`anvil exited (${gone}) before opening ${ipcPath}: ${output().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`anvil did not open its IPC socket ${ipcPath} within 10 s`);
    await sleep(20);
  }
  chmodSync(ipcPath, 0o600);
}

/**
 * A read descriptor on a file holding `bytes` whose name is already gone. (A pipe would do, but
 * Node's stdio pipes are sockets, which Anvil cannot open as /dev/stdin.) A crash between write
 * and unlink leaves a `.state.load.*.tmp` file, which the next start removes.
 */
function unlinkedFileWith(dir: string, bytes: Uint8Array): number {
  const path = join(dir, `.state.load.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(path, bytes, { mode: 0o600 });
  try {
    return openSync(path, 'r');
  } finally {
    unlinkSync(path);
  }
}

/** Resolves with the port once this child printed "Listening on host:port". */
async function waitForListening(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  output: () => string,
  host: string,
  timeoutMs: number,
): Promise<number> {
  const listening = new RegExp(`Listening on ${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)\\r?\\n`);
  return new Promise<number>((resolve, reject) => {
    const check = () => {
      const match = listening.exec(output());
      if (!match) return;
      done();
      resolve(Number(match[1]));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`anvil did not listen within ${Math.round(timeoutMs / 1000)} s: ${output().slice(-2000)}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
    };
    child.stdout?.on('data', check);
    exited.then(({ code, signal }) => {
      done();
      reject(new Error(`anvil exited (${signal ?? `code ${code}`}) before listening: ${output().slice(-2000)}`));
    });
    check();
  });
}
