import { resolve } from 'node:path';
import { readNodeConfig } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';
import { readNodeProcess, removePidFile, waitForNodeEnd } from './nodeProcess.js';

export type StopNodeParameters = {
  nodeDir: string;
  /** How long geth may take to shut down after SIGTERM before it is killed. Default 60 s. */
  timeoutMs?: number;
};

export type StopNodeReturnType = {
  name: string;
  /** What was found: a running node (stopped now), none, or a stale pid file (removed). */
  was: 'running' | 'stopped' | 'stale';
  pid?: number;
  /** true when geth did not stop within the timeout and got SIGKILL (safe in archive mode). */
  killed: boolean;
};

/** Stops one node with SIGTERM and waits until its process is gone, every thread of it; a stale pid file is recognised and removed. */
export async function stopNode(parameters: StopNodeParameters): Promise<StopNodeReturnType> {
  const nodeDir = resolve(parameters.nodeDir);
  const { node } = readNodeConfig(nodeDir);
  const { dataDir } = nodePaths(nodeDir);
  const current = readNodeProcess(nodeDir);
  if (current.state !== 'running') {
    if (current.state === 'stale') removePidFile(nodeDir);
    return { name: node.name, was: current.state, ...(current.state === 'stale' && { pid: current.pid }), killed: false };
  }
  const { pid } = current;
  process.kill(pid, 'SIGTERM');
  // Until every thread has ended (waitForNodeEnd): a restart right after must find the node's ports free.
  let killed = false;
  if (!(await waitForNodeEnd(pid, dataDir, parameters.timeoutMs ?? 60_000))) {
    process.kill(pid, 'SIGKILL');
    killed = true;
    // A thread still finishing a disk write after SIGKILL ends once the write does: no bound.
    await waitForNodeEnd(pid, dataDir, Number.POSITIVE_INFINITY);
  }
  removePidFile(nodeDir);
  return { name: node.name, was: 'running', pid, killed };
}
