import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, getAddress, hexToBytes, keccak256, type Address, type Hex } from 'viem';
import { SECP256K1_HALF_N } from '../../protocol/signature.js';
import { type CliqueHeader, decodeCliqueHeader, EMPTY_UNCLE_HASH } from './decodeCliqueHeader.js';
import { ChainProofError } from './errors.js';

/**
 * What a device trusts about the chain: the validator set in force from checkpoint `checkpoint`
 * (a block number, a multiple of `epoch`; 0 for the genesis set of the provisioning bundle) until
 * the next checkpoint.
 */
export type CliqueTrust = {
  validators: readonly Address[];
  checkpoint: bigint;
  /** Clique's epoch of the chain (30,000 on a Pythia network). */
  epoch: bigint;
};

export type HeaderFreshness = {
  /** The device's clock, Unix seconds. */
  now: bigint;
  /** Refuse a header older than this (against `now`). */
  maxAgeSeconds: bigint;
  /** The highest block number the device has seen verified: refuse a header more than `maxAgeBlocks` below it. */
  highestBlock?: bigint;
  maxAgeBlocks?: bigint;
  /** Clock skew allowed for a header from the future (default 30 s). */
  maxFutureSeconds?: bigint;
};

export type VerifyCliqueHeaderParameters = {
  /** The header, RLP-encoded (geth's debug_getRawHeader). */
  header: Hex | Uint8Array;
  trust: CliqueTrust;
  /** Omit only to check a header's seal alone (e.g. a checkpoint being followed). */
  freshness?: HeaderFreshness;
};

export type VerifyCliqueHeaderReturnType = CliqueHeader & {
  /** The validator that sealed the header (checksummed). */
  signer: Address;
  /** Sealed by the validator whose turn it was (difficulty 2), or by another one (difficulty 1). */
  inTurn: boolean;
};

const ZERO_HASH = `0x${'00'.repeat(32)}`;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;

/**
 * Checks a Clique header as a light client can from the header alone (docs/protocol.md, "Chain
 * proofs"): well-formed, sealed (the signer recovered from the seal over the header without it) by
 * a validator of `trust`, the difficulty its turn gives (in turn: the validators sorted, the one at
 * number mod their count), and fresh. Checkpoint headers name the next set (followCliqueCheckpoint).
 * What one header cannot show: Clique's limit on how often a validator may seal (it needs the
 * recent headers), and votes taken within the epoch (a set change counts from the next checkpoint).
 */
export function verifyCliqueHeader(parameters: VerifyCliqueHeaderParameters): VerifyCliqueHeaderReturnType {
  return checkCliqueHeader(parameters, false);
}

/**
 * verifyCliqueHeader's checks; with `nextCheckpoint`, of the checkpoint that ends the trusted epoch
 * (followCliqueCheckpoint). That header is sealed under the set as votes within the epoch left it,
 * which is the set it lists (geth compares the two): its signer and turn are checked against its own
 * list; whether the signer is also trusted is followCliqueCheckpoint's question.
 */
