import { encryptKeystore, type EncryptKeystoreOptions } from '../keystore/encryptKeystore.js';
import { writeKeystoreFile } from '../keystore/writeKeystoreFile.js';
import type { DeviceKey } from './types.js';

export type SaveDeviceKeyOptions = Pick<EncryptKeystoreOptions, 'scryptN' | 'scryptR' | 'scryptP'>;

/**
 * Stores a device key encrypted at rest (Web3 Secret Storage, file mode 0600, atomic write).
 * On a Raspberry Pi the standard scrypt cost takes a few seconds and 256 MiB;
 * pass LIGHT_SCRYPT's n/r/p on smaller devices.
 */
export async function saveDeviceKey(path: string, key: DeviceKey, passphrase: string, options: SaveDeviceKeyOptions = {}): Promise<void> {
  await writeKeystoreFile(path, await encryptKeystore(key.privateKey, passphrase, options));
}
