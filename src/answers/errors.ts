/** Why a signed answer (or a device-signed question) was refused. */
export type AnswerErrorReason =
  | 'bad_cose'
  | 'wrong_algorithm'
  | 'untrusted_key'
  | 'bad_signature'
  | 'challenge_mismatch'
  | 'stale_answer'
  | 'question_mismatch'
  | 'wrong_chain';

/** A typed refusal: `reason` is machine-readable, the message says what exactly was wrong. */
export class AnswerError extends Error {
  override name = 'AnswerError';
  constructor(
    readonly reason: AnswerErrorReason,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}
