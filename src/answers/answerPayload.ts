import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { decodeDeterministic, encodeDeterministic, equalBytes, plainBytes } from './cbor.js';
import { AnswerKey, MAX_CHALLENGE_BYTES, MIN_CHALLENGE_BYTES } from './constants.js';
import { AnswerError } from './errors.js';

/** What a Pythia answer says, before its question-specific parts are decoded. */
export type AnswerPayload = {
  /** Question type id (see questions/registry.ts). */
  question: number;
  /** Question parameters as CBOR values (the question's encodeParams). */
  params: unknown;
  /** The answer as CBOR values (the question's encodeAnswer). */
  answer: unknown;
  /** The device's challenge nonce, 8–32 bytes. */
  challenge: Uint8Array;
  blockNumber: bigint;
  /** 32 bytes, 0x hex. */
  blockHash: Hex;
  /** When the Pythia signed, Unix seconds. */
  time: number;
  chainId: number;
};

/** The payload map {1: question, 2: params, 3: answer, 4: challenge, 5: block number, 6: block hash, 7: time, 8: chain id}, deterministic CBOR. */
export function encodeAnswerPayload(payload: AnswerPayload): Uint8Array {
  checkChallenge(payload.challenge);
  return encodeDeterministic(
    new Map<number, unknown>([
      [AnswerKey.question, payload.question],
      [AnswerKey.params, payload.params],
      [AnswerKey.answer, payload.answer],
      [AnswerKey.challenge, plainBytes(payload.challenge)],
      [AnswerKey.blockNumber, payload.blockNumber],
      [AnswerKey.blockHash, hexToBytes(payload.blockHash)],
      [AnswerKey.time, payload.time],
      [AnswerKey.chainId, payload.chainId],
    ]),
  );
}

/** Parses and checks an answer payload; refuses (bad_cose) anything not exactly the documented map in deterministic encoding. */
export function decodeAnswerPayload(bytes: Uint8Array): AnswerPayload {
  const map = payloadMap(bytes, 'answer payload', [1, 2, 3, 4, 5, 6, 7, 8]);
  const blockHash = map.get(AnswerKey.blockHash);
  if (!(blockHash instanceof Uint8Array) || blockHash.length !== 32) throw new AnswerError('bad_cose', 'block hash must be 32 bytes');
  const payload: AnswerPayload = {
    question: uintOf(map, AnswerKey.question, 'question'),
    params: map.get(AnswerKey.params),
    answer: map.get(AnswerKey.answer),
    challenge: challengeOf(map),
    blockNumber: BigInt(uintOf(map, AnswerKey.blockNumber, 'block number', true)),
    blockHash: bytesToHex(blockHash),
    time: uintOf(map, AnswerKey.time, 'time'),
    chainId: uintOf(map, AnswerKey.chainId, 'chain id'),
  };
  if (!equalBytes(encodeAnswerPayload(payload), bytes))
    throw new AnswerError('bad_cose', 'answer payload is not in deterministic encoding');
  return payload;
}

/** A missing challenge, or one that is not 8–32 bytes (a bad_cose AnswerError the gateway answers as bad_challenge). */
export class ChallengeFormatError extends AnswerError {
  constructor() {
    super('bad_cose', `challenge must be ${MIN_CHALLENGE_BYTES} to ${MAX_CHALLENGE_BYTES} bytes`);
  }
}

export function checkChallenge(challenge: unknown): asserts challenge is Uint8Array {
  if (!(challenge instanceof Uint8Array) || challenge.length < MIN_CHALLENGE_BYTES || challenge.length > MAX_CHALLENGE_BYTES) {
    throw new ChallengeFormatError();
  }
}

/** A payload map with exactly `keys`. */
export function payloadMap(bytes: Uint8Array, what: string, keys: readonly number[]): Map<number, unknown> {
  const map = decodeDeterministic(bytes, what);
  if (!(map instanceof Map)) throw new AnswerError('bad_cose', `${what} must be a CBOR map`);
  for (const key of map.keys())
    if (!keys.includes(key as number)) throw new AnswerError('bad_cose', `${what} has unknown key ${String(key)}`);
  for (const key of keys) if (!map.has(key)) throw new AnswerError('bad_cose', `${what} lacks key ${key}`);
  return map as Map<number, unknown>;
}

export function challengeOf(map: Map<number, unknown>): Uint8Array {
  const challenge = map.get(AnswerKey.challenge);
  checkChallenge(challenge);
  return challenge;
}

/** An unsigned integer entry (a number, or a bigint when `big` and it is above 2^53). */
export function uintOf(map: Map<number, unknown>, key: number, what: string, big: true): number | bigint;
export function uintOf(map: Map<number, unknown>, key: number, what: string): number;
export function uintOf(map: Map<number, unknown>, key: number, what: string, big = false): number | bigint {
  const value = map.get(key);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (big && typeof value === 'bigint' && value >= 0n) return value;
  throw new AnswerError('bad_cose', `${what} must be an unsigned integer`);
}
