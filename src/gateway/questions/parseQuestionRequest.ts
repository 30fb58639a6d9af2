import { getAddress, hexToBytes, isAddress, type Address } from 'viem';
import { ChallengeFormatError, checkChallenge } from '../../answers/answerPayload.js';
import { decodeCoseSign1, type CoseSign1 } from '../../answers/coseSign1.js';
import { ES256K_PROTECTED_HEADER } from '../../answers/constants.js';
import { AnswerError } from '../../answers/errors.js';
import { decodeQuestionRequestPayload, encodeQuestionRequestPayload } from '../../answers/questionRequest.js';
import { questionById, questionOf } from '../../answers/questions/registry.js';
import type { AnyQuestion } from '../../answers/questions/types.js';
import type { RejectionReason } from '../../protocol/reasons.js';
import { quoteInput } from '../../protocol/quoteInput.js';

/** A device's question, parsed from either form; its signature is not checked yet. */
export type ParsedQuestionRequest = {
  device: Address;
  question: AnyQuestion;
  params: unknown;
  challenge: Uint8Array;
  sequence: bigint;
  chainId: number;
  /** The COSE_Sign1 to verify against the device's registered key. */
  message: CoseSign1;
};

export class QuestionRequestError extends Error {
  constructor(
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

const fail = (reason: RejectionReason, message: string): never => {
  throw new QuestionRequestError(reason, message);
};

function rethrow(error: unknown): never {
  if (error instanceof ChallengeFormatError) fail('bad_challenge', error.message);
  if (error instanceof AnswerError) fail(error.reason === 'wrong_algorithm' ? 'wrong_algorithm' : 'bad_cose', error.message);
  throw error;
}

/** The application/cbor form: a COSE_Sign1 (ES256K, kid = device id) over the request payload. */
export function parseCborQuestionRequest(body: Uint8Array): ParsedQuestionRequest {
  let message: CoseSign1;
  let request: ReturnType<typeof decodeQuestionRequestPayload>;
  try {
    message = decodeCoseSign1(body);
    request = decodeQuestionRequestPayload(message.payload);
  } catch (error) {
    rethrow(error);
  }
  const question = questionById(request.question) ?? fail('unknown_question', `question ${request.question} is not answered here`);
  let params: unknown;
  try {
    params = question.decodeParams(request.params);
  } catch (error) {
    fail('bad_cose', `${question.name} params: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { ...request, question, params, message };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The application/json form { device, question, params, challenge, sequence, signature }: the
 * gateway rebuilds the request payload (with its own chain id) and checks `signature`, the COSE
 * signature the device made over it, exactly as for the CBOR form.
 */
export function parseJsonQuestionRequest(body: unknown, chainId: number): ParsedQuestionRequest {
  if (!isObject(body)) return fail('invalid_body', 'the body must be a JSON object');
  const known = ['device', 'question', 'params', 'challenge', 'sequence', 'signature'];
  for (const key of Object.keys(body)) if (!known.includes(key)) fail('invalid_body', `unknown field ${quoteInput(key)}`);
  const { device, question: q, params: rawParams, challenge: rawChallenge, sequence: rawSequence, signature } = body;
  if (typeof device !== 'string' || !isAddress(device, { strict: false })) fail('invalid_body', 'device must be 0x + 40 hex digits');
  if (typeof q !== 'number' && typeof q !== 'string') fail('invalid_body', 'question must be a question id or name');
  const question = questionOf(q) ?? fail('unknown_question', `question ${quoteInput(String(q))} is not answered here`);
  if (rawChallenge === undefined) fail('bad_challenge', 'challenge is missing');
  if (typeof rawChallenge !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(rawChallenge))
    fail('bad_challenge', 'challenge must be 0x-prefixed hex');
  const challenge = hexToBytes(rawChallenge as `0x${string}`);
  try {
    checkChallenge(challenge);
  } catch (error) {
    rethrow(error);
  }
  const sequence =
    typeof rawSequence === 'number' && Number.isSafeInteger(rawSequence) && rawSequence >= 0
      ? BigInt(rawSequence)
      : typeof rawSequence === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(rawSequence) && BigInt(rawSequence) < 2n ** 64n
        ? BigInt(rawSequence)
        : fail('invalid_body', 'sequence must be a uint64 (integer or decimal string)');
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{128}$/.test(signature))
    fail('invalid_body', 'signature must be 64 bytes hex (r ‖ s)');
  let params: unknown;
  try {
    params = question.parseParams(rawParams);
  } catch (error) {
    fail('invalid_body', error instanceof Error ? error.message : String(error));
  }
  const address = getAddress(device as string);
  const payload = encodeQuestionRequestPayload({
    device: address,
    question: question.id,
    params: question.encodeParams(params),
    challenge,
    sequence,
    chainId,
  });
  const message: CoseSign1 = {
    protectedHeader: ES256K_PROTECTED_HEADER,
    kid: hexToBytes(address),
    payload,
    signature: hexToBytes(signature as `0x${string}`),
  };
  return { device: address, question, params, challenge, sequence, chainId, message };
}
