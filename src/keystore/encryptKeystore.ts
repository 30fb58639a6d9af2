import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { hexToBytes, type Hex } from 'viem';
import { addressOfPrivateKey } from './addressOfPrivateKey.js';
import { deriveKey } from './deriveKey.js';
import { keystoreMac } from './keystoreMac.js';
import { STANDARD_SCRYPT, type Keystore } from './types.js';

export type EncryptKeystoreOptions = {
  /** scrypt cost N (power of two). Default 262144 (geth standard); LIGHT_SCRYPT.n = 4096 for devices. */
  scryptN?: number;
  /** scrypt block size r. Default 8. */
  scryptR?: number;
  /** scrypt parallelism p. Default 1 (6 with N = 4096, as geth's light setting). */
  scryptP?: number;
  /** Fixed salt (32 bytes) / iv (16 bytes) / id: for reproducible test vectors only. */
  salt?: Uint8Array;
  iv?: Uint8Array;
  id?: string;
  /** Write the address field as geth does. Default true. */
  includeAddress?: boolean;
};

export type EncryptKeystoreReturnType = Keystore;

/**
 * Encrypts a secp256k1 private key into a Web3 Secret Storage v3 document (scrypt,
 * aes-128-ctr, keccak256 MAC) that geth, ethers and viem/ox can decrypt.
 */
export async function encryptKeystore(
  privateKey: Hex | Uint8Array,
  passphrase: string,
  options: EncryptKeystoreOptions = {},
): Promise<EncryptKeystoreReturnType> {
  const key = typeof privateKey === 'string' ? hexToBytes(privateKey) : privateKey;
  const address = addressOfPrivateKey(key);
  const n = options.scryptN ?? STANDARD_SCRYPT.n;
  const r = options.scryptR ?? STANDARD_SCRYPT.r;
  const p = options.scryptP ?? (n <= 4096 ? 6 : STANDARD_SCRYPT.p);
  const salt = options.salt ?? randomBytes(32);
  const iv = options.iv ?? randomBytes(16);
  if (iv.length !== 16) throw new RangeError('keystore iv must be 16 bytes');
  const kdfparams = { dklen: 32, n, r, p, salt: Buffer.from(salt).toString('hex') };
  const derived = await deriveKey(passphrase, { kdf: 'scrypt', kdfparams });
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
  const mac = keystoreMac(derived, ciphertext);
  return {
    version: 3,
    id: options.id ?? randomUUID(),
    ...(options.includeAddress === false ? {} : { address: address.slice(2).toLowerCase() }),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: Buffer.from(iv).toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt',
      kdfparams,
      mac: Buffer.from(mac).toString('hex'),
    },
  };
}
