import { bytesToHex, getAddress, keccak256 } from 'viem';
import { CLIQUE_TRUST_MAGIC, CLIQUE_TRUST_MAX_VALIDATORS, CLIQUE_TRUST_VERSION, cliqueGenesisBinding } from './encodeCliqueTrust.js';
import { ChainProofError } from './errors.js';
import type { CliqueTrust } from './verifyCliqueHeader.js';

export type DecodeCliqueTrustParameters = {
  /** The stored record (encodeCliqueTrust, or the C SDK's pythia_clique_trust_encode). */
  bytes: Uint8Array;
  chainId: number | bigint;
  /** The provisioning bundle's trust: a record grown from another genesis is foreign. */
  genesis: CliqueTrust;
};

const u64 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0);

/**
 * A stored trust read back and checked, in the C SDK's order and words: trust_truncated,
 * trust_unknown_format, trust_invalid (validator count), trust_corrupted (checksum), trust_foreign
 * (chain id, epoch, genesis), trust_invalid (a validator twice, a checkpoint off the epoch or before the genesis).
 * A device that gets a ChainProofError here starts again from its bundle's genesis trust.
 */
export function decodeCliqueTrust(parameters: DecodeCliqueTrustParameters): CliqueTrust {
  const { bytes, genesis } = parameters;
  if (bytes.length < 8) throw new ChainProofError('trust_truncated', `${bytes.length} bytes`);
  if (bytesToHex(bytes.subarray(0, 4)) !== CLIQUE_TRUST_MAGIC || bytes[4] !== CLIQUE_TRUST_VERSION || bytes[6] !== 0 || bytes[7] !== 0)
    throw new ChainProofError('trust_unknown_format', 'not a version 1 stored trust (PYCT)');
  const n = bytes[5]!;
  if (n === 0 || n > CLIQUE_TRUST_MAX_VALIDATORS) throw new ChainProofError('trust_invalid', `${n} validators`);
  if (bytes.length !== 96 + 20 * n) throw new ChainProofError('trust_truncated', `${bytes.length} bytes for ${n} validators`);
  if (keccak256(bytes.subarray(0, bytes.length - 32)) !== bytesToHex(bytes.subarray(bytes.length - 32)))
    throw new ChainProofError('trust_corrupted', 'the checksum does not match');
  const epoch = u64(bytes, 16);
  const checkpoint = u64(bytes, 24);
  if (
    u64(bytes, 8) !== BigInt(parameters.chainId) ||
    epoch !== genesis.epoch ||
    bytesToHex(bytes.subarray(32, 64)) !== cliqueGenesisBinding(genesis)
  )
    throw new ChainProofError('trust_foreign', 'stored for another chain, epoch or genesis set');
  const validators = Array.from({ length: n }, (_, i) => getAddress(bytesToHex(bytes.subarray(64 + 20 * i, 84 + 20 * i))));
  if (new Set(validators).size !== n || epoch === 0n || checkpoint % epoch !== 0n || checkpoint < genesis.checkpoint)
    throw new ChainProofError('trust_invalid', 'a validator twice, or a checkpoint off the epoch');
  return { validators, checkpoint, epoch };
}
