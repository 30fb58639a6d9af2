import secp256k1 from 'secp256k1';
import { hexToBytes, type Address, type Hex } from 'viem';
import { deviceIdFromPublicKey } from './deviceId.js';

/** The address that signed a digest (r ‖ s ‖ v, v = 27/28 or 0/1), or undefined if none does. */
export function recoverDigestSigner(digest: Uint8Array, signature: Hex): Address | undefined {
  const bytes = hexToBytes(signature);
  if (bytes.length !== 65) return undefined;
  const v = bytes[64]!;
  const recid = v >= 27 ? v - 27 : v;
  if (recid !== 0 && recid !== 1) return undefined;
  try {
    return deviceIdFromPublicKey(secp256k1.ecdsaRecover(bytes.subarray(0, 64), recid, digest, false));
  } catch {
    return undefined;
  }
}
