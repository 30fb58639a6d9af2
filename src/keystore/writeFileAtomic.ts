import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export type WriteFileAtomicOptions = { mode?: number };

const tempPath = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/** fsync of the directory makes the rename itself durable; some platforms refuse it (ignored). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/**
 * Writes a file so that readers (and a crash) see either the old content or the whole new
 * content, never a partial one: write a temp file beside it, fsync, rename over, fsync the dir.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  { mode = 0o600 }: WriteFileAtomicOptions = {},
): Promise<void> {
  const temp = tempPath(path);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Synchronous twin of writeFileAtomic, for small write-ahead records (the sequence store). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, { mode = 0o600 }: WriteFileAtomicOptions = {}): void {
  const temp = tempPath(path);
  const fd = openSync(temp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {}
    try {
      unlinkSync(temp);
    } catch {}
    throw error;
  }
  syncDirectorySync(dirname(path));
}

/** Synchronous twin of the directory fsync above (ignored where the platform refuses it). */
export function syncDirectorySync(dir: string): void {
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } catch {}
    closeSync(dirFd);
  } catch {}
}
