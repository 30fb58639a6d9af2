import { readFile } from 'node:fs/promises';
import { parseKeystore } from './parseKeystore.js';
import type { Keystore } from './types.js';

/** Reads and validates a keystore file (it stays encrypted: see decryptKeystore). */
export async function readKeystoreFile(path: string): Promise<Keystore> {
  return parseKeystore(await readFile(path, 'utf8'));
}
