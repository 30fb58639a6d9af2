import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { bytesToHex, type Hex } from 'viem';
import { loadTrustedRoot, type TrustedCertificate, verifyCertificateChain } from './certificateChain.js';
import { verifyCrl } from './crl.js';
import { AttestationError } from './errors.js';
import { parseQuote } from './parseQuote.js';
import { parsePckExtension } from './pckExtension.js';
import { parsePemCertificates } from './pem.js';
import { parseEnclaveIdentity, matchQeIdentity } from './qeIdentity.js';
import { checkIssuePeriod, parseCollateral, verifyRawSignature } from './signedCollateral.js';
import { matchTcbLevel, matchTdxModule, parseTcbInfo } from './tcbInfo.js';
import { convergeTcbStatus, type TcbStatus } from './tcbStatus.js';

/** Intel's Quoting Enclave vendor id, in every quote Intel's QE produces. */
const INTEL_QE_VENDOR_ID = '939a7233f79c4ca9940a0db3957f0607';

export type VerifyQuoteParameters = {
  quote: Uint8Array;
  /** Collateral from Intel's PCS (or a PCCS cache), as JSON-parsed object. */
  collateral: unknown;
  /** DER of the Intel SGX Root CA; must hash to `rootCaFingerprint`. */
  rootCaDer: Uint8Array;
  /** SHA-256 pin of the root (hex); defaults to Intel's. */
  rootCaFingerprint?: string;
  /** The time to judge validity at; evidence is refused outside every validity window. */
  now: Date;
};

export type VerifyQuoteReturnType = {
  teeType: 'SGX' | 'TDX';
  version: 3 | 4;
  /** MRENCLAVE (SGX, 32 bytes) or MRTD (TDX, 48 bytes). */
  measurement: Hex;
  /** SGX only. */
  mrsigner?: Hex;
  isvProdId?: number;
  isvSvn?: number;
  /** TDX only. */
  tdx?: {
    mrSeam: Hex;
    mrSignerSeam: Hex;
    tdAttributes: Hex;
    xfam: Hex;
    mrConfigId: Hex;
    mrOwner: Hex;
    mrOwnerConfig: Hex;
    rtmr: Hex[];
    teeTcbSvn: Hex;
  };
  reportData: Hex;
  /** Platform TCB status converged with the QE's (and the TDX module's) status. */
  tcbStatus: TcbStatus;
  advisoryIds: string[];
  platformTcbStatus: TcbStatus;
  qeTcbStatus: TcbStatus;
  tdxModuleTcbStatus?: TcbStatus;
  fmspc: string;
  pceId: string;
  /** The earliest nextUpdate among the collateral: re-verify with fresh collateral after it. */
  collateralExpiresAt: string;
};

/**
 * Verifies an Intel DCAP quote (SGX v3 or TDX v4) against its collateral and the pinned Intel
 * root, at `now`. Returns the attested identity and TCB status, or throws AttestationError. A
 * returned status other than UpToDate is *not* an error: whether to accept e.g.
 * SWHardeningNeeded is policy, decided by the caller.
 */
export function verifyQuote(parameters: VerifyQuoteParameters): VerifyQuoteReturnType {
  try {
    return verifyQuoteUnguarded(parameters);
  } catch (error) {
    // Whatever a library throws on hostile input is still a refusal, never a crash of a different kind.
    if (error instanceof AttestationError) throw error;
    throw new AttestationError('malformed_input', (error as Error)?.message ?? String(error));
  }
}

