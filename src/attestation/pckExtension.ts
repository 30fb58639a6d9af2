import { X509Certificate } from 'node:crypto';
import { decodeOid, decodeSmallInteger, readDerChildren, readDerElement } from './der.js';
import { AttestationError } from './errors.js';

/** Intel SGX PCK certificate extension (Intel SGX PCK Certificate and CRL Profile). */
export const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1';
const OID_TCB = `${SGX_EXTENSION_OID}.2`;
const OID_PCEID = `${SGX_EXTENSION_OID}.3`;
const OID_FMSPC = `${SGX_EXTENSION_OID}.4`;
const OID_PCESVN = `${OID_TCB}.17`;
const OID_CPUSVN = `${OID_TCB}.18`;

export type PckExtension = {
  /** 6 bytes, hex upper-case as in Intel's TCB info. */
  fmspc: string;
  /** 2 bytes, hex upper-case. */
  pceId: string;
  pceSvn: number;
  /** The 16 SGX TCB component SVNs (TCB component 1..16). */
  cpuSvnComponents: number[];
  cpuSvn: Uint8Array;
};

const TAG_SEQUENCE = 0x30;
const TAG_OID = 0x06;
const TAG_INTEGER = 0x02;
const TAG_OCTET_STRING = 0x04;

export type ParsePckExtensionParameters = { certificateDer: Uint8Array };
export type ParsePckExtensionReturnType = PckExtension;

/** Finds and decodes the SGX extension of a PCK leaf certificate. */
export function parsePckExtension({ certificateDer }: ParsePckExtensionParameters): ParsePckExtensionReturnType {
  const extensionValue = findExtensionValue(certificateDer, SGX_EXTENSION_OID);
  if (!extensionValue) throw new AttestationError('malformed_certificate', 'PCK certificate has no Intel SGX extension');
  const entries = oidValuePairs(extensionValue);
  const tcb = entries.get(OID_TCB);
  const pceId = entries.get(OID_PCEID);
  const fmspc = entries.get(OID_FMSPC);
  if (!tcb || tcb.tag !== TAG_SEQUENCE) throw new AttestationError('malformed_certificate', 'SGX extension lacks the TCB sequence');
  if (!pceId || pceId.tag !== TAG_OCTET_STRING || pceId.value.length !== 2)
    throw new AttestationError('malformed_certificate', 'SGX extension lacks PCE-ID');
  if (!fmspc || fmspc.tag !== TAG_OCTET_STRING || fmspc.value.length !== 6)
    throw new AttestationError('malformed_certificate', 'SGX extension lacks FMSPC');
  const tcbEntries = oidValuePairs(tcb.raw);
  const cpuSvnComponents: number[] = [];
  for (let i = 1; i <= 16; i++) {
    const component = tcbEntries.get(`${OID_TCB}.${i}`);
    if (!component || component.tag !== TAG_INTEGER)
      throw new AttestationError('malformed_certificate', `SGX extension lacks TCB component ${i}`);
    cpuSvnComponents.push(decodeSmallInteger(component.value, 'malformed_certificate'));
  }
  const pceSvn = tcbEntries.get(OID_PCESVN);
  const cpuSvn = tcbEntries.get(OID_CPUSVN);
  if (!pceSvn || pceSvn.tag !== TAG_INTEGER) throw new AttestationError('malformed_certificate', 'SGX extension lacks PCESVN');
  if (!cpuSvn || cpuSvn.tag !== TAG_OCTET_STRING || cpuSvn.value.length !== 16)
    throw new AttestationError('malformed_certificate', 'SGX extension lacks CPUSVN');
  return {
    fmspc: Buffer.from(fmspc.value).toString('hex').toUpperCase(),
    pceId: Buffer.from(pceId.value).toString('hex').toUpperCase(),
    pceSvn: decodeSmallInteger(pceSvn.value, 'malformed_certificate'),
    cpuSvnComponents,
    cpuSvn: cpuSvn.value,
  };
}

/** SEQUENCE OF SEQUENCE { OID, value } → map from dotted OID to the value element. */
function oidValuePairs(sequenceDer: Uint8Array) {
  const outer = readDerElement(sequenceDer, 0, 'malformed_certificate');
  if (outer.tag !== TAG_SEQUENCE) throw new AttestationError('malformed_certificate', 'SGX extension entry is not a SEQUENCE');
  const map = new Map<string, ReturnType<typeof readDerElement>>();
  for (const pair of readDerChildren(outer.value, 'malformed_certificate')) {
    const [oid, value] = pair.tag === TAG_SEQUENCE ? readDerChildren(pair.value, 'malformed_certificate') : [];
    if (!oid || oid.tag !== TAG_OID || !value)
      throw new AttestationError('malformed_certificate', 'SGX extension entry is not { OID, value }');
    const key = decodeOid(oid.value);
    if (map.has(key)) throw new AttestationError('malformed_certificate', `SGX extension repeats ${key}`);
    map.set(key, value);
  }
  return map;
}

/**
 * The extnValue OCTET STRING content of the extension with this OID, walking
 * Certificate → TBSCertificate → [3] Extensions.
 */
function findExtensionValue(certificateDer: Uint8Array, oid: string): Uint8Array | undefined {
  // node:crypto refuses anything that is not a well-formed certificate before we walk it by hand.
  try {
    new X509Certificate(certificateDer);
  } catch {
    throw new AttestationError('malformed_certificate', 'PCK certificate does not parse');
  }
  const certificate = readDerElement(certificateDer, 0, 'malformed_certificate');
  const [tbs] = readDerChildren(certificate.value, 'malformed_certificate');
  if (!tbs) throw new AttestationError('malformed_certificate', 'certificate without TBS');
  const extensionsWrapper = readDerChildren(tbs.value, 'malformed_certificate').find((e) => e.tag === 0xa3);
  if (!extensionsWrapper) return undefined;
  const extensions = readDerElement(extensionsWrapper.value, 0, 'malformed_certificate');
  for (const extension of readDerChildren(extensions.value, 'malformed_certificate')) {
    const parts = readDerChildren(extension.value, 'malformed_certificate');
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (id?.tag === TAG_OID && decodeOid(id.value) === oid && value?.tag === TAG_OCTET_STRING) return value.value;
  }
  return undefined;
}
