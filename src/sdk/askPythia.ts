import { signDeviceQuestion } from './signDeviceQuestion.js';
import { verifyAnswer, type VerifiedAnswer } from '../answers/verifyAnswer.js';
import { GatewayRejection } from './errors.js';
import { errorOfBody } from './gatewayRequest.js';
import { trustedKeysOf, type ProvisioningBundle } from './provisioningBundle.js';
import type { QuestionSequence } from './createQuestionSequence.js';
import type { DeviceKey } from './types.js';

export type AskPythiaParameters = {
  /** Default: the bundle's first gateway URL. */
  gatewayUrl?: string;
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  /** Question name or id, e.g. 'device_status'. */
  question: string | number;
  /** The question's parameters in JSON form, e.g. { device: '0x…' }. */
  params: unknown;
  bundle: ProvisioningBundle;
  /**
   * The question's sequence, above the device's last: the device's QuestionSequence
   * (createQuestionSequence; askPythia takes its next value), or a number the caller keeps itself.
   */
  sequence: QuestionSequence | bigint;
  /** Challenge length, 8–32 bytes. Default 8 (keeps a status answer under 200 bytes). */
  challengeBytes?: number;
  /** Newest block the device knows of, for the maxAgeBlocks check. */
  currentBlock?: bigint;
  fetch?: typeof fetch;
  /** Unix seconds; default the system clock. */
  now?: number;
  timeoutMs?: number;
};

/**
 * Asks the Pythia a question and returns the answer only once it is verified: signed by a key
 * the bundle trusts (after its attestation policy), for this device's fresh challenge, to this
 * question, on this chain, fresh. A refusal is a GatewayRejection; a bad answer an AnswerError.
 */
export async function askPythia<Answer = unknown>({
  gatewayUrl,
  key,
  question,
  params,
  bundle,
  sequence,
  challengeBytes = 8,
  currentBlock,
  fetch: fetchFn = fetch,
  now,
  timeoutMs = 10_000,
}: AskPythiaParameters): Promise<VerifiedAnswer<unknown, Answer>> {
  const {
    question: q,
    challenge,
    cose,
  } = signDeviceQuestion({
    key,
    question,
    params,
    chainId: bundle.chainId,
    sequence: typeof sequence === 'bigint' ? sequence : sequence.next(),
    challengeBytes,
  });
  const base = (gatewayUrl ?? bundle.gatewayUrls[0]!).replace(/\/+$/, '');
  const response = await fetchFn(`${base}/v1/questions`, {
    method: 'POST',
    headers: { 'content-type': 'application/cbor', accept: 'application/cbor' },
    body: Uint8Array.from(cose),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      body = undefined;
    }
    const { reason, message } = errorOfBody(body, response.status);
    throw new GatewayRejection({ reason, status: response.status, body, ...(message === undefined ? {} : { message }) });
  }
  return verifyAnswer<unknown, Answer>({
    answer: bytes,
    trustedKeys: trustedKeysOf(bundle),
    challenge,
    question: { question: q.id, params },
    chainId: bundle.chainId,
    maxAgeSeconds: bundle.freshness.maxAgeSeconds,
    maxAgeBlocks: bundle.freshness.maxAgeBlocks,
    ...(currentBlock === undefined ? {} : { currentBlock }),
    ...(now === undefined ? {} : { now }),
  });
}
