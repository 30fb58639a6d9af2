import { bytesToHex, getAddress, hexToBytes, type Address } from 'viem';
import { challengeOf, checkChallenge, payloadMap, uintOf } from './answerPayload.js';
import { encodeDeterministic, equalBytes, plainBytes } from './cbor.js';
import { AnswerKey } from './constants.js';
import { AnswerError } from './errors.js';

/** A device's question, as it signs it (COSE_Sign1, ES256K, kid = its device id). */
export type QuestionRequest = {
  device: Address;
  /** Question type id. */
  question: number;
  /** Parameters as CBOR values (the question's encodeParams). */
  params: unknown;
  /** 8–32 random bytes, fresh for every question: the answer must carry them. */
  challenge: Uint8Array;
  /** Strictly increasing per device (a counter of its own, separate from reading sequences). */
  sequence: bigint;
  chainId: number;
};

/** The request payload map {1: question, 2: params, 4: challenge, 8: chain id, 9: device, 10: sequence}, deterministic CBOR. */
export function encodeQuestionRequestPayload(request: QuestionRequest): Uint8Array {
  checkChallenge(request.challenge);
  return encodeDeterministic(
    new Map<number, unknown>([
      [AnswerKey.question, request.question],
      [AnswerKey.params, request.params],
      [AnswerKey.challenge, plainBytes(request.challenge)],
      [AnswerKey.chainId, request.chainId],
      [AnswerKey.device, hexToBytes(request.device)],
      [AnswerKey.sequence, request.sequence],
    ]),
  );
}

export function decodeQuestionRequestPayload(bytes: Uint8Array): QuestionRequest {
  const map = payloadMap(bytes, 'question request', [1, 2, 4, 8, 9, 10]);
  const device = map.get(AnswerKey.device);
  if (!(device instanceof Uint8Array) || device.length !== 20) throw new AnswerError('bad_cose', 'device must be 20 bytes');
  const request: QuestionRequest = {
    device: getAddress(bytesToHex(device)),
    question: uintOf(map, AnswerKey.question, 'question'),
    params: map.get(AnswerKey.params),
    challenge: challengeOf(map),
    sequence: BigInt(uintOf(map, AnswerKey.sequence, 'sequence', true)),
    chainId: uintOf(map, AnswerKey.chainId, 'chain id'),
  };
  if (request.sequence > 0xffffffffffffffffn) throw new AnswerError('bad_cose', 'sequence must be a uint64');
  if (!equalBytes(encodeQuestionRequestPayload(request), bytes))
    throw new AnswerError('bad_cose', 'request payload is not in deterministic encoding');
  return request;
}
