import { KeystoreError, type Keystore } from './types.js';

const HEX = /^(0x)?([0-9a-fA-F]{2})*$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function hexField(value: unknown, field: string, bytes?: number): string {
  if (typeof value !== 'string' || !HEX.test(value)) throw new KeystoreError('malformed', `keystore ${field} must be hex`);
  const hex = value.replace(/^0x/, '').toLowerCase();
  if (bytes !== undefined && hex.length !== 2 * bytes) {
    throw new KeystoreError('malformed', `keystore ${field} must be ${bytes} bytes`);
  }
  return hex;
}

function intField(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new KeystoreError('malformed', `keystore ${field} must be a positive integer`);
  }
  return value;
}

/**
 * Validates a keystore document (a JSON string or a parsed object) and returns it in canonical
 * form. Accepts the old "Crypto" capitalisation (MyEtherWallet) and 0x-prefixed hex fields.
 */
export function parseKeystore(input: string | unknown): Keystore {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch {
      throw new KeystoreError('malformed', 'keystore is not valid JSON');
    }
  }
  if (!isObject(raw)) throw new KeystoreError('malformed', 'keystore must be a JSON object');
  if (raw.version !== 3) throw new KeystoreError('unsupported', `keystore version ${String(raw.version)} is not supported (3)`);
  const crypto = raw.crypto ?? raw.Crypto;
  if (!isObject(crypto)) throw new KeystoreError('malformed', 'keystore has no crypto section');
  if (crypto.cipher !== 'aes-128-ctr') {
    throw new KeystoreError('unsupported', `keystore cipher "${String(crypto.cipher)}" is not supported (aes-128-ctr)`);
  }
  if (!isObject(crypto.cipherparams)) throw new KeystoreError('malformed', 'keystore has no cipherparams');
  const iv = hexField(crypto.cipherparams.iv, 'cipherparams.iv', 16);
  const ciphertext = hexField(crypto.ciphertext, 'ciphertext');
  if (ciphertext.length === 0) throw new KeystoreError('malformed', 'keystore ciphertext is empty');
  const mac = hexField(crypto.mac, 'mac', 32);
  const params = crypto.kdfparams;
  if (!isObject(params)) throw new KeystoreError('malformed', 'keystore has no kdfparams');
  const salt = hexField(params.salt, 'kdfparams.salt');
  const dklen = intField(params.dklen, 'kdfparams.dklen');
  const id = typeof raw.id === 'string' ? raw.id : '';
  const address = typeof raw.address === 'string' ? hexField(raw.address, 'address', 20) : undefined;
  const common = { cipher: 'aes-128-ctr' as const, cipherparams: { iv }, ciphertext, mac };
  let cryptoOut: Keystore['crypto'];
  if (crypto.kdf === 'scrypt') {
    const kdfparams = {
      dklen,
      n: intField(params.n, 'kdfparams.n'),
      r: intField(params.r, 'kdfparams.r'),
      p: intField(params.p, 'kdfparams.p'),
      salt,
    };
    cryptoOut = { ...common, kdf: 'scrypt', kdfparams };
  } else if (crypto.kdf === 'pbkdf2') {
    if (params.prf !== 'hmac-sha256') {
      throw new KeystoreError('unsupported', `keystore pbkdf2 prf "${String(params.prf)}" is not supported (hmac-sha256)`);
    }
    cryptoOut = { ...common, kdf: 'pbkdf2', kdfparams: { c: intField(params.c, 'kdfparams.c'), dklen, prf: 'hmac-sha256', salt } };
  } else {
    throw new KeystoreError('unsupported', `keystore kdf "${String(crypto.kdf)}" is not supported (scrypt, pbkdf2)`);
  }
  return { version: 3, id, ...(address === undefined ? {} : { address }), crypto: cryptoOut };
}
