import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { readCommandLine, runningPids } from './processIdentity.js';

export type PortHolder = {
  /** Absent when the socket belongs to a process this user cannot inspect. */
  pid?: number;
  commandLine?: string[];
  /** Owner of the socket, from /proc/net/tcp. */
  uid?: number;
};

/** Whether `host:port` can be listened on now (it is free), by trying it. */
export function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * The process listening on TCP `port` (any local address), found through /proc/net/tcp{,6} and
 * the socket inodes in /proc/<pid>/fd. Undefined when nothing listens there or there is no /proc.
 */
export function findPortHolder(port: number): PortHolder | undefined {
  const socket = listeningSocket(port);
  if (!socket) return undefined;
  const pid = pidOfSocket(socket.inode);
  if (pid === undefined) return { uid: socket.uid };
  const commandLine = readCommandLine(pid);
  return { pid, uid: socket.uid, ...(commandLine && { commandLine }) };
}

/** "process 1234 (anvil --port 8545 …)" or "a process of uid 1001 that this user cannot inspect". */
export function describePortHolder(holder: PortHolder | undefined): string {
  if (!holder) return 'another process';
  if (holder.pid === undefined) return `a process of uid ${holder.uid ?? '?'} that this user cannot inspect`;
  const command = holder.commandLine?.join(' ');
  return `process ${holder.pid}${command ? ` (${command.length > 200 ? `${command.slice(0, 200)}…` : command})` : ''}`;
}

const LISTEN = '0A';

function listeningSocket(port: number): { inode: string; uid: number } | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
      return { inode: fields[9]!, uid: Number(fields[7]) };
    }
  }
  return undefined;
}

function pidOfSocket(inode: string): number | undefined {
  const target = `socket:[${inode}]`;
  const pids = runningPids();
  if (!pids) return undefined;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
