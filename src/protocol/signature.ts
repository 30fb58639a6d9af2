import { bytesToHex, hexToBytes, type Hex } from 'viem';

/** Order of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const SECP256K1_HALF_N = SECP256K1_N >> 1n;

export type SplitSignature = { r: Hex; s: Hex; yParity: 0 | 1 };

export class SignatureFormatError extends Error {
  constructor(
    readonly reason: 'bad_signature_format' | 'high_s_signature',
    message: string,
  ) {
    super(message);
  }
}

export type SignatureProblem = { reason: 'bad_signature_format' | 'high_s_signature'; message: string };

/**
 * The one encoding of a signature (docs/protocol.md, "Signatures"): 65 bytes r ‖ s ‖ v with
 * v = 27 or 28 (not 0/1), 0 < r < n, 0 < s < n, and s ≤ n/2 (low s, EIP-2), so that a signature
 * has exactly one encoding. Returns what is wrong with `bytes`, or undefined.
 */
export function signatureProblem(bytes: Uint8Array): SignatureProblem | undefined {
  if (bytes.length !== 65) return { reason: 'bad_signature_format', message: 'signature must be 65 bytes (r ‖ s ‖ v)' };
  const v = bytes[64]!;
  if (v !== 27 && v !== 28) return { reason: 'bad_signature_format', message: `signature v must be 27 or 28, got ${v}` };
  const r = BigInt(bytesToHex(bytes.subarray(0, 32)));
  const s = BigInt(bytesToHex(bytes.subarray(32, 64)));
  if (r === 0n || r >= SECP256K1_N) return { reason: 'bad_signature_format', message: 'signature r is out of range (0 < r < n)' };
  if (s === 0n || s >= SECP256K1_N) return { reason: 'bad_signature_format', message: 'signature s is out of range (0 < s < n)' };
  if (s > SECP256K1_HALF_N) {
    return {
      reason: 'high_s_signature',
      message: 'signature s is in the upper half of the curve order (EIP-2): sign with low s (s → n − s, v 27 ↔ 28)',
    };
  }
  return undefined;
}

/** Parses a 65-byte r‖s‖v signature in its one encoding (signatureProblem); throws SignatureFormatError. */
export function splitSignature(signature: Hex): SplitSignature {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new SignatureFormatError('bad_signature_format', 'signature must be 65 bytes hex (r ‖ s ‖ v)');
  }
  const bytes = hexToBytes(signature);
  const problem = signatureProblem(bytes);
  if (problem) throw new SignatureFormatError(problem.reason, problem.message);
  return { r: bytesToHex(bytes.subarray(0, 32)), s: bytesToHex(bytes.subarray(32, 64)), yParity: (bytes[64]! - 27) as 0 | 1 };
}

/** EIP-2098 compact form: yParity in the top bit of s. This is how the contract receives it. */
export function toCompact({ r, s, yParity }: SplitSignature): { r: Hex; vs: Hex } {
  const vs = (BigInt(s) | (BigInt(yParity) << 255n)).toString(16).padStart(64, '0');
  return { r, vs: `0x${vs}` };
}

export function joinSignature({ r, s, yParity }: SplitSignature): Hex {
  return `0x${r.slice(2)}${s.slice(2)}${(27 + yParity).toString(16)}`;
}
