import { InvalidArgumentError } from 'commander';
import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem';

/** Argument parsers for commander: each rejects bad input with a reason, before any work. */
export function parseAddressArg(value: string): Address {
  if (!isAddress(value, { strict: false })) throw new InvalidArgumentError(`not a device id / address (0x + 40 hex digits): ${value}`);
  return getAddress(value);
}

export function parseIntegerArg(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be between ${min} and ${max}, got ${value}`);
    return n;
  };
}

export function parsePublicKeyArg(value: string): Hex {
  const hex = value.startsWith('0x') ? value : `0x${value}`;
  if (!isHex(hex) || (hex.length !== 130 && !(hex.length === 132 && hex.startsWith('0x04')))) {
    throw new InvalidArgumentError('public key must be 64 bytes (X ‖ Y) or 65 bytes uncompressed (04 ‖ X ‖ Y), hex');
  }
  return hex.length === 132 ? `0x${hex.slice(4)}` : (hex as Hex);
}

export function parseUrlArg(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`URL must be http or https: ${value}`);
  return value.replace(/\/$/, '');
}
