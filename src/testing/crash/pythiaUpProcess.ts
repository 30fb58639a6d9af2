import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { parseDeployment, type Deployment } from '../../chain/deployment.js';
import type { CrashTarget } from './killer.js';
import { pythiaBin } from '../pythiaBin.js';

/**
 * A whole `pythia up` (the CLI: its gateway, and its own chain node as a child) run as a user runs
 * it, in a process group of its own, so that a test can kill -9 the whole tree at once — the node
 * and its geth together, as when the machine or its container dies — and start it again on the
 * same data directory and ports.
 */
export type PythiaUpProcess = CrashTarget & {
  /** The deployment the last start printed (`--json`). */
  readonly deployment: Deployment | undefined;
  /** The pid of the running `pythia up`, if one runs. */
  readonly pid: number | undefined;
  readonly starts: number;
  /** Stops it as Ctrl-C would (SIGTERM) and resolves with its exit code (or the signal). */
  terminate(): Promise<number | string | null>;
  /** Stops it for good (SIGKILL of the whole group if it still runs) and closes its log. */
  stop(): Promise<void>;
};

export type PythiaUpProcessParameters = {
  /** The arguments after `pythia up` (e.g. --data-dir, --port, --no-mqtt); `--json` is added. */
  args: readonly string[];
  passphrase: string;
  /** File that collects the processes' stderr (appended across restarts). */
  logPath?: string;
  /** Longest wait for the deployment to be printed (ms). Default 180,000 (a first start deploys). */
  startTimeoutMs?: number;
};

export function pythiaUpProcess(parameters: PythiaUpProcessParameters): PythiaUpProcess {
  const { passphrase, startTimeoutMs = 180_000 } = parameters;
  const log: WriteStream | undefined = parameters.logPath ? createWriteStream(parameters.logPath, { flags: 'a' }) : undefined;
  let child: ChildProcess | undefined;
  let deployment: Deployment | undefined;
  let starts = 0;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const kill = async () => {
    const current = child;
    if (!current || !running()) return;
    const gone = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    // The whole group: `pythia up` and the chain node it runs (not detached from it).
    process.kill(-current.pid!, 'SIGKILL');
    await gone;
  };

  const start = async () => {
    await kill();
    starts += 1;
    log?.write(`--- start ${starts} at ${new Date().toISOString()}\n`);
    const spawned = spawn(process.execPath, [pythiaBin(), 'up', '--json', ...parameters.args], {
      env: { ...process.env, PYTHIA_PASSPHRASE: passphrase },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = spawned;
    if (log) spawned.stderr?.pipe(log, { end: false });
    let stdout = '';
    let stderr = '';
    deployment = await new Promise<Deployment>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`pythia up not up within ${startTimeoutMs} ms: ${stderr.slice(-2000)}`)),
        startTimeoutMs,
      );
      spawned.stderr?.on('data', (chunk: Buffer) => {
        if (stderr.length < 50_000) stderr += chunk.toString();
      });
      spawned.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        try {
          const printed = parseDeployment(JSON.parse(stdout));
          clearTimeout(timer);
          resolve(printed);
        } catch {
          // not the whole document yet
        }
      });
      spawned.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`pythia up exited (${code ?? signal}) before it was up: ${stderr.slice(-2000)}`));
      });
    });
  };

  return {
    name: 'pythia up',
    get deployment() {
      return deployment;
    },
    get pid() {
      return running() ? child!.pid : undefined;
    },
    get starts() {
      return starts;
    },
    start,
    kill,
    async terminate() {
      const current = child;
      if (!current || !running()) return current?.exitCode ?? current?.signalCode ?? null;
      const exited = new Promise<number | string | null>((resolve) => current.once('exit', (code, signal) => resolve(code ?? signal)));
      current.kill('SIGTERM');
      return exited;
    },
    async stop() {
      await kill();
      await new Promise<void>((resolve) => (log ? log.end(() => resolve()) : resolve()));
    },
  };
}
