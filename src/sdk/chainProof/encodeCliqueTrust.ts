import { type Address, concatHex, getAddress, type Hex, hexToBytes, keccak256, numberToHex, toHex } from 'viem';
import type { CliqueTrust } from './verifyCliqueHeader.js';

/** The stored trust's format (docs/sdk-c.md, "The stored trust"; C pythia_clique_trust_encode/decode): "PYCT", version 1. */
export const CLIQUE_TRUST_MAGIC = '0x50594354';
export const CLIQUE_TRUST_VERSION = 1;
export const CLIQUE_TRUST_MAX_VALIDATORS = 16;

export type EncodeCliqueTrustParameters = {
  /** The trust reached (askStatusProof's `trust`). */
  trust: CliqueTrust;
  chainId: number | bigint;
  /** The provisioning bundle's trust (cliqueTrustOf): the record is bound to it. */
  genesis: CliqueTrust;
};

/** keccak256(epoch as 8 bytes ‖ the genesis validators in the bundle's order): which genesis a stored trust grew from. */
export function cliqueGenesisBinding(genesis: CliqueTrust): Hex {
  return keccak256(concatHex([numberToHex(genesis.epoch, { size: 8 }), ...genesis.validators.map((v) => v.toLowerCase() as Hex)]));
}

/**
 * The trust a device reached as the fixed 96 + 20 n byte record it keeps between runs, byte for
 * byte what the C SDK's pythia_clique_trust_encode writes. Throws RangeError for a trust it could not
 * read back (0 or over 16 validators, one twice, another epoch than the genesis, a checkpoint off the epoch).
 */
export function encodeCliqueTrust(parameters: EncodeCliqueTrustParameters): Uint8Array {
  const { trust, chainId, genesis } = parameters;
  const n = trust.validators.length;
  const distinct = new Set(trust.validators.map((v) => v.toLowerCase())).size === n;
  if (n === 0 || n > CLIQUE_TRUST_MAX_VALIDATORS || !distinct) throw new RangeError('a stored trust holds 1 to 16 distinct validators');
  if (trust.epoch <= 0n || trust.epoch !== genesis.epoch || trust.checkpoint % trust.epoch !== 0n)
    throw new RangeError('a stored trust has the genesis epoch and a checkpoint that is a multiple of it');
  const body = concatHex([
    CLIQUE_TRUST_MAGIC,
    toHex(CLIQUE_TRUST_VERSION, { size: 1 }),
    toHex(n, { size: 1 }),
    '0x0000',
    numberToHex(BigInt(chainId), { size: 8 }),
    numberToHex(trust.epoch, { size: 8 }),
    numberToHex(trust.checkpoint, { size: 8 }),
    cliqueGenesisBinding(genesis),
    ...trust.validators.map((v: Address) => getAddress(v).toLowerCase() as Hex),
  ]);
  return hexToBytes(concatHex([body, keccak256(body)]));
}
