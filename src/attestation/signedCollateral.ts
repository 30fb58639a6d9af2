import { type KeyObject, verify } from 'node:crypto';
import { AttestationError, type AttestationErrorCode } from './errors.js';

/** Collateral as fetched from Intel's PCS (field names as in dcap-qvl's QuoteCollateralV3 JSON). */
export type QuoteCollateral = {
  pck_crl_issuer_chain: string;
  root_ca_crl: string;
  pck_crl: string;
  tcb_info_issuer_chain: string;
  tcb_info: string;
  tcb_info_signature: string;
  qe_identity_issuer_chain: string;
  qe_identity: string;
  qe_identity_signature: string;
};

const fields = [
  'pck_crl_issuer_chain',
  'root_ca_crl',
  'pck_crl',
  'tcb_info_issuer_chain',
  'tcb_info',
  'tcb_info_signature',
  'qe_identity_issuer_chain',
  'qe_identity',
  'qe_identity_signature',
] as const;
const HEX_FIELDS = new Set(['root_ca_crl', 'pck_crl', 'tcb_info_signature', 'qe_identity_signature']);

/** Validates the collateral's shape (every field a string; hex fields hex) before anything uses it. */
export function parseCollateral(value: unknown): QuoteCollateral {
  if (typeof value !== 'object' || value === null) throw new AttestationError('malformed_collateral', 'collateral must be a JSON object');
  const record = value as Record<string, unknown>;
  for (const field of fields) {
    const v = record[field];
    if (typeof v !== 'string' || v.length === 0)
      throw new AttestationError('malformed_collateral', `collateral.${field} must be a non-empty string`);
    if (HEX_FIELDS.has(field) && !/^(?:[0-9a-fA-F]{2})+$/.test(v))
      throw new AttestationError('malformed_collateral', `collateral.${field} must be hex`);
  }
  return Object.fromEntries(fields.map((f) => [f, record[f]])) as QuoteCollateral;
}

export type VerifyRawSignatureParameters = {
  message: Uint8Array;
  /** r ‖ s, 64 bytes. */
  signature: Uint8Array;
  publicKey: KeyObject;
  code: AttestationErrorCode;
  what: string;
};

/** ECDSA P-256 / SHA-256 over raw r ‖ s, the form every DCAP signature takes. */
export function verifyRawSignature({ message, signature, publicKey, code, what }: VerifyRawSignatureParameters): void {
  if (signature.length !== 64) throw new AttestationError(code, `${what}: signature must be 64 bytes`);
  if (!verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
    throw new AttestationError(code, `${what}: signature does not verify`);
  }
}

export type CheckIssuePeriodParameters = { issueDate: string; nextUpdate: string; now: Date; what: string; code: AttestationErrorCode };

export function checkIssuePeriod({ issueDate, nextUpdate, now, what, code }: CheckIssuePeriodParameters): void {
  const issued = parseIsoDate(issueDate, what, code);
  const next = parseIsoDate(nextUpdate, what, code);
  if (now < issued) throw new AttestationError('collateral_not_yet_valid', `${what} is issued ${issueDate}, after ${now.toISOString()}`);
  if (now > next) throw new AttestationError('collateral_expired', `${what} expired: next update was due ${nextUpdate}`);
}

function parseIsoDate(text: string, what: string, code: AttestationErrorCode): Date {
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new AttestationError(code, `${what}: bad date "${text}"`);
  return date;
}
