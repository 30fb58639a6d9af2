import type { Address, Hex } from 'viem';
import { getAddress } from 'viem';
import { UnvouchedCheckpointError } from './errors.js';
import { type CliqueTrust, checkCliqueHeader } from './verifyCliqueHeader.js';

/** At most this many headers vouch for a checkpoint, and never more than the set it names (C: PYTHIA_MAX_VOUCHERS). */
export const MAX_CHECKPOINT_VOUCHERS = 16;

export type FollowCliqueCheckpointParameters = {
  trust: CliqueTrust;
  /** The RLP of the checkpoint header that ends the trusted epoch (block trust.checkpoint + trust.epoch). */
  header: Hex | Uint8Array;
  /**
   * Read only when the checkpoint's signer is not in `trust` (a validator voted in during the epoch):
   * the headers after the checkpoint, in order (checkpoint + 1, + 2, ...), up to and including the
   * first one sealed by a validator of both sets, at most min(the set's size, MAX_CHECKPOINT_VOUCHERS).
   */
  vouchers?: ReadonlyArray<Hex | Uint8Array>;
};

export type FollowCliqueCheckpointReturnType = CliqueTrust & {
  hash: Hex;
  /** The validator of the trusted set whose header vouched for a checkpoint sealed by a newcomer. */
  vouchedBy?: Address;
};

/**
 * The validator set of the next epoch: a checkpoint header lists the signers from there on (Clique
 * restates the set at every multiple of the epoch), sealed by one of them in its turn. A device
 * follows checkpoints one after the other; the first comes from its provisioning bundle (the
 * genesis). A checkpoint sealed by a validator the device trusts is taken at once; one sealed by a
 * validator voted in during the epoch needs a trusted validator's word (docs/protocol.md, "Chain
 * proofs"): headers built on it, up to one sealed by a validator of both the trusted and the new set.
 */
export function followCliqueCheckpoint(parameters: FollowCliqueCheckpointParameters): FollowCliqueCheckpointReturnType {
  const { trust } = parameters;
  const header = checkCliqueHeader({ header: parameters.header, trust }, true);
  const next: CliqueTrust = {
    validators: header.checkpointSigners.map((s) => getAddress(s)),
    checkpoint: header.number,
    epoch: trust.epoch,
  };
  if (isValidator(trust, header.signer)) return { ...next, hash: header.hash };
  const vouchedBy = checkVouchers(trust, next, header, parameters.vouchers ?? []);
  return { ...next, hash: header.hash, vouchedBy };
}

const isValidator = (trust: CliqueTrust, address: Address) => trust.validators.some((v) => v.toLowerCase() === address.toLowerCase());

/** The chain from the checkpoint to a header of a trusted validator; the same checks, in the same order, as the C SDK's pythia_clique_checkpoint_voucher. */
function checkVouchers(
  trust: CliqueTrust,
  next: CliqueTrust,
  checkpoint: { hash: Hex; number: bigint; signer: Address },
  vouchers: ReadonlyArray<Hex | Uint8Array>,
): Address {
  const bound = Math.min(next.validators.length, MAX_CHECKPOINT_VOUCHERS);
  const unvouched = (why: string, moreMayVouch = false) =>
    new UnvouchedCheckpointError(
      `checkpoint ${checkpoint.number}, sealed by ${checkpoint.signer} (not a validator of checkpoint ${trust.checkpoint}): ${why}`,
      moreMayVouch,
    );
  let last: { hash: Hex; number: bigint } = checkpoint;
  let vouchedBy: Address | undefined;
  for (const voucher of vouchers) {
    if (vouchedBy !== undefined) throw unvouched(`a header after block ${last.number}, which ${vouchedBy} sealed, vouched already`);
    if (last.number - checkpoint.number >= BigInt(bound)) throw unvouched(`more than ${bound} headers after it`);
    const header = checkCliqueHeader({ header: voucher, trust: next }, false);
    if (header.number !== last.number + 1n || header.parentHash !== last.hash)
      throw unvouched(`block ${header.number} is not built on block ${last.number} (${last.hash})`);
    if (isValidator(trust, header.signer)) vouchedBy = header.signer;
    last = header;
  }
  if (vouchedBy === undefined)
    throw unvouched(
      `no header after it sealed by a validator of both sets (give checkpoint + 1 … + k, k ≤ ${bound}, the last one's)`,
      last.number - checkpoint.number < BigInt(bound),
    );
  return vouchedBy;
}
