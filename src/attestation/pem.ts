import { AttestationError, type AttestationErrorCode } from './errors.js';

// One or more PEM certificates, LF line ends, optionally closed by the NUL that Intel's QE appends.
const CHAIN_SHAPE = /^(?:-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n?)+\0?$/;
const BLOCK = /-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=\n]+)\n-----END CERTIFICATE-----/g;

export type ParsePemCertificatesParameters = { pem: string; code?: AttestationErrorCode };
export type ParsePemCertificatesReturnType = Uint8Array[];

/**
 * DER bytes of each certificate in a PEM chain, in order. Strict on purpose: Node's base64
 * decoder skips unknown characters and ignores padding bits, so a lenient parser would let a
 * modified chain decode to the same DER, and the quote would verify despite the change.
 */
export function parsePemCertificates({
  pem,
  code = 'malformed_certificate',
}: ParsePemCertificatesParameters): ParsePemCertificatesReturnType {
  if (!CHAIN_SHAPE.test(pem)) throw new AttestationError(code, 'certificate chain is not a sequence of PEM certificates');
  const certificates: Uint8Array[] = [];
  for (const match of pem.matchAll(BLOCK)) {
    const base64 = match[1]!.replaceAll('\n', '');
    const der = Buffer.from(base64, 'base64');
    if (der.toString('base64') !== base64) throw new AttestationError(code, 'certificate is not canonical base64');
    certificates.push(new Uint8Array(der));
  }
  return certificates;
}
