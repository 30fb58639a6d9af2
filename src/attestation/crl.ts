import { verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { normalizeSerial, type TrustedCertificate } from './certificateChain.js';
import { readDerChildren, readDerElement } from './der.js';
import { AttestationError } from './errors.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

export type VerifyCrlParameters = { crlDer: Uint8Array; issuer: TrustedCertificate; now: Date };
export type VerifyCrlReturnType = { revokedSerials: Set<string> };

/** Verifies a CRL's issuer, signature (ECDSA P-256 / SHA-256) and validity window; returns its revoked serials. */
export function verifyCrl({ crlDer, issuer, now }: VerifyCrlParameters): VerifyCrlReturnType {
  let crl: CertificateList;
  let tbsRaw: Uint8Array;
  let issuerDer: Uint8Array;
  try {
    crl = AsnConvert.parse(crlDer, CertificateList);
    const outer = readDerElement(crlDer, 0, 'crl_invalid');
    if (outer.raw.length !== crlDer.length) throw new AttestationError('crl_invalid', 'trailing bytes after the CRL');
    const [tbs] = readDerChildren(outer.value, 'crl_invalid');
    tbsRaw = tbs!.raw;
    const fields = readDerChildren(tbs!.value, 'crl_invalid');
    issuerDer = fields[fields[0]?.tag === 0x02 ? 2 : 1]!.raw; // version INTEGER is optional
  } catch (error) {
    if (error instanceof AttestationError) throw error;
    throw new AttestationError('crl_invalid', `CRL does not parse: ${(error as Error).message}`);
  }
  if (crl.signatureAlgorithm.algorithm !== ECDSA_WITH_SHA256)
    throw new AttestationError('crl_invalid', `CRL signature algorithm ${crl.signatureAlgorithm.algorithm}`);
  if (!Buffer.from(issuerDer).equals(Buffer.from(issuer.subjectDer))) {
    throw new AttestationError('crl_invalid', `CRL is not issued by "${issuer.x509.subject}"`);
  }
  const signature = new Uint8Array(crl.signature);
  if (!verify('sha256', tbsRaw, { key: issuer.x509.publicKey, dsaEncoding: 'der' }, signature)) {
    throw new AttestationError('crl_invalid', `CRL signature by "${issuer.x509.subject}" does not verify`);
  }
  const thisUpdate = crl.tbsCertList.thisUpdate.getTime();
  const nextUpdate = crl.tbsCertList.nextUpdate?.getTime();
  if (now < thisUpdate)
    throw new AttestationError('crl_invalid', `CRL of "${issuer.x509.subject}" is issued in the future (${thisUpdate.toISOString()})`);
  if (!nextUpdate || now > nextUpdate)
    throw new AttestationError('collateral_expired', `CRL of "${issuer.x509.subject}" expired at ${nextUpdate?.toISOString()}`);
  const revokedSerials = new Set(
    (crl.tbsCertList.revokedCertificates ?? []).map((r) => normalizeSerial(new Uint8Array(r.userCertificate))),
  );
  return { revokedSerials };
}
