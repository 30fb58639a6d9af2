import { createHash, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { readDerChildren, readDerElement } from './der.js';
import { AttestationError } from './errors.js';

/** SHA-256 of the DER of the Intel SGX Root CA: the one trust anchor. */
export const INTEL_SGX_ROOT_CA_SHA256 = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3';

export type TrustedCertificate = {
  der: Uint8Array;
  x509: X509Certificate;
  /** Serial number, hex upper-case without leading zero bytes (the form CRLs are compared in). */
  serial: string;
  /** Raw DER of the subject and issuer Names, for exact CRL-issuer comparison. */
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
};

export function loadCertificate(der: Uint8Array): TrustedCertificate {
  try {
    const x509 = new X509Certificate(der);
    // The key is decoded lazily by node; decode it now so a broken key is a parse error here.
    x509.publicKey;
    const asn = AsnConvert.parse(der, Certificate);
    const certificate = readDerElement(der, 0, 'malformed_certificate');
    const [tbs] = readDerChildren(certificate.value, 'malformed_certificate');
    const fields = readDerChildren(tbs!.value, 'malformed_certificate');
    const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version is optional
    const serial = fields[offset]!;
    return {
      der,
      x509,
      serial: normalizeSerial(serial.value),
      issuerDer: fields[offset + 2]!.raw,
      subjectDer: fields[offset + 4]!.raw,
      notBefore: asn.tbsCertificate.validity.notBefore.getTime(),
      notAfter: asn.tbsCertificate.validity.notAfter.getTime(),
    };
  } catch (error) {
    if (error instanceof AttestationError) throw error;
    throw new AttestationError('malformed_certificate', `certificate does not parse: ${(error as Error).message}`);
  }
}

export function normalizeSerial(content: Uint8Array): string {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return Buffer.from(content.subarray(start)).toString('hex').toUpperCase();
}

export type LoadTrustedRootParameters = { rootCaDer: Uint8Array; fingerprint?: string; now: Date };

/** The pinned root: its SHA-256 must equal the pin, it must be self-signed and valid now. */
export function loadTrustedRoot({ rootCaDer, fingerprint = INTEL_SGX_ROOT_CA_SHA256, now }: LoadTrustedRootParameters): TrustedCertificate {
  const actual = createHash('sha256').update(rootCaDer).digest('hex');
  if (actual !== fingerprint.toLowerCase())
    throw new AttestationError('untrusted_root', `root CA SHA-256 ${actual} is not the pinned ${fingerprint}`);
  const root = loadCertificate(rootCaDer);
  if (!root.x509.ca || !root.x509.verify(root.x509.publicKey))
    throw new AttestationError('untrusted_root', 'root CA is not a self-signed CA');
  checkValidity(root, now);
  return root;
}

export type VerifyCertificateChainParameters = {
  /** Leaf first; a trailing copy of the root is allowed and must be the pinned root. */
  chain: Uint8Array[];
  root: TrustedCertificate;
  now: Date;
  /** How many certificates below the root (leaf included) the chain must have. */
  length: number;
};

/** Checks each link (issuer name, signature, CA flag) up to the pinned root, and validity at `now`. */
export function verifyCertificateChain({ chain, root, now, length }: VerifyCertificateChainParameters): TrustedCertificate[] {
  const certificates = chain.map(loadCertificate);
  const last = certificates[certificates.length - 1];
  if (last && last.x509.subject === last.x509.issuer && last.x509.verify(last.x509.publicKey)) {
    // A self-signed certificate at the end must be the pinned root itself, nothing else.
    if (!Buffer.from(last.der).equals(Buffer.from(root.der)))
      throw new AttestationError('untrusted_root', 'chain ends in a root CA other than the pinned one');
    certificates.pop();
  }
  if (certificates.length !== length)
    throw new AttestationError('certificate_chain_invalid', `expected ${length} certificate(s) below the root, got ${certificates.length}`);
  certificates.forEach((certificate, i) => {
    const issuer = certificates[i + 1] ?? root;
    if (!Buffer.from(certificate.issuerDer).equals(Buffer.from(issuer.subjectDer)) || !certificate.x509.checkIssued(issuer.x509)) {
      throw new AttestationError('certificate_chain_invalid', `"${certificate.x509.subject}" is not issued by "${issuer.x509.subject}"`);
    }
    if (!issuer.x509.ca) throw new AttestationError('certificate_chain_invalid', `issuer "${issuer.x509.subject}" is not a CA`);
    if (!certificate.x509.verify(issuer.x509.publicKey)) {
      throw new AttestationError('certificate_chain_invalid', `signature on "${certificate.x509.subject}" does not verify`);
    }
    checkValidity(certificate, now);
  });
  return certificates;
}

function checkValidity(certificate: TrustedCertificate, now: Date): void {
  if (now < certificate.notBefore) {
    throw new AttestationError(
      'certificate_not_yet_valid',
      `"${certificate.x509.subject}" is valid from ${certificate.notBefore.toISOString()}`,
    );
  }
  if (now > certificate.notAfter) {
    throw new AttestationError('certificate_expired', `"${certificate.x509.subject}" expired ${certificate.notAfter.toISOString()}`);
  }
}
