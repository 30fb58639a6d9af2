import type { Hex } from 'viem';
import { readingDigest, readingDomainSeparator, type ReadingDomain } from '../protocol/eip712.js';
import { signDigest } from '../protocol/signDigest.js';
import type { DeviceKey, SignedReading } from './types.js';

export type SignReadingParameters = {
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  domain: ReadingDomain;
  sequence: bigint | number | string;
  /** Unix seconds. */
  timestamp: bigint | number;
  payload: Hex;
};

export type SignReadingReturnType = SignedReading;

const UINT64_MAX = (1n << 64n) - 1n;
const separators = new Map<string, Uint8Array>();

/** The domain separator is the same for every reading of a deployment: compute it once. */
function domainSeparator(domain: ReadingDomain): Uint8Array {
  const cacheKey = `${domain.chainId}:${domain.verifyingContract.toLowerCase()}`;
  let separator = separators.get(cacheKey);
  if (!separator) {
    separator = readingDomainSeparator(domain);
    if (separators.size > 64) separators.clear();
    separators.set(cacheKey, separator);
  }
  return separator;
}

/** Signs a reading (EIP-712, docs/protocol.md) into the JSON object the gateway accepts. */
export function signReading({ key, domain, sequence, timestamp, payload }: SignReadingParameters): SignReadingReturnType {
  const seq = BigInt(sequence);
  const ts = BigInt(timestamp);
  if (seq < 0n || seq > UINT64_MAX) throw new RangeError('sequence must be a uint64');
  if (ts < 0n || ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('timestamp must be a non-negative safe integer');
  if (!/^0x([0-9a-fA-F]{2})*$/.test(payload)) throw new RangeError('payload must be 0x-prefixed, even-length hex');
  const digest = readingDigest(domainSeparator(domain), { device: key.deviceId, sequence: seq, timestamp: ts, payload });
  return {
    device: key.deviceId,
    sequence: seq.toString(),
    timestamp: Number(ts),
    payload,
    signature: signDigest(key.privateKey, digest),
  };
}
