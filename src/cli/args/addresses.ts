import { InvalidArgumentError } from 'commander';
import { getAddress, isAddress, parseEther, type Address } from 'viem';
import { quoteInput } from '../../protocol/quoteInput.js';

/**
 * Addresses and amounts:
 *
 *   address   0x + 40 hex digits, any letter case (a device id is an address too); printed in
 *             EIP-55 case. `nonZero` refuses the zero address.
 *   amount    ether in decimal, at most 18 decimals: 1, 0.05, 1.5; above zero.
 */

export function parseAddress(name: string, value: string, { nonZero = false }: { nonZero?: boolean } = {}): Address {
  if (!isAddress(value, { strict: false })) {
    throw new InvalidArgumentError(`${name} is not a device id / address (0x + 40 hex digits): ${quoteInput(value)}`);
  }
  if (nonZero && BigInt(value) === 0n) throw new InvalidArgumentError(`${name} may not be the zero address`);
  return getAddress(value);
}

export const parseAddressArg =
  (name: string, options: { nonZero?: boolean } = {}) =>
  (value: string): Address =>
    parseAddress(name, value, options);

export type ParseAmountOptions = {
  /** The largest amount, in wei. */
  max?: bigint;
  /** Why zero is refused, for the message (default "must be above 0"). */
  zeroReason?: string;
};

/** An amount of ether, in wei. */
export function parseAmount(name: string, value: string, { max, zeroReason = 'must be above 0' }: ParseAmountOptions = {}): bigint {
  if (!/^\d{1,59}(\.\d{1,18})?$/.test(value)) {
    throw new InvalidArgumentError(`${name} must be an amount in ether, e.g. 0.05, got ${quoteInput(value)}`);
  }
  const wei = parseEther(value);
  if (wei === 0n) throw new InvalidArgumentError(`${name} ${zeroReason}`);
  if (max !== undefined && wei > max) throw new InvalidArgumentError(`${name} must be at most ${max} wei, got ${quoteInput(value)}`);
  return wei;
}

export const parseAmountArg =
  (name: string, options: ParseAmountOptions = {}) =>
  (value: string): bigint =>
    parseAmount(name, value, options);
