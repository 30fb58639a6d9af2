import { parseKeystore } from './parseKeystore.js';
import type { Keystore } from './types.js';
import { writeFileAtomic } from './writeFileAtomic.js';

/** Writes a keystore file readable by its owner only (0600), atomically (temp file + rename). */
export async function writeKeystoreFile(path: string, keystore: Keystore): Promise<void> {
  parseKeystore(keystore);
  await writeFileAtomic(path, JSON.stringify(keystore, null, 2) + '\n', { mode: 0o600 });
}
