/**
 * Runs `start` (a synchronous spawn of a child process) with the process umask 077, then puts the
 * umask back. A child inherits the umask at fork, so whatever it creates later (Anvil's caches,
 * geth's chain database and keys) is private to the node's user (0600 files, 0700 folders),
 * without a process-wide umask that would change every other file the node's process writes.
 * Pythia's own files are made with explicit modes (docs/security.md, "Host").
 */
export function withPrivateUmask<T>(start: () => T): T {
  const previous = process.umask(0o077);
  try {
    return start();
  } finally {
    process.umask(previous);
  }
}
