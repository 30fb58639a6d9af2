import { InvalidArgumentError } from 'commander';
import { type Address, type Hex, isHex } from 'viem';
import { InvalidDidError, parseDeviceDid } from '../../chain/resolveDid.js';
import { releaseIdOf } from '../../protocol/firmwareTypedData.js';
import { parseAddress } from './addresses.js';
import { quoteInput } from '../../protocol/quoteInput.js';

/**
 * The one id grammar of the CLI:
 *
 *   counter ids    consent, feed, escrow and deletion request ids: 1, 2, ... (decimal, no
 *                  leading zeros, below 2^256)
 *   32-byte ids    policy version ids, release ids, hashes: 0x + 64 hex digits
 *   release ids    a 32-byte id, or <class>:<sequence> (1:2)
 *   device ids     an address (0x + 40 hex digits, any case), or its did:pythia DID where a command says so
 */

const UINT256_LIMIT = 1n << 256n;
const UINT64_MAX = (1n << 64n) - 1n;
const COUNTER_RE = /^[1-9]\d{0,77}$/;
const UINT_RE = /^(0|[1-9]\d{0,19})$/;

/** A positive counter id (consent, feed, escrow, deletion request). */
export function parseId(name: string, value: string): bigint {
  if (!COUNTER_RE.test(value) || BigInt(value) >= UINT256_LIMIT) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${quoteInput(value)}`);
  }
  return BigInt(value);
}

export const parseIdArg =
  (name: string) =>
  (value: string): bigint =>
    parseId(name, value);

/** A uint64 in decimal (sequences): 0 to 2^64 − 1, no leading zeros. */
export function parseUint64(name: string, value: string, { min = 0n }: { min?: bigint } = {}): bigint {
  if (!UINT_RE.test(value) || BigInt(value) > UINT64_MAX || BigInt(value) < min) {
    throw new InvalidArgumentError(`${name} must be an integer ${min}..2^64-1 in decimal, got ${quoteInput(value)}`);
  }
  return BigInt(value);
}

export const parseUint64Arg =
  (name: string, options: { min?: bigint } = {}) =>
  (value: string): bigint =>
    parseUint64(name, value, options);

/** A 32-byte id or hash (policy version ids, release ids, evidence and data hashes), lowercased. */
export function parseBytes32(name: string, value: string, { nonZero = false }: { nonZero?: boolean } = {}): Hex {
  if (!isHex(value) || value.length !== 66)
    throw new InvalidArgumentError(`${name} must be 32 bytes of hex (0x + 64 hex digits), got ${quoteInput(value)}`);
  if (nonZero && /^0x0{64}$/.test(value)) throw new InvalidArgumentError(`${name} must not be zero`);
  return value.toLowerCase() as Hex;
}

export const parseBytes32Arg =
  (name: string, options: { nonZero?: boolean } = {}) =>
  (value: string): Hex =>
    parseBytes32(name, value, options);

/** An integer in [min, max] (class ids, counts, ports). */
export function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!/^-?\d{1,16}$/.test(value)) throw new InvalidArgumentError(`${name} must be an integer, got ${quoteInput(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be between ${min} and ${max}, got ${value}`);
  return n;
}

export const parseIntegerArg =
  (name: string, min: number, max: number) =>
  (value: string): number =>
    parseInteger(name, value, min, max);

export const parseClassArg = (name = '--class') => parseIntegerArg(name, 0, 0xffff);

/** A firmware release: its 32-byte id, or <class>:<sequence> (the id is computed as the registry does). */
export function parseRelease(name: string, value: string): Hex {
  const pair = /^([^:]+):([^:]+)$/.exec(value);
  if (pair) return releaseIdOf(parseInteger(`${name} class`, pair[1]!, 0, 0xffff), parseUint64(`${name} sequence`, pair[2]!, { min: 1n }));
  if (isHex(value) && value.length === 66) return value.toLowerCase() as Hex;
  throw new InvalidArgumentError(`${name} must be a release id (0x + 64 hex digits) or <class>:<sequence> (1:2), got ${quoteInput(value)}`);
}

export const parseReleaseArg =
  (name: string) =>
  (value: string): Hex =>
    parseRelease(name, value);

/** A device by its id, or by its did:pythia DID (which may name the chain). */
export function parseDeviceOrDid(name: string, value: string): { device: Address; chainId?: number } {
  if (!value.startsWith('did:')) return { device: parseAddress(name, value) };
  try {
    return parseDeviceDid(value);
  } catch (error) {
    if (error instanceof InvalidDidError) throw new InvalidArgumentError(`${name}: ${error.message}`);
    throw error;
  }
}

export const parseDeviceOrDidArg =
  (name: string) =>
  (value: string): { device: Address; chainId?: number } =>
    parseDeviceOrDid(name, value);
