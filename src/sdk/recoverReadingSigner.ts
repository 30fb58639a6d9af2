import type { Address } from 'viem';
import { readingDigest, readingDomainSeparator, type ReadingDomain } from '../protocol/eip712.js';
import { recoverDigestSigner } from '../protocol/recoverDigestSigner.js';
import type { SignedReading } from './types.js';

/** Who signed a reading for this domain; equal to reading.device for a genuine reading. */
export function recoverReadingSigner(reading: SignedReading, domain: ReadingDomain): Address | undefined {
  const digest = readingDigest(readingDomainSeparator(domain), {
    device: reading.device,
    sequence: BigInt(reading.sequence),
    timestamp: BigInt(reading.timestamp),
    payload: reading.payload,
  });
  return recoverDigestSigner(digest, reading.signature);
}
