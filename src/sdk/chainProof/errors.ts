/**
 * Why a device refuses a chain proof (docs/protocol.md, "Chain proofs"). The C SDK gives the same
 * words (`pythia_reason`).
 */
export type ChainProofReason =
  | 'bad_header'
  | 'bad_seal'
  | 'unknown_signer'
  | 'wrong_difficulty'
  | 'checkpoint_needed'
  | 'not_a_checkpoint'
  | 'unvouched_checkpoint'
  | 'stale_header'
  | 'future_header'
  | 'bad_account_proof'
  | 'no_contract'
  | 'bad_storage_proof'
  | 'wrong_proof'
  | 'malformed_proof'
  /** A stored trust refused (decodeCliqueTrust; C pythia_clique_trust_decode). */
  | 'trust_truncated'
  | 'trust_unknown_format'
  | 'trust_corrupted'
  | 'trust_foreign'
  | 'trust_invalid';

/** A header or proof the device refuses; `reason` is machine-readable. */
export class ChainProofError extends Error {
  override readonly name = 'ChainProofError';
  constructor(
    readonly reason: ChainProofReason,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}

/**
 * A checkpoint sealed by a validator the device does not trust yet, not vouched for. `moreMayVouch`:
 * every header given was right but none was sealed by a trusted validator, and the bound leaves room
 * for the next one (askCliqueCheckpoints then asks for it); otherwise more headers cannot help.
 */
export class UnvouchedCheckpointError extends ChainProofError {
  constructor(
    message: string,
    readonly moreMayVouch: boolean,
  ) {
    super('unvouched_checkpoint', message);
  }
}
