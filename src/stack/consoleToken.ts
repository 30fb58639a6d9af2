import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../keystore/writeFileAtomic.js';

export const CONSOLE_TOKEN_FILE = 'console-token';

export function consoleTokenPath(dataDir: string): string {
  return join(dataDir, CONSOLE_TOKEN_FILE);
}

export class ConsoleTokenError extends Error {}

/**
 * The council console's login token (the bearer token of GET /v1/index/...): 32 random bytes, hex,
 * made once in `<data dir>/console-token` (0600) and read again on each start. A file others may
 * read, or one that does not hold such a token, is refused: delete it to make a new one.
 */
export function loadOrCreateConsoleToken(dataDir: string): string {
  const path = consoleTokenPath(dataDir);
  let text: string;
  try {
    if ((statSync(path).mode & 0o077) !== 0)
      throw new ConsoleTokenError(`${path} may be read by others: chmod 600 it (or delete it for a new token)`);
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const token = randomBytes(32).toString('hex');
    writeFileAtomicSync(path, `${token}\n`, { mode: 0o600 });
    return token;
  }
  if (!/^[0-9a-f]{64}$/.test(text))
    throw new ConsoleTokenError(`${path} does not hold a console token (64 hex digits): delete it for a new one`);
  return text;
}
