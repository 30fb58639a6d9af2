import secp256k1 from 'secp256k1';
import { readingDigest } from '../../protocol/eip712.js';
import type { ParsedReading } from './readingShape.js';

/**
 * Checks that `publicKey65` (0x04 ‖ X ‖ Y) signed the reading's EIP-712 digest under
 * `domainSeparator` (this chain id, this fleet contract). Recovery rather than plain verification
 * because the contract recovers the signer with v: a signature whose r ‖ s verifies but whose v is
 * wrong would fail on chain, so it must fail here too. Native libsecp256k1: ~13k/s per core.
 */
export function isSignedByDevice(domainSeparator: Uint8Array, reading: ParsedReading, publicKey65: Uint8Array): boolean {
  const digest = readingDigest(domainSeparator, reading);
  let recovered: Uint8Array;
  try {
    recovered = secp256k1.ecdsaRecover(reading.signature64, reading.recoveryId, digest, false);
  } catch {
    return false;
  }
  return equalBytes(recovered, publicKey65);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
