import type { Hex } from 'viem';
import { getAddress } from 'viem';
import { ChainProofError } from './errors.js';
import { type CliqueTrust, checkCliqueHeader } from './verifyCliqueHeader.js';

export type FollowCliqueCheckpointParameters = {
  trust: CliqueTrust;
  /** The RLP of the checkpoint header that ends the trusted epoch (block trust.checkpoint + trust.epoch). */
  header: Hex | Uint8Array;
};

export type FollowCliqueCheckpointReturnType = CliqueTrust & { hash: Hex };

/**
 * The validator set of the next epoch: a checkpoint header, sealed by a validator the device trusts,
 * lists the signers from there on (Clique restates the set at every multiple of the epoch). A device
 * follows checkpoints one after the other; the first comes from its provisioning bundle (the genesis).
 */
export function followCliqueCheckpoint(parameters: FollowCliqueCheckpointParameters): FollowCliqueCheckpointReturnType {
  const { trust } = parameters;
  const header = checkCliqueHeader({ header: parameters.header, trust }, true);
  if (header.checkpointSigners.length === 0) throw new ChainProofError('not_a_checkpoint', `block ${header.number} lists no signers`);
  return {
    validators: header.checkpointSigners.map((s) => getAddress(s)),
    checkpoint: header.number,
    epoch: trust.epoch,
    hash: header.hash,
  };
}
