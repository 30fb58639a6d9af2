import { pbkdf2, scrypt } from 'node:crypto';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { KeystoreError, type Pbkdf2KdfParams, type ScryptKdfParams } from './types.js';

/** Upper bounds on KDF work, so that a hostile keystore file cannot exhaust memory or CPU. */
const MAX_SCRYPT_MEMORY = 1 << 30;
const MAX_PBKDF2_ROUNDS = 10_000_000;

/** 128 · N · r bytes is what scrypt allocates; node refuses anything above `maxmem`. */
export function scryptMemory(n: number, r: number): number {
  return 128 * n * r;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

export type DeriveKeyParameters = { kdf: 'scrypt'; kdfparams: ScryptKdfParams } | { kdf: 'pbkdf2'; kdfparams: Pbkdf2KdfParams };

/** The KDF step of Web3 Secret Storage, with node:crypto doing the work off the main thread. */
export function deriveKey(passphrase: string, params: DeriveKeyParameters): Promise<Buffer> {
  const { kdfparams } = params;
  const password = Buffer.from(passphrase, 'utf8');
  const salt = Buffer.from(kdfparams.salt, 'hex');
  const dklen = kdfparams.dklen;
  if (!Number.isInteger(dklen) || dklen < 32 || dklen > 64) {
    throw new KeystoreError('unsupported', `keystore dklen ${dklen} is not between 32 and 64`);
  }
  if (params.kdf === 'scrypt') {
    const { n, r, p } = params.kdfparams;
    if (!isPowerOfTwo(n)) throw new KeystoreError('malformed', `keystore scrypt n = ${n} is not a power of two`);
    if (!Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1 || r * p >= 1 << 30) {
      throw new KeystoreError('malformed', `keystore scrypt r = ${r}, p = ${p} are out of range`);
    }
    const memory = scryptMemory(n, r);
    if (memory > MAX_SCRYPT_MEMORY) {
      throw new KeystoreError('unsupported', `keystore scrypt parameters need ${memory >> 20} MiB, over the 1024 MiB limit`);
    }
    // OpenSSL enforces RFC 7914's N < 2^(16·r); some wallets (and the spec's own test vector,
    // r = 1, N = 2^18) break it, so those go to the pure-JS implementation instead.
    if (Math.log2(n) >= 16 * r) {
      return scryptAsync(password, salt, { N: n, r, p, dkLen: dklen, maxmem: 2 * memory + (1 << 20) }).then((key) => Buffer.from(key));
    }
    return new Promise((resolve, reject) =>
      scrypt(password, salt, dklen, { N: n, r, p, maxmem: 2 * memory + (1 << 20) }, (error, key) => (error ? reject(error) : resolve(key))),
    );
  }
  if (params.kdf === 'pbkdf2') {
    const { c, prf } = params.kdfparams;
    if (prf !== 'hmac-sha256') throw new KeystoreError('unsupported', `keystore pbkdf2 prf "${String(prf)}" is not supported`);
    if (!Number.isInteger(c) || c < 1 || c > MAX_PBKDF2_ROUNDS) {
      throw new KeystoreError('unsupported', `keystore pbkdf2 c = ${c} is out of range`);
    }
    return new Promise((resolve, reject) =>
      pbkdf2(password, salt, c, dklen, 'sha256', (error, key) => (error ? reject(error) : resolve(key))),
    );
  }
  throw new KeystoreError('unsupported', `keystore kdf "${String((params as { kdf: unknown }).kdf)}" is not supported (scrypt, pbkdf2)`);
}
