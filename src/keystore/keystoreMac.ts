import { keccak_256 } from '@noble/hashes/sha3.js';

/** keccak256(derivedKey[16..32] ‖ ciphertext): the integrity check of Web3 Secret Storage. */
export function keystoreMac(derivedKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const input = new Uint8Array(16 + ciphertext.length);
  input.set(derivedKey.subarray(16, 32), 0);
  input.set(ciphertext, 16);
  return keccak_256(input);
}
