import secp256k1 from 'secp256k1';
import { hexToBytes, type Address, type Hex } from 'viem';
import { deviceIdFromPublicKey } from './deviceId.js';
import { signatureProblem } from './signature.js';

/**
 * The address that signed a digest, or undefined if the signature is not in its one encoding
 * (r ‖ s ‖ v, v = 27/28, low s: signatureProblem) or recovers no key.
 */
export function recoverDigestSigner(digest: Uint8Array, signature: Hex): Address | undefined {
  const bytes = hexToBytes(signature);
  if (signatureProblem(bytes)) return undefined;
  try {
    return deviceIdFromPublicKey(secp256k1.ecdsaRecover(bytes.subarray(0, 64), bytes[64]! - 27, digest, false));
  } catch {
    return undefined;
  }
}
