import { keccak256 as keccak_256 } from './keccak.js';
import { bytesToHex, type Address, type Hex } from 'viem';

/** Buffer's hex decoder: several times faster than a JavaScript loop on the hot path. */
const hexToBytes = (hex: Hex): Uint8Array => {
  // Buffer would silently stop at the first bad digit: refuse instead of hashing something else.
  if (!/^0x(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError(`not 0x-prefixed even-length hex: ${hex.slice(0, 20)}`);
  return Buffer.from(hex.slice(2), 'hex');
};

export { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, readingTypes, type ReadingDomain } from './readingTypedData.js';
import { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, type ReadingDomain } from './readingTypedData.js';

export type Reading = {
  /** Device id: the Ethereum address of the device's secp256k1 public key. */
  device: Address;
  /** Strictly increasing per device; replay protection is keyed on (device, sequence). */
  sequence: bigint;
  /** Device clock, Unix seconds. */
  timestamp: bigint;
  /** Metric values, big-endian int16 each, in the order of the device class profile. */
  payload: Hex;
};

const encoder = new TextEncoder();
const keccak = (data: Uint8Array) => keccak_256(data);

const EIP712_DOMAIN_TYPEHASH = keccak(encoder.encode('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'));
export const READING_TYPEHASH = keccak(encoder.encode('Reading(address device,uint64 sequence,uint64 timestamp,bytes payload)'));

function word(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new RangeError('value does not fit in uint256');
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function addressWord(address: Address): Uint8Array {
  const out = new Uint8Array(32);
  out.set(hexToBytes(address), 12);
  return out;
}

/** The EIP-712 domain separator; computed once per (chain, contract) and reused on the hot path. */
export function readingDomainSeparator(domain: ReadingDomain): Uint8Array {
  return keccak(
    concat([
      EIP712_DOMAIN_TYPEHASH,
      keccak(encoder.encode(READING_DOMAIN_NAME)),
      keccak(encoder.encode(READING_DOMAIN_VERSION)),
      word(BigInt(domain.chainId)),
      addressWord(domain.verifyingContract),
    ]),
  );
}

/** hashStruct(Reading) as EIP-712 defines it. */
export function readingStructHash(reading: Reading): Uint8Array {
  return keccak(
    concat([
      READING_TYPEHASH,
      addressWord(reading.device),
      word(reading.sequence),
      word(reading.timestamp),
      keccak(hexToBytes(reading.payload)),
    ]),
  );
}

/** The 32-byte digest a device signs: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(reading)). */
export function readingDigest(domainSeparator: Uint8Array, reading: Reading): Uint8Array {
  return keccak(concat([new Uint8Array([0x19, 0x01]), domainSeparator, readingStructHash(reading)]));
}

export function readingDigestHex(domainSeparator: Uint8Array, reading: Reading): Hex {
  return bytesToHex(readingDigest(domainSeparator, reading));
}
