import type { AnyQuestion } from '../answers/questions/types.js';
import type { QuestionSequence } from './createQuestionSequence.js';
import { GatewayRejection } from './errors.js';
import { errorOfBody } from './gatewayRequest.js';
import type { ProvisioningBundle } from './provisioningBundle.js';
import { signDeviceQuestion } from './signDeviceQuestion.js';
import type { DeviceKey } from './types.js';

export type RequestAnswerParameters = {
  /** Default: the bundle's first gateway URL. */
  gatewayUrl?: string;
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  /** Question name or id, e.g. 'device_status'. */
  question: string | number;
  /** The question's parameters in JSON form, e.g. { device: '0x…' }. */
  params: unknown;
  bundle: Pick<ProvisioningBundle, 'chainId' | 'gatewayUrls'>;
  /**
   * The question's sequence, above the device's last: the device's QuestionSequence
   * (createQuestionSequence; the request takes its next value), or a number the caller keeps itself.
   */
  sequence: QuestionSequence | bigint;
  /** Challenge length, 8–32 bytes. Default 8 (keeps a status answer under 200 bytes). */
  challengeBytes?: number;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

/** The Pythia's answer as it came, not yet verified, with what verifying it needs. */
export type RequestAnswerReturnType = { question: AnyQuestion; challenge: Uint8Array; answer: Uint8Array };

/**
 * Sends the device's signed question with a fresh challenge to its Pythia (POST /v1/questions,
 * CBOR) and returns the COSE answer's bytes, unverified: askPythia verifies them against the bundle,
 * checkFirmwareImage also checks an image against them. A refusal is a GatewayRejection.
 */
export async function requestAnswer({
  gatewayUrl,
  key,
  question,
  params,
  bundle,
  sequence,
  challengeBytes = 8,
  fetch: fetchFn = fetch,
  timeoutMs = 10_000,
}: RequestAnswerParameters): Promise<RequestAnswerReturnType> {
  const signed = signDeviceQuestion({
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
    body: Uint8Array.from(signed.cose),
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
  return { question: signed.question, challenge: signed.challenge, answer: bytes };
}
