import { spawnSync } from 'node:child_process';
import { linuxProgram } from './setpriv.js';

export type NetworkIsolation = { command: string[] } | { reasons: string[] };

let lookup: NetworkIsolation | undefined;

/**
 * The command prefix that runs a program in a network namespace of its own, whose only interface
 * is a loopback that nothing outside it reaches: `unshare --net` where this process may (root),
 * else `unshare --net --map-root-user` (an unprivileged user namespace, owned by this user). Tried
 * once per process with `true`; where neither works, the reasons (no unshare, not Linux, user
 * namespaces not allowed).
 */
export function isolatedNetworkCommand(): NetworkIsolation {
  if (lookup) return lookup;
  const unshare = linuxProgram('unshare');
  lookup = unshare
    ? firstWorkingCommand([
        [unshare, '--net'],
        [unshare, '--net', '--map-root-user'],
      ])
    : {
        reasons: [
          process.platform === 'linux'
            ? 'util-linux unshare is not installed'
            : `network namespaces are Linux's, this is ${process.platform}`,
        ],
      };
  return lookup;
}

/** The first of the command prefixes that runs `true`, or why each failed (what it printed). */
export function firstWorkingCommand(candidates: readonly string[][]): NetworkIsolation {
  const reasons: string[] = [];
  for (const command of candidates) {
    const tried = spawnSync(command[0]!, [...command.slice(1), '--', 'true'], { encoding: 'utf8', timeout: 10_000 });
    if (tried.status === 0) return { command };
    reasons.push(`${command.slice(1).join(' ')}: ${(tried.stderr || tried.error?.message || `exit ${tried.status}`).trim()}`);
  }
  return { reasons };
}
