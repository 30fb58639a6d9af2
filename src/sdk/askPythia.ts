import { verifyAnswer, type VerifiedAnswer } from '../answers/verifyAnswer.js';
import { trustedKeysOf, type ProvisioningBundle } from './provisioningBundle.js';
import { requestAnswer, type RequestAnswerParameters } from './requestAnswer.js';

export type AskPythiaParameters = Omit<RequestAnswerParameters, 'bundle'> & {
  bundle: ProvisioningBundle;
  /** Newest block the device knows of, for the maxAgeBlocks check. */
  currentBlock?: bigint;
  /** Unix seconds; default the system clock. */
  now?: number;
};

/**
 * Asks the Pythia a question and returns the answer only once it is verified: signed by a key
 * the bundle trusts (after its attestation policy), for this device's fresh challenge, to this
 * question, on this chain, fresh. A refusal is a GatewayRejection; a bad answer an AnswerError.
 */
export async function askPythia<Answer = unknown>({
  bundle,
  currentBlock,
  now,
  ...request
}: AskPythiaParameters): Promise<VerifiedAnswer<unknown, Answer>> {
  const { question, challenge, answer } = await requestAnswer({ ...request, bundle });
  return verifyAnswer<unknown, Answer>({
    answer,
    trustedKeys: trustedKeysOf(bundle),
    challenge,
    question: { question: question.id, params: request.params },
    chainId: bundle.chainId,
    maxAgeSeconds: bundle.freshness.maxAgeSeconds,
    maxAgeBlocks: bundle.freshness.maxAgeBlocks,
    ...(currentBlock === undefined ? {} : { currentBlock }),
    ...(now === undefined ? {} : { now }),
  });
}
