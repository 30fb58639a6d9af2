import { spawnSync } from 'node:child_process';
import { linuxProgram } from './setpriv.js';

let lookup: { command: string[] } | { reasons: string[] } | undefined;

/**
 * The command prefix that runs a program in a network namespace of its own, whose only interface
 * is a loopback that nothing outside it reaches: `unshare --net` where this process may (root),
 * else `unshare --net --map-root-user` (an unprivileged user namespace, owned by this user). Tried
 * once per process with `true`; where neither works, the reasons (no unshare, not Linux, user
 * namespaces not allowed).
 */
export function isolatedNetworkCommand(): { command: string[] } | { reasons: string[] } {
  if (lookup) return lookup;
  const unshare = linuxProgram('unshare');
  if (!unshare) {
    lookup = {
      reasons: [
        process.platform === 'linux'
          ? 'util-linux unshare is not installed'
          : `network namespaces are Linux's, this is ${process.platform}`,
      ],
    };
    return lookup;
  }
  const reasons: string[] = [];
  for (const command of [
    [unshare, '--net'],
    [unshare, '--net', '--map-root-user'],
  ]) {
    const tried = spawnSync(command[0]!, [...command.slice(1), '--', 'true'], { encoding: 'utf8', timeout: 10_000 });
    if (tried.status === 0) {
      lookup = { command };
      return lookup;
    }
    reasons.push(`${command.slice(1).join(' ')}: ${(tried.stderr || tried.error?.message || `exit ${tried.status}`).trim()}`);
  }
  lookup = { reasons };
  return lookup;
}
