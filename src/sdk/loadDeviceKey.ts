import { decryptKeystore } from '../keystore/decryptKeystore.js';
import { readKeystoreFile } from '../keystore/readKeystoreFile.js';
import { deviceKeyFromPrivateKey } from './deviceKeyFromPrivateKey.js';
import type { DeviceKey } from './types.js';

/** Reads and decrypts a device key written by saveDeviceKey (or by geth, ethers, ...). */
export async function loadDeviceKey(path: string, passphrase: string): Promise<DeviceKey> {
  const { privateKey } = await decryptKeystore(await readKeystoreFile(path), passphrase);
  return deviceKeyFromPrivateKey(privateKey);
}
