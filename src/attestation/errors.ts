/**
 * Every refusal of attestation evidence is an AttestationError with a machine-readable code, so
 * that callers (the Pythia registry, the CLI) can branch on the reason without parsing messages.
 */
export type AttestationErrorCode =
  | 'malformed_quote'
  | 'unsupported_quote'
  | 'malformed_collateral'
  | 'malformed_certificate'
  | 'untrusted_root'
  | 'certificate_chain_invalid'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  | 'certificate_revoked'
  | 'crl_invalid'
  | 'collateral_expired'
  | 'collateral_not_yet_valid'
  | 'tcb_info_invalid'
  | 'tcb_info_mismatch'
  | 'tcb_not_supported'
  | 'qe_identity_invalid'
  | 'qe_identity_mismatch'
  | 'qe_report_signature_invalid'
  | 'qe_report_data_mismatch'
  | 'quote_signature_invalid'
  /** Input that broke a parser in a way no specific check caught; still a refusal. */
  | 'malformed_input';

export class AttestationError extends Error {
  override readonly name = 'AttestationError';
  constructor(
    readonly code: AttestationErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
