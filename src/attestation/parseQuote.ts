import { createByteReader, type ByteReader } from './byteReader.js';
import { AttestationError } from './errors.js';

/**
 * Intel DCAP ECDSA quotes, per the Intel SGX ECDSA Quote Library API (quote v3, SGX) and the
 * Intel TDX DCAP Quoting Library API (quote v4, TDX). All integers are little-endian.
 */
export const TEE_TYPE_SGX = 0x00000000;
export const TEE_TYPE_TDX = 0x00000081;
/** Attestation key type 2: ECDSA-256-with-P-256 curve, the only one Intel's QE produces. */
export const ATTESTATION_KEY_TYPE_ECDSA_P256 = 2;
export const CERTIFICATION_DATA_PCK_CHAIN = 5;
export const CERTIFICATION_DATA_QE_REPORT = 6;

export const QUOTE_HEADER_SIZE = 48;
export const SGX_REPORT_BODY_SIZE = 384;
export const TDX_REPORT_BODY_SIZE = 584;
/** Sanity bound on the whole quote: Intel quotes are a few KiB; refuse megabyte blobs outright. */
export const MAX_QUOTE_SIZE = 64 * 1024;

export type QuoteHeader = {
  version: 3 | 4;
  attestationKeyType: number;
  teeType: number;
  /** v3 only (reserved in v4). */
  qeSvn: number;
  pceSvn: number;
  qeVendorId: Uint8Array;
  userData: Uint8Array;
};

/** SGX REPORT body (sgx_report_body_t), used for the enclave and for the QE's own report. */
export type SgxReportBody = {
  cpuSvn: Uint8Array;
  miscSelect: number;
  attributes: Uint8Array;
  mrEnclave: Uint8Array;
  mrSigner: Uint8Array;
  isvProdId: number;
  isvSvn: number;
  reportData: Uint8Array;
};

