import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CrashGatewayConfig } from './gatewayMain.js';
import type { CrashTarget } from './killer.js';

/**
 * A gateway running as a child process (src/testing/crash/gatewayMain.ts) that a test can kill -9
 * and start again on the same database and port.
 */
export type GatewayProcess = CrashTarget & {
  /** Where it listens (fixed: give `port` in the configuration). */
  readonly url: string;
  /** Stops it for good (SIGKILL if it is still running) and closes its log. */
  stop(): Promise<void>;
  readonly starts: number;
};

export type StartGatewayProcessParameters = {
  config: CrashGatewayConfig & { port: number };
  /** File that collects the processes' stdout and stderr (appended across restarts). */
  logPath?: string;
  /** Longest wait for `ready` (ms). Default 60,000. */
  startTimeoutMs?: number;
};

const MAIN = fileURLToPath(new URL('./gatewayMain.ts', import.meta.url));

export function gatewayProcess({ config, logPath, startTimeoutMs = 60_000 }: StartGatewayProcessParameters): GatewayProcess {
  const host = config.host ?? '127.0.0.1';
  const url = `http://${host}:${config.port}`;
  const log: WriteStream | undefined = logPath ? createWriteStream(logPath, { flags: 'a' }) : undefined;
  let child: ChildProcess | undefined;
  let starts = 0;

  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await gone;
  };

  const start = async () => {
    await kill();
    starts += 1;
    log?.write(`--- start ${starts} at ${new Date().toISOString()}\n`);
    const spawned = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, PYTHIA_CRASH_GATEWAY: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = spawned;
    if (log) {
      spawned.stdout?.pipe(log, { end: false });
      spawned.stderr?.pipe(log, { end: false });
    }
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`gateway not ready within ${startTimeoutMs} ms: ${output.slice(-2000)}`)),
        startTimeoutMs,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/^ready /m.test(output)) {
          clearTimeout(timer);
          spawned.stdout?.off('data', onData);
          resolve();
        }
      };
      spawned.stdout?.on('data', onData);
      spawned.stderr?.on('data', (chunk: Buffer) => {
        if (output.length < 20_000) output += chunk.toString();
      });
      spawned.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited (${code ?? signal}) before it was ready: ${output.slice(-2000)}`));
      });
    });
  };

  return {
    name: 'gateway',
    url,
    get starts() {
      return starts;
    },
    start,
    kill,
    async stop() {
      await kill();
      await new Promise<void>((resolve) => (log ? log.end(() => resolve()) : resolve()));
    },
  };
}
