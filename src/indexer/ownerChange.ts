import { getAddress, toHex, zeroAddress } from 'viem';
import type { ChainEvent } from './decodeChainLog.js';

/** A device's new owner, from one DeviceOwnership event. */
export type OwnerChange = { device: string; owner: string };

const MAX_TOKEN_ID = 2n ** 160n;

/** DeviceOwnership's token id of a device (its address as a number), as the indexed event's args carry it: a decimal string. */
export const deviceTokenId = (device: string): string => BigInt(device).toString();

/**
 * The owner a DeviceOwnership event gives a device, or undefined for any other event. Registration
 * mints the token (ERC-721 Transfer from address 0, in the registration's transaction after the
 * fleet's DeviceRegistered): the first owner. A completed transfer emits OwnershipTransferred (its
 * ERC-721 Transfer beside it says the same, so only the former is read).
 */
export function ownerChangeOf(event: ChainEvent): OwnerChange | undefined {
  if (event.contract !== 'deviceOwnership') return undefined;
  const a = event.args;
  if (event.name === 'OwnershipTransferred' && typeof a.device === 'string' && typeof a.newOwner === 'string') {
    return { device: a.device, owner: a.newOwner };
  }
  if (event.name === 'Transfer' && a.from === zeroAddress && typeof a.to === 'string' && typeof a.tokenId === 'string') {
    if (!/^\d{1,49}$/.test(a.tokenId)) return undefined;
    const tokenId = BigInt(a.tokenId);
    if (tokenId >= MAX_TOKEN_ID) return undefined;
    return { device: getAddress(toHex(tokenId, { size: 20 })), owner: a.to };
  }
  return undefined;
}
