import secp256k1 from 'secp256k1';
import { bytesToHex, hexToBytes, type Hex } from 'viem';

/**
 * Signs a 32-byte digest with libsecp256k1 (the native binding; its JS fallback behaves the
 * same): RFC 6979 nonces, low s always. Returns r ‖ s ‖ v with v = 27/28.
 */
export function signDigest(privateKey: Hex | Uint8Array, digest: Uint8Array): Hex {
  const key = typeof privateKey === 'string' ? hexToBytes(privateKey) : privateKey;
  const { signature, recid } = secp256k1.ecdsaSign(digest, key);
  const out = new Uint8Array(65);
  out.set(signature, 0);
  out[64] = 27 + recid;
  return bytesToHex(out);
}
