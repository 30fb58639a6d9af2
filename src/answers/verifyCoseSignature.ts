import secp256k1 from 'secp256k1';
import { bytesToHex } from 'viem';
import { SECP256K1_HALF_N, SECP256K1_N } from '../protocol/signature.js';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import type { CoseSign1 } from './coseSign1.js';
import { AnswerError } from './errors.js';
import { es256kDigest } from './signCoseSign1.js';

const big = (bytes: Uint8Array) => BigInt(bytesToHex(bytes));

/**
 * The digest an ES256K COSE_Sign1 signature must verify over, after the checks that need no
 * curve arithmetic: r and s in range and s in the lower half. Throws AnswerError otherwise.
 */
export function coseSignatureDigest(message: CoseSign1): Uint8Array {
  const r = big(message.signature.subarray(0, 32));
  const s = big(message.signature.subarray(32));
  if (r === 0n || r >= SECP256K1_N || s === 0n || s >= SECP256K1_N) throw new AnswerError('bad_signature', 'r or s out of range');
  if (s > SECP256K1_HALF_N) throw new AnswerError('bad_signature', 's is in the upper half of the curve order (high s)');
  return es256kDigest(message.payload, message.protectedHeader);
}

/**
 * Checks an ES256K COSE_Sign1 signature: r and s in range, s in the lower half (a high-s twin
 * is refused, so a signature has one encoding), then one ECDSA verification against `publicKey`
 * (65-byte uncompressed). Without a public key, the key is recovered (both parities) and its
 * address compared with the kid: two recoveries at worst.
 */
export function verifyCoseSignature(message: CoseSign1, publicKey: Uint8Array | undefined): void {
  const digest = coseSignatureDigest(message);
  if (publicKey) {
    if (!secp256k1.ecdsaVerify(message.signature, digest, publicKey)) throw new AnswerError('bad_signature', 'signature does not verify');
    return;
  }
  const kid = bytesToHex(message.kid).toLowerCase();
  for (const recid of [0, 1]) {
    try {
      const recovered = secp256k1.ecdsaRecover(message.signature, recid, digest, false);
      if (deviceIdFromPublicKey(recovered).toLowerCase() === kid) return;
    } catch {
      // no key for this parity
    }
  }
  throw new AnswerError('bad_signature', 'signature is not by the key named by kid');
}
