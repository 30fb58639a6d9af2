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

/**
 * Parses a 65-byte r‖s‖v signature (v = 27/28 or 0/1) and enforces low s (EIP-2): a high-s
 * twin of a valid signature is refused everywhere, so a signature has exactly one encoding.
 */
export function splitSignature(signature: Hex): SplitSignature {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new SignatureFormatError('bad_signature_format', 'signature must be 65 bytes hex (r ‖ s ‖ v)');
  }
  const bytes = hexToBytes(signature);
  const v = bytes[64]!;
  const yParity = v === 27 || v === 0 ? 0 : v === 28 || v === 1 ? 1 : -1;
  if (yParity === -1) throw new SignatureFormatError('bad_signature_format', `signature v must be 27 or 28, got ${v}`);
  const r = bytesToHex(bytes.subarray(0, 32));
  const s = bytesToHex(bytes.subarray(32, 64));
  const rn = BigInt(r);
  const sn = BigInt(s);
  if (rn === 0n || rn >= SECP256K1_N || sn === 0n) {
    throw new SignatureFormatError('bad_signature_format', 'signature r or s out of range');
  }
  if (sn > SECP256K1_HALF_N) {
    throw new SignatureFormatError('high_s_signature', 'signature s is in the upper half of the curve order (malleable)');
  }
  return { r, s, yParity: yParity as 0 | 1 };
}

/** EIP-2098 compact form: yParity in the top bit of s. This is how the contract receives it. */
export function toCompact({ r, s, yParity }: SplitSignature): { r: Hex; vs: Hex } {
  const vs = (BigInt(s) | (BigInt(yParity) << 255n)).toString(16).padStart(64, '0');
  return { r, vs: `0x${vs}` };
}

export function joinSignature({ r, s, yParity }: SplitSignature): Hex {
  return `0x${r.slice(2)}${s.slice(2)}${(27 + yParity).toString(16)}`;
}
