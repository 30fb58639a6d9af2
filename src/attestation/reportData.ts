import { createHash } from 'node:crypto';
import { bytesToHex, hexToBytes, isHex, type Hex } from 'viem';

/**
 * How a Pythia binds its secp256k1 answer-signing key into the enclave's 64-byte report data:
 *
 *   reportData[0..32)  = SHA-256("pythia-attestation-v1" ‖ X ‖ Y)   (64-byte uncompressed key, no 0x04)
 *   reportData[32..64) = the verifier's 32-byte nonce, or zeros when none was asked for
 *
 * The domain string keeps the hash from meaning anything in another protocol; the nonce half
 * lets a verifier demand a fresh quote (the key half alone is a static binding).
 */
export const REPORT_DATA_DOMAIN = 'pythia-attestation-v1';

function normalizePublicKey(publicKey: Hex): Uint8Array {
  const bytes = isHex(publicKey) ? hexToBytes(publicKey) : new Uint8Array();
  if (bytes.length === 65 && bytes[0] === 0x04) return bytes.subarray(1);
  if (bytes.length !== 64) throw new Error('public key must be 64 bytes (X ‖ Y) or 65 bytes (04 ‖ X ‖ Y), hex');
  return bytes;
}

function normalizeNonce(nonce: Hex | undefined): Uint8Array {
  if (nonce === undefined) return new Uint8Array(32);
  const bytes = isHex(nonce) ? hexToBytes(nonce) : new Uint8Array();
  if (bytes.length !== 32) throw new Error('nonce must be 32 bytes, hex');
  return bytes;
}

export type ExpectedReportDataParameters = { publicKey: Hex; nonce?: Hex };

/** The report data a Pythia enclave must put in its quote for this key (and nonce). */
export function expectedReportData({ publicKey, nonce }: ExpectedReportDataParameters): Hex {
  const keyHash = createHash('sha256').update(REPORT_DATA_DOMAIN, 'utf8').update(normalizePublicKey(publicKey)).digest();
  return bytesToHex(new Uint8Array([...keyHash, ...normalizeNonce(nonce)]));
}

export type BindingOfReportDataReturnType = { keyHash: Hex; nonce: Hex };

/** Splits 64-byte report data into the key-hash half and the nonce half. */
export function bindingOfReportData(reportData: Hex): BindingOfReportDataReturnType {
  const bytes = isHex(reportData) ? hexToBytes(reportData) : new Uint8Array();
  if (bytes.length !== 64) throw new Error('report data must be 64 bytes, hex');
  return { keyHash: bytesToHex(bytes.subarray(0, 32)), nonce: bytesToHex(bytes.subarray(32)) };
}

export type ReportDataBindsKeyParameters = { reportData: Hex; publicKey: Hex; nonce?: Hex };

/** True when the report data binds exactly this key (and this nonce, or zeros without one). */
export function reportDataBindsKey({ reportData, publicKey, nonce }: ReportDataBindsKeyParameters): boolean {
  const expected = hexToBytes(expectedReportData({ publicKey, nonce }));
  const actual = isHex(reportData) ? hexToBytes(reportData) : new Uint8Array();
  if (actual.length !== 64) return false;
  // Not secret, but compare in full rather than short-circuit out of habit.
  return actual.reduce((diff, b, i) => diff | (b ^ expected[i]!), 0) === 0;
}
