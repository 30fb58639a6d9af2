import { readdirSync, readFileSync } from 'node:fs';

/**
 * A running process, told apart from a later one that reuses its pid: on Linux by its start time
 * (clock ticks since boot, /proc/<pid>/stat) and the boot it started in.
 */
export type ProcessIdentity = {
  pid: number;
  /** Field 22 of /proc/<pid>/stat; absent where there is no /proc. */
  startTicks?: string;
  /** /proc/sys/kernel/random/boot_id; absent where there is no /proc. */
  bootId?: string;
};

/** The identity of a running process, or undefined when no process has that pid (or only its zombie). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!isPidRunning(pid)) return undefined;
  const stat = readStat(pid);
  if (stat?.state === 'Z' || stat?.state === 'X') return undefined;
  const startTicks = stat?.startTicks;
  const bootId = readBootId();
  return { pid, ...(startTicks !== undefined && { startTicks }), ...(bootId !== undefined && { bootId }) };
}

/**
 * Whether the very process that `identity` names still runs. Without /proc only the pid can be
 * checked, so a reused pid counts as running (the safe answer for a lock).
 */
export function isProcessRunning(identity: ProcessIdentity): boolean {
  const now = processIdentity(identity.pid);
  if (!now) return false;
  if (identity.bootId !== undefined && now.bootId !== undefined && identity.bootId !== now.bootId) return false;
  if (identity.startTicks !== undefined && now.startTicks !== undefined && identity.startTicks !== now.startTicks) return false;
  return true;
}

/** The arguments a process was started with (argv[0] first), or undefined when it cannot be read. */
export function readCommandLine(pid: number): string[] | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.at(-1) === '') args.pop();
    return args.length > 0 ? args : undefined;
  } catch {
    return undefined;
  }
}

/** Linux's flag for a kernel thread (field 9 of /proc/<pid>/stat): its command line is empty too, but it never ends. */
const PF_KTHREAD = 0x0020_0000;

/**
 * Whether `pid` is a process on its way out after a kill, still holding its files. SIGKILL does not
 * end a process at once: its memory goes first (its command line reads empty, so it no longer
 * looks like the program it was), while a thread that must finish a disk write first (geth's
 * fsync) keeps the process's files, listening sockets included, until it ends. A zombie whose
 * threads have all ended holds nothing. False where there is no /proc (nothing to tell).
 */
export function isProcessEnding(pid: number): boolean {
  if (!isPidRunning(pid)) return false;
  const stat = readStat(pid);
  if (!stat || stat.state === 'X') return false;
  let threads: number;
  try {
    threads = readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return false;
  }
  if (stat.state === 'Z') return threads > 1;
  return readCommandLine(pid) === undefined && (stat.flags & PF_KTHREAD) === 0;
}

/** Whether a command line passes `value` to `flag` (`--datadir /x`, `--cache-path /y`). */
export function commandLineHas(commandLine: readonly string[] | undefined, flag: string, value: string): boolean {
  return commandLine?.some((arg, i) => arg === value && commandLine[i - 1] === flag) ?? false;
}

/** The pids of the processes running now (the numeric entries of /proc), or undefined where there is no /proc. */
export function runningPids(): number[] | undefined {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return undefined;
  }
}

function isPidRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** State (field 3), flags (field 9) and start time (field 22) from /proc/<pid>/stat. */
function readStat(pid: number): { state: string; flags: number; startTicks?: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[19];
    return { state: fields[0] ?? '', flags: Number(fields[6] ?? 0), ...(startTicks && /^\d+$/.test(startTicks) && { startTicks }) };
  } catch {
    return undefined;
  }
}

function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
