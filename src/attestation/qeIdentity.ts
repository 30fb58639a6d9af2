import { AttestationError } from './errors.js';
import type { SgxReportBody } from './parseQuote.js';
import { isTcbStatus, type TcbStatus } from './tcbStatus.js';

/** Intel PCS Enclave Identity v2 (QE for SGX, TD_QE for TDX). */
export type EnclaveIdentity = {
  id: 'QE' | 'TD_QE' | 'QVE';
  issueDate: string;
  nextUpdate: string;
  miscSelect: number;
  miscSelectMask: number;
  attributes: Uint8Array;
  attributesMask: Uint8Array;
  mrSigner: string;
  isvProdId: number;
  tcbLevels: { isvSvn: number; tcbStatus: TcbStatus; advisoryIds: string[] }[];
};

const fail = (why: string): never => {
  throw new AttestationError('qe_identity_invalid', why);
};
const hex = (v: unknown, what: string, bytes: number) =>
  typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-fA-F]*$/.test(v)
    ? Buffer.from(v, 'hex')
    : fail(`${what} must be ${bytes} bytes of hex`);
const int = (v: unknown, what: string) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(`${what} must be a non-negative integer`);
const obj = (v: unknown, what: string) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${what} must be an object`);

export function parseEnclaveIdentity(text: string): EnclaveIdentity {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail('QE identity is not JSON');
  }
  const o = obj(json, 'QE identity');
  if (o.id !== 'QE' && o.id !== 'TD_QE' && o.id !== 'QVE') fail(`enclave identity id ${String(o.id)}`);
  if (o.version !== 2) fail(`enclave identity version ${String(o.version)} (supported: 2)`);
  if (typeof o.issueDate !== 'string' || typeof o.nextUpdate !== 'string') fail('issueDate / nextUpdate missing');
  if (!Array.isArray(o.tcbLevels)) fail('tcbLevels must be an array');
  return {
    id: o.id as EnclaveIdentity['id'],
    issueDate: o.issueDate as string,
    nextUpdate: o.nextUpdate as string,
    miscSelect: hex(o.miscselect, 'miscselect', 4).readUInt32BE(0),
    miscSelectMask: hex(o.miscselectMask, 'miscselectMask', 4).readUInt32BE(0),
    attributes: hex(o.attributes, 'attributes', 16),
    attributesMask: hex(o.attributesMask, 'attributesMask', 16),
    mrSigner: hex(o.mrsigner, 'mrsigner', 32).toString('hex'),
    isvProdId: int(o.isvprodid, 'isvprodid'),
    tcbLevels: (o.tcbLevels as unknown[]).map((l, i) => {
      const level = obj(l, `tcbLevels[${i}]`);
      const status = level.tcbStatus;
      if (!isTcbStatus(status)) fail(`tcbLevels[${i}]: unknown status ${String(status)}`);
      const advisories = level.advisoryIDs ?? [];
      if (!Array.isArray(advisories) || !advisories.every((a) => typeof a === 'string')) fail('advisoryIDs must be strings');
      return { isvSvn: int(obj(level.tcb, 'tcb').isvsvn, 'isvsvn'), tcbStatus: status as TcbStatus, advisoryIds: advisories as string[] };
    }),
  };
}

export type MatchQeIdentityParameters = { identity: EnclaveIdentity; qeReport: SgxReportBody };
export type MatchQeIdentityReturnType = { tcbStatus: TcbStatus; advisoryIds: string[] };

/**
 * The QE report must come from the enclave Intel describes: same MRSIGNER and ISVPRODID,
 * MISCSELECT and ATTRIBUTES equal under the masks; its ISVSVN picks the first (highest) level it
 * meets, which gives the QE's TCB status (Intel QvL EnclaveIdentityV2::getTcbStatus).
 */
export function matchQeIdentity({ identity, qeReport }: MatchQeIdentityParameters): MatchQeIdentityReturnType {
  const mismatch = (why: string): never => {
    throw new AttestationError('qe_identity_mismatch', why);
  };
  // Masked MISCSELECT: the QE's value in the report is little-endian; the JSON is big-endian hex of the same 32-bit value.
  if ((qeReport.miscSelect & identity.miscSelectMask) >>> 0 !== (identity.miscSelect & identity.miscSelectMask) >>> 0)
    mismatch('MISCSELECT');
  for (let i = 0; i < 16; i++) {
    if ((qeReport.attributes[i]! & identity.attributesMask[i]!) !== (identity.attributes[i]! & identity.attributesMask[i]!))
      mismatch('ATTRIBUTES');
  }
  if (Buffer.from(qeReport.mrSigner).toString('hex') !== identity.mrSigner) mismatch('MRSIGNER of the QE is not Intel’s');
  if (qeReport.isvProdId !== identity.isvProdId) mismatch(`ISVPRODID ${qeReport.isvProdId}, expected ${identity.isvProdId}`);
  const level = identity.tcbLevels.find((l) => qeReport.isvSvn >= l.isvSvn);
  if (!level) throw new AttestationError('tcb_not_supported', `QE ISVSVN ${qeReport.isvSvn} is below every level`);
  return { tcbStatus: level.tcbStatus, advisoryIds: level.advisoryIds };
}
