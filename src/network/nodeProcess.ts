import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessEnding } from '../processes/processIdentity.js';
import { nodePaths } from './nodePaths.js';

export type NodeProcess =
  | { state: 'running'; pid: number }
  | { state: 'stopped' }
  /** A pid file whose process is gone (a crash, a reboot) or is now some other program. */
  | { state: 'stale'; pid: number };

/** Whether `pid` is alive and (where /proc tells) the geth of this data directory. */
export function isNodeProcess(pid: number, dataDir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: alive but someone else's, so not ours.
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true; // no /proc: the signal check is all there is
  try {
    // A zombie or a reused pid has another (or an empty) command line.
    return readFileSync(cmdline, 'utf8').split('\0').includes(resolve(dataDir));
  } catch {
    return false;
  }
}

/** The node's process as its pid file tells, checked against the running processes. */
export function readNodeProcess(nodeDir: string): NodeProcess {
  const paths = nodePaths(nodeDir);
  if (!existsSync(paths.pidFile)) return { state: 'stopped' };
  const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 1) return { state: 'stale', pid: Number.NaN };
  return isNodeProcess(pid, paths.dataDir) ? { state: 'running', pid } : { state: 'stale', pid };
}

/** Removes a pid file (after a stop, or a stale one). */
export function removePidFile(nodeDir: string): void {
  rmSync(nodePaths(nodeDir).pidFile, { force: true });
}

/**
 * Waits until the node's process `pid` has ended entirely: no longer the node, and no thread of it
 * still exiting with its sockets open (a killed geth finishing a disk write holds its p2p port for
 * a while after it stopped looking like geth: a restart then would find the port taken). Resolves
 * true once ended, false if it still ends after `timeoutMs`.
 */
export async function waitForNodeEnd(pid: number, dataDir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isNodeProcess(pid, dataDir) || isProcessEnding(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}
