import { bytesToBigInt, bytesToHex, fromRlp, hexToBytes, keccak256, toRlp, type Address, type Hex } from 'viem';
import { ChainProofError } from './errors.js';

/** Clique's extra-data: 32 vanity bytes, then (at checkpoints) the signers, then a 65-byte seal. */
export const CLIQUE_VANITY = 32;
export const CLIQUE_SEAL = 65;
/** keccak256(rlp([])): a Clique header has no uncles. */
export const EMPTY_UNCLE_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';

/**
 * Byte length of each header field, in order (null: a big-endian integer of at most this many
 * bytes). The first 15 are every header's; the 16th is London's base fee. Later forks' fields are
 * refused: geth 1.13's Clique does not run past London.
 */
const FIELDS: ReadonlyArray<readonly [string, number | null, number]> = [
  ['parentHash', 32, 32],
  ['uncleHash', 32, 32],
  ['coinbase', 20, 20],
  ['stateRoot', 32, 32],
  ['transactionsRoot', 32, 32],
  ['receiptsRoot', 32, 32],
  ['logsBloom', 256, 256],
  ['difficulty', null, 32],
  ['number', null, 8],
  ['gasLimit', null, 8],
  ['gasUsed', null, 8],
  ['timestamp', null, 8],
  ['extraData', null, 0],
  ['mixHash', 32, 32],
  ['nonce', 8, 8],
  ['baseFeePerGas', null, 32],
];
/** Bounds a header before it is decoded (a London header is about 600 bytes; extra-data grows 20 bytes a signer at checkpoints). */
export const MAX_HEADER_BYTES = 4096;

export type CliqueHeader = {
  /** keccak256 of the header's RLP: the block hash. */
  hash: Hex;
  /** keccak256 of the header's RLP without the seal: what the signer signed. */
  sealHash: Hex;
  parentHash: Hex;
  uncleHash: Hex;
  coinbase: Address;
  stateRoot: Hex;
  difficulty: bigint;
  number: bigint;
  timestamp: bigint;
  mixHash: Hex;
  nonce: Hex;
  /** The signers listed in extra-data (non-empty only at checkpoints), as they appear. */
  checkpointSigners: Address[];
  /** r ‖ s ‖ recovery id (0 or 1). */
  seal: Uint8Array;
};

/** Decodes an RLP-encoded Clique header and computes its hash and seal hash; refuses anything malformed (`bad_header`). */
export function decodeCliqueHeader(rlp: Hex | Uint8Array): CliqueHeader {
  const bytes = typeof rlp === 'string' ? hexBytes(rlp) : rlp;
  if (bytes.length > MAX_HEADER_BYTES)
    throw new ChainProofError('bad_header', `a header of ${bytes.length} bytes (at most ${MAX_HEADER_BYTES})`);
  let fields: unknown;
  try {
    fields = fromRlp(bytes, 'bytes');
  } catch (error) {
    throw new ChainProofError('bad_header', `not RLP (${(error as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(fields) || fields.length < 15 || fields.length > FIELDS.length)
    throw new ChainProofError('bad_header', `not a list of 15 or 16 fields`);
  for (const [i, field] of (fields as unknown[]).entries()) {
    const [name, exact, max] = FIELDS[i]!;
    if (!(field instanceof Uint8Array)) throw new ChainProofError('bad_header', `${name} is a list`);
    if (exact !== null && field.length !== exact) throw new ChainProofError('bad_header', `${name} is ${field.length} bytes, not ${exact}`);
    if (exact === null && max > 0 && field.length > max) throw new ChainProofError('bad_header', `${name} is longer than ${max} bytes`);
    if (exact === null && max > 0 && field.length > 0 && field[0] === 0)
      throw new ChainProofError('bad_header', `${name} has a leading zero`);
  }
  const f = fields as Uint8Array[];
  // One header, one encoding: the hash a device computes must be the block hash everyone else computes.
  if (toRlp(f, 'hex') !== bytesToHex(bytes)) throw new ChainProofError('bad_header', 'not in canonical RLP');
  const extra = f[12]!;
  if (extra.length < CLIQUE_VANITY + CLIQUE_SEAL)
    throw new ChainProofError('bad_header', `extra-data of ${extra.length} bytes has no room for a seal`);
  const signersBytes = extra.subarray(CLIQUE_VANITY, extra.length - CLIQUE_SEAL);
  if (signersBytes.length % 20 !== 0)
    throw new ChainProofError('bad_header', 'the signer list of extra-data is not a whole number of addresses');
  const checkpointSigners = Array.from({ length: signersBytes.length / 20 }, (_, i) =>
    bytesToHex(signersBytes.subarray(20 * i, 20 * i + 20)),
  );
  const unsealed = [...f];
  unsealed[12] = extra.subarray(0, extra.length - CLIQUE_SEAL);
  return {
    hash: keccak256(bytes),
    sealHash: keccak256(toRlp(unsealed)),
    parentHash: bytesToHex(f[0]!),
    uncleHash: bytesToHex(f[1]!),
    coinbase: bytesToHex(f[2]!),
    stateRoot: bytesToHex(f[3]!),
    difficulty: uint(f[7]!),
    number: uint(f[8]!),
    timestamp: uint(f[11]!),
    mixHash: bytesToHex(f[13]!),
    nonce: bytesToHex(f[14]!),
    checkpointSigners,
    seal: extra.slice(extra.length - CLIQUE_SEAL),
  };
}

/** RLP's integers: big-endian, no leading zero, 0 as the empty string. */
function uint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : bytesToBigInt(bytes);
}

function hexBytes(hex: Hex): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new ChainProofError('bad_header', 'not hex');
  return hexToBytes(hex);
}