/** TD 1.0 report body (sgx_report2_body_t / TD10). */
export type TdxReportBody = {
  teeTcbSvn: Uint8Array;
  mrSeam: Uint8Array;
  mrSignerSeam: Uint8Array;
  seamAttributes: Uint8Array;
  tdAttributes: Uint8Array;
  xfam: Uint8Array;
  mrTd: Uint8Array;
  mrConfigId: Uint8Array;
  mrOwner: Uint8Array;
  mrOwnerConfig: Uint8Array;
  rtmr: [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  reportData: Uint8Array;
};

export type QuoteSignatureData = {
  /** ECDSA P-256 signature r ‖ s over header ‖ body, by the attestation key. */
  signature: Uint8Array;
  /** Raw X ‖ Y of the P-256 attestation key. */
  attestationKey: Uint8Array;
  qeReport: SgxReportBody;
  /** The 384 signed bytes of the QE report, as they appear in the quote. */
  qeReportBytes: Uint8Array;
  /** r ‖ s by the PCK leaf key over qeReportBytes. */
  qeReportSignature: Uint8Array;
  qeAuthData: Uint8Array;
  /** Certification data type 5: the PCK certificate chain, PEM text. */
  pckCertChainPem: string;
};

export type ParsedQuote =
  | {
      header: QuoteHeader & { teeType: typeof TEE_TYPE_SGX };
      teeType: 'SGX';
      body: SgxReportBody;
      signedBytes: Uint8Array;
      signatureData: QuoteSignatureData;
    }
  | {
      header: QuoteHeader & { teeType: typeof TEE_TYPE_TDX };
      teeType: 'TDX';
      body: TdxReportBody;
      signedBytes: Uint8Array;
      signatureData: QuoteSignatureData;
    };

export type ParseQuoteParameters = Uint8Array;
export type ParseQuoteReturnType = ParsedQuote;

/** Parses a v3 (SGX) or v4 (TDX) quote; throws AttestationError on any structural problem. */
export function parseQuote(bytes: ParseQuoteParameters): ParseQuoteReturnType {
  if (!(bytes instanceof Uint8Array)) throw new AttestationError('malformed_quote', 'quote must be bytes');
  if (bytes.length > MAX_QUOTE_SIZE)
    throw new AttestationError('malformed_quote', `quote is ${bytes.length} bytes, more than ${MAX_QUOTE_SIZE}`);
  const reader = createByteReader(bytes);
  const header = parseHeader(reader);
  const bodySize = header.teeType === TEE_TYPE_TDX ? TDX_REPORT_BODY_SIZE : SGX_REPORT_BODY_SIZE;
  const bodyBytes = reader.bytes(bodySize, 'report body');
  const signedBytes = bytes.subarray(0, QUOTE_HEADER_SIZE + bodySize);
  const signatureDataLength = reader.u32('signature data length');
  const signatureReader = createByteReader(reader.bytes(signatureDataLength, 'signature data'));
  const signatureData = header.version === 3 ? parseSignatureDataV3(signatureReader) : parseSignatureDataV4(signatureReader);
  if (signatureReader.remaining !== 0)
    throw new AttestationError('malformed_quote', `${signatureReader.remaining} unparsed bytes in the signature data`);
  // TDX quotes read from a fixed-size buffer (e.g. Linux configfs-tsm) arrive zero-padded; the
  // padding is unsigned, so accept zeros only, and nothing else.
  if (reader.bytes(reader.remaining, 'padding').some((b) => b !== 0))
    throw new AttestationError('malformed_quote', 'non-zero bytes after the signature data');
  if (header.teeType === TEE_TYPE_TDX) {
    return {
      header: { ...header, teeType: TEE_TYPE_TDX },
      teeType: 'TDX',
      body: parseTdxReportBody(bodyBytes),
      signedBytes,
      signatureData,
    };
  }
  return { header: { ...header, teeType: TEE_TYPE_SGX }, teeType: 'SGX', body: parseSgxReportBody(bodyBytes), signedBytes, signatureData };
}

function parseHeader(reader: ByteReader): QuoteHeader {
  const version = reader.u16('header.version');
  const attestationKeyType = reader.u16('header.attestationKeyType');
  const teeType = reader.u32('header.teeType');
  const qeSvn = reader.u16('header.qeSvn');
  const pceSvn = reader.u16('header.pceSvn');
  const qeVendorId = reader.bytes(16, 'header.qeVendorId');
  const userData = reader.bytes(20, 'header.userData');
  // v3 carries only SGX quotes; v4 carries TDX (and, rarely, SGX). v5+ use a different body layout.
  if (version !== 3 && version !== 4)
    throw new AttestationError('unsupported_quote', `quote version ${version} (supported: 3 for SGX, 4 for TDX)`);
  if (version === 3 && teeType !== TEE_TYPE_SGX)
    throw new AttestationError('unsupported_quote', `v3 quote with TEE type 0x${teeType.toString(16)}`);
  if (teeType !== TEE_TYPE_SGX && teeType !== TEE_TYPE_TDX)
    throw new AttestationError('unsupported_quote', `TEE type 0x${teeType.toString(16)}`);
  if (attestationKeyType !== ATTESTATION_KEY_TYPE_ECDSA_P256) {
    throw new AttestationError('unsupported_quote', `attestation key type ${attestationKeyType} (supported: 2, ECDSA P-256)`);
  }
  return { version, attestationKeyType, teeType, qeSvn, pceSvn, qeVendorId, userData };
}

export function parseSgxReportBody(bytes: Uint8Array): SgxReportBody {
  const r = createByteReader(bytes);
  const cpuSvn = r.bytes(16, 'report.cpuSvn');
  const miscSelect = r.u32('report.miscSelect');
  r.bytes(28, 'report.reserved1');
  const attributes = r.bytes(16, 'report.attributes');
  const mrEnclave = r.bytes(32, 'report.mrEnclave');
  r.bytes(32, 'report.reserved2');
  const mrSigner = r.bytes(32, 'report.mrSigner');
  r.bytes(96, 'report.reserved3');
  const isvProdId = r.u16('report.isvProdId');
  const isvSvn = r.u16('report.isvSvn');
  r.bytes(60, 'report.reserved4');
  const reportData = r.bytes(64, 'report.reportData');
  return { cpuSvn, miscSelect, attributes, mrEnclave, mrSigner, isvProdId, isvSvn, reportData };
}

function parseTdxReportBody(bytes: Uint8Array): TdxReportBody {
  const r = createByteReader(bytes);
  return {
    teeTcbSvn: r.bytes(16, 'td.teeTcbSvn'),
    mrSeam: r.bytes(48, 'td.mrSeam'),
    mrSignerSeam: r.bytes(48, 'td.mrSignerSeam'),
    seamAttributes: r.bytes(8, 'td.seamAttributes'),
    tdAttributes: r.bytes(8, 'td.tdAttributes'),
    xfam: r.bytes(8, 'td.xfam'),
    mrTd: r.bytes(48, 'td.mrTd'),
    mrConfigId: r.bytes(48, 'td.mrConfigId'),
    mrOwner: r.bytes(48, 'td.mrOwner'),
    mrOwnerConfig: r.bytes(48, 'td.mrOwnerConfig'),
    rtmr: [r.bytes(48, 'td.rtmr0'), r.bytes(48, 'td.rtmr1'), r.bytes(48, 'td.rtmr2'), r.bytes(48, 'td.rtmr3')],
    reportData: r.bytes(64, 'td.reportData'),
  };
}

function parseSignatureDataV3(reader: ByteReader): QuoteSignatureData {
  const signature = reader.bytes(64, 'quote signature');
  const attestationKey = reader.bytes(64, 'attestation key');
  return { signature, attestationKey, ...parseQeReportCertificationData(reader) };
}

function parseSignatureDataV4(reader: ByteReader): QuoteSignatureData {
  const signature = reader.bytes(64, 'quote signature');
  const attestationKey = reader.bytes(64, 'attestation key');
  const type = reader.u16('certification data type');
  const size = reader.u32('certification data size');
  if (type !== CERTIFICATION_DATA_QE_REPORT)
    throw new AttestationError('unsupported_quote', `v4 certification data type ${type} (expected 6, QE report)`);
  const inner = createByteReader(reader.bytes(size, 'QE report certification data'));
  const nested = parseQeReportCertificationData(inner);
  if (inner.remaining !== 0)
    throw new AttestationError('malformed_quote', `${inner.remaining} trailing bytes in the QE report certification data`);
  return { signature, attestationKey, ...nested };
}

function parseQeReportCertificationData(reader: ByteReader) {
  const qeReportBytes = reader.bytes(SGX_REPORT_BODY_SIZE, 'QE report');
  const qeReportSignature = reader.bytes(64, 'QE report signature');
  const qeAuthData = reader.bytes(reader.u16('QE auth data size'), 'QE auth data');
  const type = reader.u16('certification data type');
  const size = reader.u32('certification data size');
  if (type !== CERTIFICATION_DATA_PCK_CHAIN) {
    throw new AttestationError('unsupported_quote', `certification data type ${type} (supported: 5, PCK certificate chain)`);
  }
  const chain = reader.bytes(size, 'PCK certificate chain');
  return {
    qeReport: parseSgxReportBody(qeReportBytes),
    qeReportBytes,
    qeReportSignature,
    qeAuthData,
    pckCertChainPem: decodeChainText(chain),
  };
}

function decodeChainText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AttestationError('malformed_quote', 'PCK certificate chain is not text');
  }
}
