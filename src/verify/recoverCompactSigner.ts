import secp256k1 from 'secp256k1';
import { bytesToHex, type Address, type Hex } from 'viem';
import { keccak256 } from '../protocol/keccak.js';
import { SECP256K1_HALF_N } from '../protocol/signature.js';

const S_MASK = (1n << 255n) - 1n;

/**
 * The signer of a digest under an EIP-2098 compact signature (r, vs) by the contract's rules
 * (docs/protocol.md): v = 27 + the top bit of vs, s = the other 255 bits, s in the lower half of the
 * curve order (EIP-2), r and s in range; undefined when no address is recovered, which the
 * contract counts as a bad signature. Recovery is libsecp256k1's (native binding); the address is
 * returned in lower case (no checksum: it is compared, not shown).
 */
export function recoverCompactSigner(digest: Uint8Array, r: Hex, vs: Hex): Address | undefined {
  const packed = BigInt(vs);
  const s = packed & S_MASK;
  if (s > SECP256K1_HALF_N) return undefined;
  const signature = Buffer.from(`${r.slice(2).padStart(64, '0')}${s.toString(16).padStart(64, '0')}`, 'hex');
  try {
    const publicKey = secp256k1.ecdsaRecover(signature, Number(packed >> 255n), digest, false);
    return bytesToHex(keccak256(publicKey.subarray(1)).subarray(12));
  } catch {
    return undefined;
  }
}
