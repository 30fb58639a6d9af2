import { readFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../keystore/writeFileAtomic.js';
import {
  commandLineHas,
  isProcessRunning,
  type ProcessIdentity,
  processIdentity,
  readCommandLine,
  runningPids,
} from '../processes/processIdentity.js';

export const ANVIL_PID_FILE = 'anvil.pid';

/** What `chain/anvil.pid` says about the Anvil a node started on this chain folder. */
export type AnvilPidRecord = ProcessIdentity & {
  rpcUrl: string;
  /** The node process that started it. */
  parentPid: number;
  startedAt: string;
};

/** An Anvil still running on this chain folder although no node of it is (its starter died). */
export type OrphanAnvil = { identity: ProcessIdentity; rpcUrl?: string; commandLine: string[] };

/** The embedded chain's IPC socket inside the chain folder: its one JSON-RPC endpoint. */
export function anvilIpcPath(chainDir: string): string {
  return join(resolve(chainDir), 'anvil.ipc');
}

/** Anvil's `--cache-path` inside the chain folder: the mark on its command line that it works for this folder. */
export function anvilCachePath(chainDir: string): string {
  return join(resolve(chainDir), 'cache');
}

export function writeAnvilPidFile(chainDir: string, record: AnvilPidRecord): void {
  writeFileAtomicSync(join(chainDir, ANVIL_PID_FILE), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the pid file if it still names `pid`. */
export function removeAnvilPidFile(chainDir: string, pid: number): void {
  const record = readAnvilPidFile(chainDir);
  if (record?.pid !== pid) return;
  try {
    unlinkSync(join(chainDir, ANVIL_PID_FILE));
  } catch {
    // already gone
  }
}

export function readAnvilPidFile(chainDir: string): AnvilPidRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(join(chainDir, ANVIL_PID_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r.pid) || (r.pid as number) <= 0 || typeof r.rpcUrl !== 'string') return undefined;
  if ((r.startTicks !== undefined && typeof r.startTicks !== 'string') || (r.bootId !== undefined && typeof r.bootId !== 'string'))
    return undefined;
  return value as AnvilPidRecord;
}

/** The pid file's record for a running child. */
export function anvilPidRecord(pid: number, rpcUrl: string): AnvilPidRecord {
  return { ...(processIdentity(pid) ?? { pid }), rpcUrl, parentPid: process.pid, startedAt: new Date().toISOString() };
}

/**
 * The Anvil processes that work for this chain folder: the one the pid file names, if it still
 * runs (same start time) and its command line names the folder, and any other process whose
 * command line names it (one started just before a crash, before its pid file was written).
 * Call it only while holding the data directory's lock: then none of them belongs to a live node.
 */
export function findOrphanAnvils(chainDir: string): OrphanAnvil[] {
  const mark = anvilCachePath(chainDir);
  const namesFolder = (commandLine: string[] | undefined): commandLine is string[] => commandLineHas(commandLine, '--cache-path', mark);
  const orphans: OrphanAnvil[] = [];
  const recorded = readAnvilPidFile(chainDir);
  if (recorded && recorded.pid !== process.pid && isProcessRunning(recorded)) {
    const commandLine = readCommandLine(recorded.pid);
    if (namesFolder(commandLine)) orphans.push({ identity: recorded, rpcUrl: recorded.rpcUrl, commandLine });
  }
  const pids = runningPids();
  if (!pids) return orphans; // no /proc: the pid file is all there is
  for (const pid of pids) {
    if (pid === process.pid || orphans.some((o) => o.identity.pid === pid)) continue;
    const commandLine = readCommandLine(pid);
    if (!namesFolder(commandLine)) continue;
    const identity = processIdentity(pid);
    if (!identity) continue;
    orphans.push({ identity, ...rpcUrlOf(commandLine), commandLine });
  }
  return orphans;
}

/** Where an orphan answers: its IPC socket, else (an Anvil of an older version) its loopback port. */
function rpcUrlOf(commandLine: string[]): { rpcUrl?: string } {
  const value = (flag: string) => {
    const i = commandLine.indexOf(flag);
    return i >= 0 ? commandLine[i + 1] : undefined;
  };
  const ipc = value('--ipc');
  if (ipc?.startsWith('/')) return { rpcUrl: ipc };
  const port = value('--port');
  if (!port || port === '0') return {};
  return { rpcUrl: `http://${value('--host') ?? '127.0.0.1'}:${port}` };
}
