import { AttestationError, type AttestationErrorCode } from './errors.js';

/**
 * A minimal, bounds-checked DER TLV walker. X.509 structures themselves are decoded by
 * node:crypto and @peculiar/asn1-x509; this only serves what those do not expose: the raw
 * to-be-signed bytes of a CRL and the Intel SGX extension's nested OID → value sequence.
 */
export type DerElement = {
  tag: number;
  /** The whole element, header included. */
  raw: Uint8Array;
  value: Uint8Array;
};

export function readDerElement(bytes: Uint8Array, offset: number, code: AttestationErrorCode): DerElement {
  const fail = (why: string): never => {
    throw new AttestationError(code, `bad DER at offset ${offset}: ${why}`);
  };
  if (offset + 2 > bytes.length) fail('truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) fail('multi-byte tags are not used here');
  let length = bytes[offset + 1]!;
  let headerLength = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3) fail('indefinite or oversized length');
    if (offset + 2 + count > bytes.length) fail('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    headerLength += count;
  }
  const end = offset + headerLength + length;
  if (end > bytes.length) fail(`length ${length} runs past the end`);
  return { tag, raw: bytes.subarray(offset, end), value: bytes.subarray(offset + headerLength, end) };
}

/** The children of a constructed element (SEQUENCE / SET), which must fill it exactly. */
export function readDerChildren(value: Uint8Array, code: AttestationErrorCode): DerElement[] {
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < value.length) {
    const child = readDerElement(value, offset, code);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}

/** Dotted text of an OBJECT IDENTIFIER's content octets. */
export function decodeOid(value: Uint8Array): string {
  const arcs: number[] = [];
  let current = 0;
  for (const byte of value) {
    current = current * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(current);
      current = 0;
    }
  }
  const first = arcs.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** Unsigned value of a small non-negative INTEGER's content octets. */
export function decodeSmallInteger(value: Uint8Array, code: AttestationErrorCode): number {
  if (value.length === 0 || value.length > 4 || (value[0]! & 0x80) !== 0) throw new AttestationError(code, 'integer out of range');
  return value.reduce((n, b) => n * 256 + b, 0);
}
