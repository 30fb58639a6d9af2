import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type PassphraseFifo = {
  /** Give geth this path as --password. */
  path: string;
  /**
   * Writes the passphrase once geth opens the FIFO for reading, then closes it (geth reads to the
   * end of the file). Fails when `isAlive` turns false or after timeoutMs.
   */
  deliver(passphrase: string, isAlive: () => boolean, timeoutMs?: number): Promise<void>;
  /** Removes the FIFO (always call it). */
  remove(): void;
};

/**
 * A named pipe, in a private folder, through which a passphrase reaches geth: it is never written
 * to disk (a FIFO holds no data on disk) and never on a command line. geth reads --password as a
 * path; a Node 'pipe' on fd 3 would not do, because Node's stdio pipes are sockets and Linux
 * refuses to open /dev/fd/N of a socket (ENXIO).
 */
export function createPassphraseFifo(runDir: string): PassphraseFifo {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const path = join(runDir, `passphrase-${randomBytes(6).toString('hex')}`);
  const made = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`cannot make a FIFO for the passphrase (mkfifo): ${made.stderr || made.error?.message}`);
  const remove = () => rmSync(path, { force: true });
  return {
    path,
    remove,
    async deliver(passphrase, isAlive, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let fd: number | undefined;
        try {
          // Non-blocking: ENXIO until geth has opened the FIFO for reading.
          fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
        }
        if (fd !== undefined) {
          try {
            writeSync(fd, `${passphrase}\n`);
          } finally {
            closeSync(fd);
          }
          return;
        }
        if (!isAlive()) throw new Error('geth exited before reading its passphrase');
        if (Date.now() > deadline) throw new Error(`geth did not read its passphrase within ${timeoutMs} ms`);
        await sleep(25);
      }
    },
  };
}
