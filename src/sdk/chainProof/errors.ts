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
