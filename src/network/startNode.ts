import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../keystore/index.js';
import { withPrivateUmask } from '../processes/privateUmask.js';
import { onProcessExit } from '../processes/exitHooks.js';
import { describePortHolder, findPortHolder, type PortHolder } from '../processes/portHolder.js';
import { setprivPath } from '../processes/setpriv.js';
import { findGeth, type GethBinary } from './findGeth.js';
import { gethArguments } from './gethArguments.js';
import { createIpcClient } from './ipcClient.js';
import { readNodeConfig, type NodeConfig } from './networkConfig.js';
import { MAX_IPC_PATH_LENGTH, nodePaths } from './nodePaths.js';
import { isNodeProcess, readNodeProcess, removePidFile, waitForNodeEnd } from './nodeProcess.js';
import { createPassphraseFifo } from './passphraseFifo.js';

export type StartNodeParameters = {
  /** The node's folder (node.json, config.toml, keystore/, data/). */
  nodeDir: string;
  /** Decrypts a validator's signer key inside geth; an observer needs none. */
  passphrase?: string;
  geth?: GethBinary;
  /** How long geth may take to open its socket and, for a validator, unlock its key and start sealing. Default 60 s. */
  timeoutMs?: number;
  /**
   * The node belongs to the calling process (the validator `pythia up` runs for itself): not
   * detached, told to stop (SIGTERM) when this process exits, and on Linux when it dies in any
   * way, kill -9 included (setpriv --pdeathsig). Default false: the node is detached and outlives
   * the caller (`pythia network up`).
   */
  dieWithParent?: boolean;
  /**
   * A validator seals as soon as it runs (geth's `--mine`). Default true. startNetwork starts
   * several validators with false and then starts their sealing together (startSealing.ts says why).
   */
  sealAtStart?: boolean;
};

export type StartNodeReturnType = {
  name: string;
  role: NodeConfig['node']['role'];
  pid: number;
  rpcUrl: string;
  ipcPath: string;
  logFile: string;
  /** The node was running already; nothing was started. */
  alreadyRunning: boolean;
  /** With dieWithParent: whether the kernel stops it when this process dies (Linux, setpriv). */
  diesWithParent?: boolean;
  /** With dieWithParent: settles when the geth process has exited, for whatever reason. */
  exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export class NodeStartError extends Error {
  override readonly name = 'NodeStartError';
}

/** A port the node needs is held by a process that is not this node. */
export class NodePortInUseError extends NodeStartError {
  constructor(
    readonly host: string,
    readonly port: number,
    what: string,
    holder: PortHolder | undefined,
  ) {
    super(`${what} port ${host}:${port} is held by ${describePortHolder(holder)}, which this node did not start`);
  }
}

/** Fails with the port's owner named when something else listens there. */
async function requireFreePort(host: string, port: number, what: string): Promise<void> {
  await new Promise<void>((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new NodePortInUseError(host, port, what, findPortHolder(port))
          : new NodeStartError(`${what} port ${host}:${port}: ${error.message}`),
      ),
    );
    server.listen(port, host, () => server.close(() => resolvePort()));
  });
}

/** What geth printed in this start (after our marker): the last lines, with its fatal error if any. */
function logTail(logFile: string, marker: string): string {
  if (!existsSync(logFile)) return '(no log)';
  const text = readFileSync(logFile, 'utf8');
  const lines = text
    .slice(Math.max(0, text.lastIndexOf(marker)))
    .split('\n')
    .slice(1)
    .filter(Boolean);
  const fatal = lines.find((l) => l.startsWith('Fatal:'));
  return fatal ?? lines.slice(-15).join('\n');
}

/** What geth inherits of the environment: nothing that could add settings behind our back (GETH_* variables) or leak a secret (PYTHIA_PASSPHRASE). */
const INHERITED_ENVIRONMENT = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

function gethEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(INHERITED_ENVIRONMENT.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]]])));
}

/**
 * Starts one geth node of a network folder as a detached process that outlives the caller (pid
 * file and log file in the node folder), and waits until it answers on its IPC socket and, for a
 * validator that seals at start, has unlocked its key and is sealing. Starting a running node does nothing. This is
 * the one way a node starts: `pythia network up` and any single-node chain use it.
 */
