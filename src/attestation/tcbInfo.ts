import { bytesToHex } from 'viem';
import { AttestationError } from './errors.js';
import { isTcbStatus, type TcbStatus } from './tcbStatus.js';

/** Intel PCS TCB Info, versions 2 (SGX) and 3 (SGX and TDX). Only the fields we check are typed. */
export type TcbLevel = {
  sgxComponents: number[];
  pceSvn: number;
  tdxComponents?: number[];
  tcbStatus: TcbStatus;
  advisoryIds: string[];
};

export type TdxModuleIdentity = {
  id: string;
  mrSigner: string;
  attributes: string;
  attributesMask: string;
  tcbLevels: { isvSvn: number; tcbStatus: TcbStatus }[];
};

export type TcbInfo = {
  id: 'SGX' | 'TDX';
  version: number;
  issueDate: string;
  nextUpdate: string;
  fmspc: string;
  pceId: string;
  tcbLevels: TcbLevel[];
  tdxModule?: { mrSigner: string; attributes: string; attributesMask: string };
  tdxModuleIdentities: TdxModuleIdentity[];
};

const fail = (why: string): never => {
  throw new AttestationError('tcb_info_invalid', why);
};
const obj = (v: unknown, what: string) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${what} must be an object`);
const arr = (v: unknown, what: string) => (Array.isArray(v) ? (v as unknown[]) : fail(`${what} must be an array`));
const str = (v: unknown, what: string) => (typeof v === 'string' ? v : fail(`${what} must be a string`));
const hex = (v: unknown, what: string, bytes: number) =>
  typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-fA-F]*$/.test(v)
    ? v.toUpperCase()
    : fail(`${what} must be ${bytes} bytes of hex`);
const int = (v: unknown, what: string) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(`${what} must be a non-negative integer`);
const status = (v: unknown, what: string) => (isTcbStatus(v) ? v : fail(`${what}: unknown TCB status ${String(v)}`));
const svns = (v: unknown, what: string) => {
  const list = arr(v, what).map((c, i) => int(obj(c, `${what}[${i}]`).svn, `${what}[${i}].svn`));
  return list.length === 16 ? list : fail(`${what} must have 16 components`);
};

/** Parses the signed TCB info JSON text (after its signature is checked). */
export function parseTcbInfo(text: string): TcbInfo {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail('TCB info is not JSON');
  }
  const o = obj(json, 'TCB info');
  const rawId = o.id === undefined ? 'SGX' : o.id; // v2 has no id; it is SGX only
  const id = rawId === 'SGX' || rawId === 'TDX' ? rawId : fail(`TCB info id ${String(rawId)}`);
  const version = int(o.version, 'version');
  if (version !== 2 && version !== 3) fail(`TCB info version ${version} (supported: 2, 3)`);
  if (o.tcbType !== undefined && o.tcbType !== 0) fail(`tcbType ${String(o.tcbType)} (supported: 0)`);
  const tcbLevels = arr(o.tcbLevels, 'tcbLevels').map((l, i): TcbLevel => {
    const level = obj(l, `tcbLevels[${i}]`);
    const tcb = obj(level.tcb, `tcbLevels[${i}].tcb`);
    const sgxComponents =
      version === 3
        ? svns(tcb.sgxtcbcomponents, 'sgxtcbcomponents')
        : Array.from({ length: 16 }, (_, k) => int(tcb[`sgxtcbcomp${String(k + 1).padStart(2, '0')}svn`], `sgxtcbcomp${k + 1}svn`));
    return {
      sgxComponents,
      pceSvn: int(tcb.pcesvn, 'pcesvn'),
      tdxComponents: tcb.tdxtcbcomponents === undefined ? undefined : svns(tcb.tdxtcbcomponents, 'tdxtcbcomponents'),
      tcbStatus: status(level.tcbStatus, `tcbLevels[${i}].tcbStatus`),
      advisoryIds: level.advisoryIDs === undefined ? [] : arr(level.advisoryIDs, 'advisoryIDs').map((a) => str(a, 'advisory id')),
    };
  });
  const module = o.tdxModule === undefined ? undefined : obj(o.tdxModule, 'tdxModule');
  return {
    id,
    version,
    issueDate: str(o.issueDate, 'issueDate'),
    nextUpdate: str(o.nextUpdate, 'nextUpdate'),
    fmspc: hex(o.fmspc, 'fmspc', 6),
    pceId: hex(o.pceId, 'pceId', 2),
    tcbLevels,
    tdxModule: module && {
      mrSigner: hex(module.mrsigner, 'tdxModule.mrsigner', 48),
      attributes: hex(module.attributes, 'tdxModule.attributes', 8),
      attributesMask: hex(module.attributesMask, 'tdxModule.attributesMask', 8),
    },
    tdxModuleIdentities: (o.tdxModuleIdentities === undefined ? [] : arr(o.tdxModuleIdentities, 'tdxModuleIdentities')).map((m, i) => {
      const identity = obj(m, `tdxModuleIdentities[${i}]`);
      return {
        id: str(identity.id, 'tdxModuleIdentities.id'),
        mrSigner: hex(identity.mrsigner, 'tdxModuleIdentities.mrsigner', 48),
        attributes: hex(identity.attributes, 'tdxModuleIdentities.attributes', 8),
        attributesMask: hex(identity.attributesMask, 'tdxModuleIdentities.attributesMask', 8),
        tcbLevels: arr(identity.tcbLevels, 'tdxModuleIdentities.tcbLevels').map((l) => {
          const level = obj(l, 'tdx module tcb level');
          return { isvSvn: int(obj(level.tcb, 'tcb').isvsvn, 'isvsvn'), tcbStatus: status(level.tcbStatus, 'tdx module tcbStatus') };
        }),
      };
    }),
  };
}

export type MatchTcbLevelParameters = {
  tcbInfo: TcbInfo;
  cpuSvnComponents: number[];
  pceSvn: number;
  /** TDX only: TEE_TCB_SVN from the TD report. */
  teeTcbSvn?: Uint8Array;
};

/**
 * The first TCB level (Intel lists them newest first) that the platform meets: every SGX
 * component SVN ≥ the level's, PCESVN ≥ the level's and, for TDX, every TEE_TCB_SVN byte ≥ the
 * level's tdxtcbcomponents. When TEE_TCB_SVN[1] (the TDX module's major version) is non-zero,
 * bytes 0 and 1 are judged by the TDX module identity instead and are skipped here (Intel QvL
 * TcbLevelCheck). No match means the platform is below every known level: refused.
 */
export function matchTcbLevel({ tcbInfo, cpuSvnComponents, pceSvn, teeTcbSvn }: MatchTcbLevelParameters): TcbLevel {
  const skip = teeTcbSvn && teeTcbSvn[1]! > 0 ? 2 : 0;
  const level = tcbInfo.tcbLevels.find((l) => {
    if (!l.sgxComponents.every((svn, i) => (cpuSvnComponents[i] ?? -1) >= svn) || pceSvn < l.pceSvn) return false;
    if (!teeTcbSvn) return true;
    if (!l.tdxComponents) return false;
    return l.tdxComponents.every((svn, i) => i < skip || (teeTcbSvn[i] ?? -1) >= svn);
  });
  if (!level) throw new AttestationError('tcb_not_supported', 'the platform TCB is below every level in the TCB info');
  return level;
}

export type MatchTdxModuleParameters = { tcbInfo: TcbInfo; teeTcbSvn: Uint8Array; mrSignerSeam: Uint8Array; seamAttributes: Uint8Array };

/** The TDX module's TCB status (Intel QvL TdxModuleCheck), from tdxModule / tdxModuleIdentities. */
export function matchTdxModule({ tcbInfo, teeTcbSvn, mrSignerSeam, seamAttributes }: MatchTdxModuleParameters): TcbStatus {
  const version = teeTcbSvn[1]!;
  const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
  const masked = (value: string, mask: string) => {
    const m = Buffer.from(mask, 'hex');
    return bytesToHex(Buffer.from(value, 'hex').map((b, i) => b & m[i]!));
  };
  const checkIdentity = (identity: { mrSigner: string; attributes: string; attributesMask: string }) => {
    if (identity.mrSigner !== hexOf(mrSignerSeam))
      throw new AttestationError('tcb_info_mismatch', 'MRSIGNERSEAM does not match the TDX module identity');
    if (masked(hexOf(seamAttributes), identity.attributesMask) !== masked(identity.attributes, identity.attributesMask)) {
      throw new AttestationError('tcb_info_mismatch', 'SEAM attributes do not match the TDX module identity');
    }
  };
  if (version === 0) {
    if (!tcbInfo.tdxModule) throw new AttestationError('tcb_info_invalid', 'TDX TCB info lacks tdxModule');
    checkIdentity(tcbInfo.tdxModule);
    return 'UpToDate';
  }
  const id = `TDX_${version.toString(16).padStart(2, '0').toUpperCase()}`;
  const identity = tcbInfo.tdxModuleIdentities.find((m) => m.id.toUpperCase() === id);
  if (!identity) throw new AttestationError('tcb_not_supported', `TCB info has no identity for TDX module ${id}`);
  checkIdentity(identity);
  const level = identity.tcbLevels.find((l) => teeTcbSvn[0]! >= l.isvSvn);
  if (!level) throw new AttestationError('tcb_not_supported', `TDX module ${id} SVN ${teeTcbSvn[0]} is below every level`);
  return level.tcbStatus;
}
