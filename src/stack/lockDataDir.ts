import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { syncDirectorySync, writeFileAtomicSync } from '../keystore/writeFileAtomic.js';
import { onProcessExit } from '../processes/exitHooks.js';
import { isProcessRunning, processIdentity } from '../processes/processIdentity.js';

export const LOCK_FILE = 'pythia.lock';

/** What the lock file says about the node that holds a data directory. */
export type DataDirLockRecord = {
  pid: number;
  /** Start time of the holder (clock ticks since boot) and its boot: a reused pid is not the holder. */
  startTicks?: string;
  bootId?: string;
  host: string;
  /** When the holder took the lock (ISO 8601). */
  since: string;
  /** What holds it, e.g. "pythia up". */
  command: string;
  /** Where the holder serves, once it is up. */
  endpoints?: { chain?: string; gateway?: string; mqtt?: string };
};

export type LockDataDirParameters = {
  dataDir: string;
  command: string;
  onProgress?: (message: string) => void;
};

export type LockDataDirReturnType = {
  path: string;
  record: () => DataDirLockRecord;
  /** Adds where this node serves, for whoever finds the directory in use. */
  setEndpoints: (endpoints: NonNullable<DataDirLockRecord['endpoints']>) => void;
  /** Removes the lock (if it is still this process's). */
  release: () => void;
};

/** The data directory is used by a running node. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirLockRecord,
  ) {
    super(`the data directory ${dataDir} is in use by ${describeHolder(holder)}: stop it first, or use another --data-dir`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * Takes the data directory for this process: a lock file created atomically (written beside,
 * synced, then hard-linked into place, which fails if a lock exists). A lock whose holder is gone
 * (no such process, or its pid now names a process started later) is taken over with a message;
 * a live holder makes this throw DataDirInUseError naming it. Take it before writing anything
 * else in the directory; it is released by release() or when this process exits.
 */
export function lockDataDir(parameters: LockDataDirParameters): LockDataDirReturnType {
  const path = join(parameters.dataDir, LOCK_FILE);
  const self = processIdentity(process.pid)!;
  let record: DataDirLockRecord = {
    pid: process.pid,
    ...(self.startTicks !== undefined && { startTicks: self.startTicks }),
    ...(self.bootId !== undefined && { bootId: self.bootId }),
    host: hostname(),
    since: new Date().toISOString(),
    command: parameters.command,
  };
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(path, record)) break;
    const existing = readLock(path);
    if (existing === 'missing') continue;
    if (isHeld(existing.record)) throw new DataDirInUseError(parameters.dataDir, existing.record);
    if (attempt >= 5) throw new Error(`could not take the lock ${path}: it keeps changing`);
    if (removeIfUnchanged(path, existing.text)) {
      parameters.onProgress?.(
        `taking over the lock of ${parameters.dataDir} left by ${describeHolder(existing.record)}, which is no longer running`,
      );
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    unregister();
    const current = readLock(path);
    if (current !== 'missing' && current.record.pid === record.pid && current.record.since === record.since) unlinkSync(path);
  };
  const unregister = onProcessExit(release);
  return {
    path,
    record: () => record,
    setEndpoints: (endpoints) => {
      if (!held) return;
      record = { ...record, endpoints };
      writeFileAtomicSync(path, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    },
    release,
  };
}

function describeHolder(holder: DataDirLockRecord): string {
  const endpoints = Object.entries(holder.endpoints ?? {})
    .map(([name, url]) => `${name} ${url}`)
    .join(', ');
  return `${holder.command} (pid ${holder.pid}${holder.host !== hostname() ? ` on host ${holder.host}` : ''}, since ${holder.since}${endpoints ? `; ${endpoints}` : ''})`;
}

/** A holder on another host cannot be checked from here: it counts as live. */
function isHeld(holder: DataDirLockRecord): boolean {
  if (holder.host !== hostname()) return true;
  return isProcessRunning({
    pid: holder.pid,
    ...(holder.startTicks !== undefined && { startTicks: holder.startTicks }),
    ...(holder.bootId !== undefined && { bootId: holder.bootId }),
  });
}

function tryCreate(path: string, record: DataDirLockRecord): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(record, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    syncDirectorySync(dirname(path));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readLock(path: string): { text: string; record: DataDirLockRecord } | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  const record = parseLockRecord(text);
  if (!record) {
    throw new Error(
      `the lock file ${path} cannot be read (it is not one Pythia writes): if no Pythia node uses this data directory, delete it`,
    );
  }
  return { text, record };
}

export function parseLockRecord(text: string): DataDirLockRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
  if (!Number.isSafeInteger(r.pid) || (r.pid as number) <= 0) return undefined;
  if (typeof r.host !== 'string' || typeof r.since !== 'string' || typeof r.command !== 'string') return undefined;
  if (!optionalString(r.startTicks) || !optionalString(r.bootId)) return undefined;
  if (r.endpoints !== undefined && (typeof r.endpoints !== 'object' || r.endpoints === null)) return undefined;
  return value as DataDirLockRecord;
}

/**
 * Removes a stale lock only if it is still the one that was judged stale: it is moved aside first
 * (atomic), and put back if another process replaced it in between.
 */
function removeIfUnchanged(path: string, staleText: string): boolean {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== staleText) {
    try {
      linkSync(aside, path);
    } catch {
      // someone locked meanwhile; theirs stands
    }
  }
  unlinkSync(aside);
  return moved === staleText;
}

/** The live node holding a data directory, as its lock says; undefined when none does (no lock, or its holder is gone). */
export function dataDirHolder(dataDir: string): DataDirLockRecord | undefined {
  const existing = readLock(join(dataDir, LOCK_FILE));
  return existing !== 'missing' && isHeld(existing.record) ? existing.record : undefined;
}
