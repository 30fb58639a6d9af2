import { createHash } from 'node:crypto';
import secp256k1 from 'secp256k1';
import { hexToBytes, type Address, type Hex } from 'viem';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import { encodeCoseSign1 } from './coseSign1.js';
import { ES256K_PROTECTED_HEADER } from './constants.js';
import { sigStructure } from './sigStructure.js';

export type CoseSigner = {
  /** 20 bytes: the address of the signing key, sent as kid. */
  kid: Uint8Array;
  /** ECDSA secp256k1 over a 32-byte SHA-256 digest: 64 bytes r ‖ s, low s. */
  signDigest: (digest: Uint8Array) => Uint8Array | Promise<Uint8Array>;
};

/** The Pythia's answer key: a local secp256k1 key, or a signer elsewhere (HSM, enclave) named by its address. */
export type AnswerSigner = { privateKey: Hex } | { address: Address; signDigest: (digest: Uint8Array) => Uint8Array | Promise<Uint8Array> };

export type SignCoseSign1Parameters = { signer: CoseSigner; payload: Uint8Array };

/** The SHA-256 of the Sig_structure of an ES256K COSE_Sign1 with this payload: what ES256K signs (RFC 8812 §3.2). */
export function es256kDigest(payload: Uint8Array, protectedHeader: Uint8Array = ES256K_PROTECTED_HEADER): Uint8Array {
  return new Uint8Array(createHash('sha256').update(sigStructure({ protectedHeader, payload })).digest());
}

/** A COSE_Sign1 (ES256K) over `payload` by `signer`. */
export async function signCoseSign1({ signer, payload }: SignCoseSign1Parameters): Promise<Uint8Array> {
  const signature = await signer.signDigest(es256kDigest(payload));
  return encodeCoseSign1({ protectedHeader: ES256K_PROTECTED_HEADER, kid: signer.kid, payload, signature });
}

/** Signs with libsecp256k1: RFC 6979 nonces, low s always, so the same input gives the same bytes. */
export function localCoseSigner(privateKey: Hex | Uint8Array): CoseSigner & { signDigestSync: (digest: Uint8Array) => Uint8Array } {
  const secret = typeof privateKey === 'string' ? hexToBytes(privateKey) : privateKey;
  if (secret.length !== 32 || !secp256k1.privateKeyVerify(secret)) throw new RangeError('not a valid secp256k1 private key');
  const kid = hexToBytes(deviceIdFromPublicKey(secp256k1.publicKeyCreate(secret, false)));
  const signDigestSync = (digest: Uint8Array) => secp256k1.ecdsaSign(digest, secret).signature;
  return { kid, signDigest: signDigestSync, signDigestSync };
}

/** Synchronous signing with a local key (the fast path: no promise per answer). */
export function signCoseSign1Sync(privateKey: Hex | Uint8Array, payload: Uint8Array): Uint8Array {
  const signer = localCoseSigner(privateKey);
  return encodeCoseSign1({
    protectedHeader: ES256K_PROTECTED_HEADER,
    kid: signer.kid,
    payload,
    signature: signer.signDigestSync(es256kDigest(payload)),
  });
}