export async function startNode(parameters: StartNodeParameters): Promise<StartNodeReturnType> {
  const nodeDir = resolve(parameters.nodeDir);
  const config = readNodeConfig(nodeDir);
  const { node } = config;
  const paths = nodePaths(nodeDir);
  // A validator answers on its IPC socket only (its key is unlocked); an observer on loopback HTTP too.
  const rpcUrl = node.role === 'validator' ? paths.ipcPath : `http://127.0.0.1:${node.ports.http}`;
  const result = { name: node.name, role: node.role, rpcUrl, ipcPath: paths.ipcPath, logFile: paths.logFile };

  const current = readNodeProcess(nodeDir);
  if (current.state === 'running') return { ...result, pid: current.pid, alreadyRunning: true };
  if (current.state === 'stale') {
    // A node killed a moment ago may still be ending with its ports open: wait for it rather than fail on them.
    if (!(await waitForNodeEnd(current.pid, paths.dataDir, parameters.timeoutMs ?? 60_000)))
      throw new NodeStartError(
        `${node.name}: its previous process ${current.pid} has been ending for ${parameters.timeoutMs ?? 60_000} ms and still holds its files`,
      );
    removePidFile(nodeDir);
  }

  if (paths.ipcPath.length > MAX_IPC_PATH_LENGTH)
    throw new NodeStartError(
      `${node.name}: the IPC socket path ${paths.ipcPath} is too long for a Unix socket; move the network folder higher up`,
    );
  if (node.role === 'validator') {
    if (parameters.passphrase === undefined)
      throw new NodeStartError(`${node.name} is a validator: the passphrase of its signer key is needed`);
    if (/[\r\n]/.test(parameters.passphrase)) throw new NodeStartError('the passphrase must be a single line (geth reads one per line)');
  }
  if (!existsSync(paths.dataDir)) throw new NodeStartError(`${node.name}: no data directory ${paths.dataDir} (was the node initialised?)`);
  await requireFreePort(node.host, node.ports.p2p, `${node.name} p2p`);
  if (node.role === 'observer') await requireFreePort('127.0.0.1', node.ports.http, `${node.name} HTTP`);
  await requireFreePort('127.0.0.1', node.ports.authrpc, `${node.name} engine API`);
  // The IPC socket lands in the data directory: only its owner may reach the socket's folder.
  chmodSync(paths.dataDir, 0o700);

  const geth = parameters.geth ?? findGeth();
  const fifo = node.role === 'validator' ? createPassphraseFifo(paths.runDir) : undefined;
  try {
    const sealAtStart = parameters.sealAtStart ?? true;
    const args = gethArguments({ config, paths, sealAtStart, ...(fifo && { passwordFile: fifo.path }) });
    const marker = `=== pythia: ${node.name} starting (geth ${geth.version}) at ${new Date().toISOString()} ===`;
    const log = openSync(paths.logFile, 'a', 0o600);
    writeSync(log, `\n${marker}\n`);
    const attached = parameters.dieWithParent === true;
    const setpriv = attached ? setprivPath() : undefined;
    const command = setpriv ? [setpriv, '--pdeathsig', 'SIGTERM', '--', geth.path, ...args] : [geth.path, ...args];
    const child = withPrivateUmask(() =>
      spawn(command[0]!, command.slice(1), {
        detached: !attached,
        stdio: ['ignore', log, log],
        env: gethEnvironment(),
        cwd: nodeDir,
      }),
    );
    closeSync(log);
    let exited: string | undefined;
    const unregister = attached ? onProcessExit(() => child.kill('SIGTERM')) : () => {};
    const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
      child.once('exit', (code, signal) => {
        exited = signal ? `signal ${signal}` : `code ${code}`;
        unregister();
        resolveExit({ code, signal });
      });
      child.once('error', (error) => {
        exited = error.message;
        unregister();
        resolveExit({ code: null, signal: null });
      });
    });
    if (!attached) child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new NodeStartError(`${node.name}: geth did not start (${geth.path})`);
    await writeFileAtomic(paths.pidFile, `${pid}\n`, { mode: 0o600 });
    const alive = () => exited === undefined;
    const failed = () => {
      removePidFile(nodeDir);
      return new NodeStartError(`${node.name}: geth exited while starting (${exited}): ${logTail(paths.logFile, marker)}`);
    };

    try {
      if (fifo) {
        await fifo.deliver(parameters.passphrase!, alive, parameters.timeoutMs ?? 60_000);
        fifo.remove();
      }
      const deadline = Date.now() + (parameters.timeoutMs ?? 60_000);
      for (;;) {
        if (!alive()) throw failed();
        if (Date.now() > deadline)
          throw new NodeStartError(`${node.name}: geth did not become ready within ${parameters.timeoutMs ?? 60_000} ms`);
        if (existsSync(paths.ipcPath) && (await answersAsStarted(paths.ipcPath, node.role === 'validator' && sealAtStart))) break;
        await sleep(100);
      }
    } catch (error) {
      if (!alive()) throw error instanceof NodeStartError ? error : failed();
      // Never leave a half-started node behind.
      process.kill(pid, 'SIGKILL');
      removePidFile(nodeDir);
      throw new NodeStartError(`${(error as Error).message}: ${logTail(paths.logFile, marker)}`);
    }
    if (!isNodeProcess(pid, paths.dataDir)) throw failed();
    if (attached) return { ...result, pid, alreadyRunning: false, diesWithParent: setpriv !== undefined, exited: exitedPromise };
    // Forget the child: it is detached and must outlive this process.
    child.removeAllListeners();
    return { ...result, pid, alreadyRunning: false };
  } finally {
    fifo?.remove();
  }
}

/** The node answers on IPC; a validator that seals at start has also unlocked its key and started sealing (it unlocks after the socket opens). */
async function answersAsStarted(ipcPath: string, sealing: boolean): Promise<boolean> {
  try {
    const client = await createIpcClient(ipcPath, { timeoutMs: 2_000 });
    try {
      const mining = await client.request<boolean>('eth_mining');
      return sealing ? mining === true : true;
    } finally {
      client.close();
    }
  } catch {
    return false;
  }
}
