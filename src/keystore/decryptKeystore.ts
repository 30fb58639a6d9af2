import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { bytesToHex, type Address, type Hex } from 'viem';
import { addressOfPrivateKey } from './addressOfPrivateKey.js';
import { deriveKey } from './deriveKey.js';
import { keystoreMac } from './keystoreMac.js';
import { parseKeystore } from './parseKeystore.js';
import { KeystoreError, type Keystore } from './types.js';

export type DecryptKeystoreReturnType = { privateKey: Hex; address: Address };

/**
 * Decrypts a Web3 Secret Storage v3 document (scrypt or pbkdf2, aes-128-ctr). Throws
 * KeystoreError('mac_mismatch') on a wrong passphrase or a tampered file, before decrypting.
 */
export async function decryptKeystore(json: string | Keystore, passphrase: string): Promise<DecryptKeystoreReturnType> {
  const keystore = parseKeystore(json);
  const { crypto } = keystore;
  const derived = await deriveKey(passphrase, crypto);
  const ciphertext = Buffer.from(crypto.ciphertext, 'hex');
  const mac = keystoreMac(derived, ciphertext);
  if (!timingSafeEqual(mac, Buffer.from(crypto.mac, 'hex'))) {
    throw new KeystoreError('mac_mismatch', 'keystore MAC mismatch (wrong passphrase?)');
  }
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), Buffer.from(crypto.cipherparams.iv, 'hex'));
  const privateKey = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const address = addressOfPrivateKey(privateKey);
  if (keystore.address !== undefined && keystore.address !== address.slice(2).toLowerCase()) {
    throw new KeystoreError('address_mismatch', `keystore address 0x${keystore.address} does not match its key (${address})`);
  }
  return { privateKey: bytesToHex(privateKey), address };
}
