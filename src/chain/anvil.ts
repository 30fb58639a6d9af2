import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { onProcessExit } from '../processes/exitHooks.js';
import { canListen, describePortHolder, findPortHolder, type PortHolder } from '../processes/portHolder.js';
import { setprivPath } from '../processes/setpriv.js';
import { callRpc } from './anvilRpc.js';

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
};

export type StartAnvilReturnType = {
  rpcUrl: string;
  chainId: number;
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
        'stop it, or choose another port (--chain-port), or use it as an external chain with --rpc-url',
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

/** Path of the Anvil binary shipped in the npm platform package of @foundry-rs/anvil. */
export function anvilBinaryPath(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platform = process.platform === 'win32' ? 'win32' : process.platform;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve(`@foundry-rs/anvil-${platform}-${arch}/package.json`);
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
 * Starts Anvil on loopback with no pre-funded accounts (so no well-known development keys exist
 * on the chain). Anvil dies with the process that starts it: on Linux it runs under `setpriv
 * --pdeathsig SIGKILL`, so even a kill -9 of this process takes it down; elsewhere only an
 * ordinary exit does. Ready means this very process printed that it listens: a chain already on
 * the port (an orphan, anything else) is refused with ChainPortInUseError, never used.
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<StartAnvilReturnType> {
  const host = parameters.host ?? '127.0.0.1';
  const requestedPort = parameters.port ?? 0;
  const chainId = parameters.chainId ?? DEFAULT_CHAIN_ID;
  if (requestedPort !== 0 && !(await canListen(host, requestedPort)))
    throw new ChainPortInUseError(host, requestedPort, findPortHolder(requestedPort));
  const workDir = parameters.workDir ?? mkdtempSync(join(tmpdir(), 'pythia-anvil-'));
  mkdirSync(workDir, { recursive: true });
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
  ];
  if (parameters.blockTime) args.push('--block-time', String(parameters.blockTime));
  const stateFd = parameters.state ? unlinkedFileWith(workDir, parameters.state) : undefined;
  if (stateFd !== undefined) args.push('--load-state', '/dev/stdin');
  const setpriv = setprivPath();
  const command = setpriv ? [setpriv, '--pdeathsig', 'SIGKILL', '--', anvilBinaryPath(), ...args] : [anvilBinaryPath(), ...args];
  // Anvil keeps caches under $HOME/.foundry: keep them in its work folder.
  let child: ChildProcess;
  try {
    child = spawn(command[0]!, command.slice(1), {
      env: { ...process.env, HOME: workDir },
      stdio: [stateFd ?? 'ignore', 'pipe', 'pipe'],
    });
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
  const rpcUrl = `http://${host}:${port}`;
  try {
    const answered = Number(await callRpc<string>(rpcUrl, 'eth_chainId', [], 10_000));
    if (answered !== chainId) throw new Error(`anvil on ${rpcUrl} answers chain id ${answered}, not ${chainId}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { rpcUrl, chainId, port, process: child, pid: child.pid!, diesWithParent: setpriv !== undefined, exited, stop };
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