function verifyQuoteUnguarded({ quote, collateral, rootCaDer, rootCaFingerprint, now }: VerifyQuoteParameters): VerifyQuoteReturnType {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new AttestationError('malformed_collateral', '`now` must be a valid Date');
  const parsed = parseQuote(quote);
  const { signatureData } = parsed;
  if (bytesToHex(parsed.header.qeVendorId).slice(2) !== INTEL_QE_VENDOR_ID)
    throw new AttestationError('unsupported_quote', 'quote is not from Intel’s QE');
  const root = loadTrustedRoot({ rootCaDer, fingerprint: rootCaFingerprint, now });
  const c = parseCollateral(collateral);

  // PCK chain from the quote: leaf → PCK CA → pinned root; leaf revocation by the PCK CA's CRL.
  const [pckLeaf, pckCa] = verifyCertificateChain({
    chain: parsePemCertificates({ pem: signatureData.pckCertChainPem }),
    root,
    now,
    length: 2,
  });
  expectSubject(pckLeaf!, /CN=Intel SGX PCK Certificate(\n|$)/);
  expectSubject(pckCa!, /CN=Intel SGX PCK (Platform|Processor) CA(\n|$)/);

  // The signature chain inside the quote: PCK key → QE report → attestation key → header ‖ body.
  // Checked before the collateral: cheap, and a forged quote is refused without further work.
  verifyRawSignature({
    message: signatureData.qeReportBytes,
    signature: signatureData.qeReportSignature,
    publicKey: pckLeaf!.x509.publicKey,
    code: 'qe_report_signature_invalid',
    what: 'QE report',
  });
  const expectedQeReportData = createHash('sha256').update(signatureData.attestationKey).update(signatureData.qeAuthData).digest();
  const qeReportData = signatureData.qeReport.reportData;
  if (!expectedQeReportData.equals(qeReportData.subarray(0, 32)) || qeReportData.subarray(32).some((b) => b !== 0)) {
    throw new AttestationError('qe_report_data_mismatch', 'QE report data is not SHA-256(attestation key ‖ QE auth data) ‖ zeros');
  }
  verifyRawSignature({
    message: parsed.signedBytes,
    signature: signatureData.signature,
    publicKey: attestationPublicKey(signatureData.attestationKey),
    code: 'quote_signature_invalid',
    what: 'quote',
  });

  // Revocation of Intel's intermediates (PCK Platform/Processor CA, TCB Signing) by the root CRL.
  const rootRevoked = verifyCrl({ crlDer: Buffer.from(c.root_ca_crl, 'hex'), issuer: root, now }).revokedSerials;
  const notRevoked = (certificate: TrustedCertificate, revoked: Set<string>) => {
    if (revoked.has(certificate.serial))
      throw new AttestationError('certificate_revoked', `"${certificate.x509.subject}" (serial ${certificate.serial}) is revoked`);
  };

  notRevoked(pckCa!, rootRevoked);
  const [crlIssuer] = verifyCertificateChain({ chain: parsePemCertificates({ pem: c.pck_crl_issuer_chain }), root, now, length: 1 });
  if (!Buffer.from(crlIssuer!.der).equals(Buffer.from(pckCa!.der)))
    throw new AttestationError('crl_invalid', 'the PCK CRL is not from the CA that issued this PCK certificate');
  notRevoked(pckLeaf!, verifyCrl({ crlDer: Buffer.from(c.pck_crl, 'hex'), issuer: pckCa!, now }).revokedSerials);
  const pck = parsePckExtension({ certificateDer: pckLeaf!.der });

  // TCB info: signed by the TCB Signing certificate, current, for this platform (FMSPC, PCE-ID).
  const tcbSigner = verifySigningChain(c.tcb_info_issuer_chain, root, now, rootRevoked);
  verifyRawSignature({
    message: Buffer.from(c.tcb_info, 'utf8'),
    signature: Buffer.from(c.tcb_info_signature, 'hex'),
    publicKey: tcbSigner,
    code: 'tcb_info_invalid',
    what: 'TCB info',
  });
  const tcbInfo = parseTcbInfo(c.tcb_info);
  if (tcbInfo.id !== parsed.teeType)
    throw new AttestationError('tcb_info_mismatch', `TCB info is for ${tcbInfo.id}, the quote is ${parsed.teeType}`);
  checkIssuePeriod({ issueDate: tcbInfo.issueDate, nextUpdate: tcbInfo.nextUpdate, now, what: 'TCB info', code: 'tcb_info_invalid' });
  if (tcbInfo.fmspc !== pck.fmspc)
    throw new AttestationError('tcb_info_mismatch', `TCB info FMSPC ${tcbInfo.fmspc}, PCK certificate ${pck.fmspc}`);
  if (tcbInfo.pceId !== pck.pceId)
    throw new AttestationError('tcb_info_mismatch', `TCB info PCE-ID ${tcbInfo.pceId}, PCK certificate ${pck.pceId}`);

  // QE identity: signed the same way, current, and for the right QE kind.
  const qeSigner = verifySigningChain(c.qe_identity_issuer_chain, root, now, rootRevoked);
  verifyRawSignature({
    message: Buffer.from(c.qe_identity, 'utf8'),
    signature: Buffer.from(c.qe_identity_signature, 'hex'),
    publicKey: qeSigner,
    code: 'qe_identity_invalid',
    what: 'QE identity',
  });
  const qeIdentity = parseEnclaveIdentity(c.qe_identity);
  const expectedQe = parsed.teeType === 'TDX' ? 'TD_QE' : 'QE';
  if (qeIdentity.id !== expectedQe)
    throw new AttestationError('qe_identity_mismatch', `QE identity is for ${qeIdentity.id}, expected ${expectedQe}`);
  checkIssuePeriod({
    issueDate: qeIdentity.issueDate,
    nextUpdate: qeIdentity.nextUpdate,
    now,
    what: 'QE identity',
    code: 'qe_identity_invalid',
  });

  // TCB status: platform level from the PCK certificate's SVNs, folded with the QE (and TDX module).
  const qe = matchQeIdentity({ identity: qeIdentity, qeReport: signatureData.qeReport });
  const teeTcbSvn = parsed.teeType === 'TDX' ? parsed.body.teeTcbSvn : undefined;
  const level = matchTcbLevel({ tcbInfo, cpuSvnComponents: pck.cpuSvnComponents, pceSvn: pck.pceSvn, teeTcbSvn });
  let tcbStatus = convergeTcbStatus({ platform: level.tcbStatus, component: qe.tcbStatus });
  let tdxModuleTcbStatus: TcbStatus | undefined;
  if (parsed.teeType === 'TDX') {
    tdxModuleTcbStatus = matchTdxModule({
      tcbInfo,
      teeTcbSvn: parsed.body.teeTcbSvn,
      mrSignerSeam: parsed.body.mrSignerSeam,
      seamAttributes: parsed.body.seamAttributes,
    });
    tcbStatus = convergeTcbStatus({ platform: tcbStatus, component: tdxModuleTcbStatus });
  }
  const advisoryIds = [...new Set([...level.advisoryIds, ...qe.advisoryIds])];
  const collateralExpiresAt = [tcbInfo.nextUpdate, qeIdentity.nextUpdate].sort()[0]!;

  const common = {
    version: parsed.header.version,
    reportData: bytesToHex(parsed.body.reportData),
    tcbStatus,
    advisoryIds,
    platformTcbStatus: level.tcbStatus,
    qeTcbStatus: qe.tcbStatus,
    fmspc: pck.fmspc,
    pceId: pck.pceId,
    collateralExpiresAt,
  };
  if (parsed.teeType === 'SGX') {
    const body = parsed.body;
    return {
      teeType: 'SGX',
      measurement: bytesToHex(body.mrEnclave),
      mrsigner: bytesToHex(body.mrSigner),
      isvProdId: body.isvProdId,
      isvSvn: body.isvSvn,
      ...common,
    };
  }
  const body = parsed.body;
  return {
    teeType: 'TDX',
    measurement: bytesToHex(body.mrTd),
    tdx: {
      mrSeam: bytesToHex(body.mrSeam),
      mrSignerSeam: bytesToHex(body.mrSignerSeam),
      tdAttributes: bytesToHex(body.tdAttributes),
      xfam: bytesToHex(body.xfam),
      mrConfigId: bytesToHex(body.mrConfigId),
      mrOwner: bytesToHex(body.mrOwner),
      mrOwnerConfig: bytesToHex(body.mrOwnerConfig),
      rtmr: body.rtmr.map((r) => bytesToHex(r)),
      teeTcbSvn: bytesToHex(body.teeTcbSvn),
    },
    tdxModuleTcbStatus,
    ...common,
  };
}

