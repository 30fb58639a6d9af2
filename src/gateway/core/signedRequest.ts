import { hexToBytes, type Address, type Hex } from 'viem';
import type { RejectionReason } from '../../protocol/reasons.js';
import { SignatureFormatError, splitSignature } from '../../protocol/signature.js';
import { recoverDigestSigner } from '../../protocol/recoverDigestSigner.js';

/** A signed request (data request, canary query) may expire at most this far ahead: a captured one is useless soon after. */
export const MAX_SIGNED_REQUEST_LIFETIME_S = 300;

export type SignedRequestCheck = { ok: true; signer: Address } | { ok: false; reason: RejectionReason; message: string };

/**
 * Who signed an EIP-712 request, after the checks every signed request gets: 65 bytes, low s,
 * a key that recovers, not expired, and not valid for longer than MAX_SIGNED_REQUEST_LIFETIME_S.
 */
export function checkSignedRequest(input: { digest: Hex; signature: Hex; expiresAt: bigint; nowSeconds: bigint }): SignedRequestCheck {
  try {
    splitSignature(input.signature);
  } catch (error) {
    if (error instanceof SignatureFormatError) return { ok: false, reason: error.reason, message: error.message };
    throw error;
  }
  const signer = recoverDigestSigner(hexToBytes(input.digest), input.signature);
  if (!signer) return { ok: false, reason: 'bad_signature', message: 'the signature does not recover to any key' };
  if (input.expiresAt < input.nowSeconds) {
    return { ok: false, reason: 'request_expired', message: `the request expired at ${input.expiresAt}` };
  }
  if (input.expiresAt > input.nowSeconds + BigInt(MAX_SIGNED_REQUEST_LIFETIME_S)) {
    return { ok: false, reason: 'request_expired', message: `expiresAt is more than ${MAX_SIGNED_REQUEST_LIFETIME_S} s ahead` };
  }
  return { ok: true, signer };
}