export function checkCliqueHeader(parameters: VerifyCliqueHeaderParameters, nextCheckpoint: boolean): VerifyCliqueHeaderReturnType {
  const { trust, freshness } = parameters;
  if (trust.epoch < 1n || trust.checkpoint % trust.epoch !== 0n || trust.validators.length === 0)
    throw new RangeError('a trust is a non-empty validator set at a checkpoint (a multiple of the epoch)');
  const header = decodeCliqueHeader(parameters.header);
  if (header.uncleHash !== EMPTY_UNCLE_HASH) throw new ChainProofError('bad_header', 'a Clique header has no uncles');
  if (header.mixHash !== ZERO_HASH) throw new ChainProofError('bad_header', 'a Clique header has a zero mix digest');
  const isCheckpoint = header.number % trust.epoch === 0n;
  if (isCheckpoint && header.checkpointSigners.length === 0)
    throw new ChainProofError('bad_header', 'a checkpoint header lists no signers');
  if (!isCheckpoint && header.checkpointSigners.length > 0)
    throw new ChainProofError('bad_header', 'only a checkpoint header lists signers');
  if (isCheckpoint && (header.coinbase !== ZERO_ADDRESS || BigInt(header.nonce) !== 0n))
    throw new ChainProofError('bad_header', 'a checkpoint header carries no vote');
  if (header.number < trust.checkpoint)
    throw new ChainProofError('stale_header', `block ${header.number} is before the checkpoint ${trust.checkpoint} the device trusts`);
  const end = trust.checkpoint + trust.epoch;
  if (nextCheckpoint && header.number !== end)
    throw new ChainProofError('not_a_checkpoint', `block ${header.number} is not checkpoint ${end}, the next after ${trust.checkpoint}`);
  if (!nextCheckpoint && header.number >= end)
    throw new ChainProofError(
      'checkpoint_needed',
      `block ${header.number} is past the epoch of checkpoint ${trust.checkpoint}: follow checkpoint ${header.number - (header.number % trust.epoch)} first`,
    );
  const signer = recoverSealer(header);
  const validators = (nextCheckpoint ? header.checkpointSigners : trust.validators).map((v) => v.toLowerCase()).sort();
  const index = validators.indexOf(signer.toLowerCase());
  if (index < 0)
    throw new ChainProofError(
      'unknown_signer',
      `${signer} is not a validator of ${nextCheckpoint ? `the set checkpoint ${header.number} lists` : `checkpoint ${trust.checkpoint}`}`,
    );
  const inTurn = Number(header.number % BigInt(validators.length)) === index;
  if (header.difficulty !== (inTurn ? 2n : 1n))
    throw new ChainProofError('wrong_difficulty', `difficulty ${header.difficulty} for a validator ${inTurn ? 'in' : 'out of'} turn`);
  if (freshness) checkFreshness(header, freshness);
  return { ...header, signer, inTurn };
}

/** The address that sealed the header: ECDSA recovery (@noble/curves) of its seal over the seal hash; low s only. */
function recoverSealer(header: CliqueHeader): Address {
  const { seal } = header;
  const recovery = seal[64]!;
  if (recovery > 1) throw new ChainProofError('bad_seal', `recovery id ${recovery}`);
  let publicKey: Uint8Array;
  try {
    const signature = secp256k1.Signature.fromBytes(seal.subarray(0, 64), 'compact');
    if (signature.s > SECP256K1_HALF_N) throw new ChainProofError('bad_seal', 'high s');
    publicKey = signature.addRecoveryBit(recovery).recoverPublicKey(hexToBytes(header.sealHash)).toBytes(false);
  } catch (error) {
    if (error instanceof ChainProofError) throw error;
    throw new ChainProofError('bad_seal', `no signer recovers (${(error as Error).message})`);
  }
  return getAddress(bytesToHex(hexToBytes(keccak256(publicKey.subarray(1))).subarray(12)));
}

function checkFreshness(header: CliqueHeader, freshness: HeaderFreshness): void {
  const { now, maxAgeSeconds, highestBlock, maxAgeBlocks = 0n, maxFutureSeconds = 30n } = freshness;
  if (header.timestamp > now + maxFutureSeconds)
    throw new ChainProofError('future_header', `block ${header.number} is dated ${header.timestamp - now} s ahead of the device's clock`);
  if (header.timestamp + maxAgeSeconds < now)
    throw new ChainProofError('stale_header', `block ${header.number} is ${now - header.timestamp} s old (at most ${maxAgeSeconds})`);
  if (highestBlock !== undefined && header.number + maxAgeBlocks < highestBlock)
    throw new ChainProofError(
      'stale_header',
      `block ${header.number} is more than ${maxAgeBlocks} below block ${highestBlock} the device has seen`,
    );
}