/** A TCB-info / QE-identity issuer chain: one Intel SGX TCB Signing certificate under the root, not revoked. */
function verifySigningChain(pem: string, root: TrustedCertificate, now: Date, rootRevoked: Set<string>): KeyObject {
  const [signer] = verifyCertificateChain({ chain: parsePemCertificates({ pem }), root, now, length: 1 });
  expectSubject(signer!, /CN=Intel SGX TCB Signing(\n|$)/);
  if (rootRevoked.has(signer!.serial))
    throw new AttestationError('certificate_revoked', `TCB signing certificate ${signer!.serial} is revoked`);
  return signer!.x509.publicKey;
}

function expectSubject(certificate: TrustedCertificate, pattern: RegExp): void {
  if (!pattern.test(certificate.x509.subject))
    throw new AttestationError('certificate_chain_invalid', `unexpected certificate "${certificate.x509.subject}"`);
}

/** The raw X ‖ Y attestation key as a P-256 public key; a point off the curve is refused. */
function attestationPublicKey(xy: Uint8Array): KeyObject {
  try {
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(xy.subarray(0, 32)), y: b64(xy.subarray(32, 64)) }, format: 'jwk' });
  } catch {
    throw new AttestationError('quote_signature_invalid', 'attestation key is not a P-256 point');
  }
}
