/**
 * Web3 Secret Storage (keystore v3): the JSON format geth, ethers, viem/ox and most wallets
 * read and write. https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage/
 */
export type ScryptKdfParams = {
  dklen: number;
  n: number;
  r: number;
  p: number;
  /** Hex, no 0x. */
  salt: string;
};

export type Pbkdf2KdfParams = {
  c: number;
  dklen: number;
  prf: 'hmac-sha256';
  /** Hex, no 0x. */
  salt: string;
};

export type Keystore = {
  version: 3;
  /** UUID v4. */
  id: string;
  /** Lowercase hex address without 0x, as geth writes it. Optional in the standard. */
  address?: string;
  crypto: {
    cipher: 'aes-128-ctr';
    cipherparams: { iv: string };
    ciphertext: string;
    mac: string;
  } & ({ kdf: 'scrypt'; kdfparams: ScryptKdfParams } | { kdf: 'pbkdf2'; kdfparams: Pbkdf2KdfParams });
};

export type KeystoreErrorCode = 'mac_mismatch' | 'malformed' | 'unsupported' | 'address_mismatch' | 'invalid_key';

export class KeystoreError extends Error {
  override readonly name = 'KeystoreError';
  constructor(
    readonly code: KeystoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** geth's StandardScryptN / StandardScryptP (r = 8): ~1 s and 256 MiB on a laptop. */
export const STANDARD_SCRYPT = { n: 262_144, r: 8, p: 1 } as const;
/** geth's LightScryptN / LightScryptP: for devices with little RAM (4 MiB) or slow CPUs. */
export const LIGHT_SCRYPT = { n: 4_096, r: 8, p: 6 } as const;
