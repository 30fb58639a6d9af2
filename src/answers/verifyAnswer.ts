import { bytesToHex, getAddress, hexToBytes, type Address, type Hex } from 'viem';
import { decodeAnswerPayload } from './answerPayload.js';
import { encodeDeterministic, equalBytes } from './cbor.js';
import { decodeCoseSign1 } from './coseSign1.js';
import { AnswerError } from './errors.js';
import { questionById, questionOf } from './questions/registry.js';
import type { AnyQuestion } from './questions/types.js';
import { trustedKeySet, type TrustedKey, type TrustedKeySet } from './trustedKeys.js';
import { verifyCoseSignature } from './verifyCoseSignature.js';

export type VerifyAnswerParameters = {
  /** The COSE_Sign1 bytes the Pythia sent. */
  answer: Uint8Array;
  /** Pythia keys the device trusts (see trustedKeysOf for a provisioning bundle). */
  trustedKeys: readonly TrustedKey[] | TrustedKeySet;
  /** The challenge the device sent with its question. */
  challenge: Uint8Array | Hex;
  /** What the device asked: the answer must be to exactly this question and these parameters. */
  question: { question: number | string; params: unknown };
  /** The chain the device belongs to; an answer about another chain is refused. */
  chainId?: number;
  /** Refuse an answer read more than this many blocks before currentBlock. */
  maxAgeBlocks?: number;
  /** The newest block number the device knows of (e.g. the highest it has seen in an answer). */
  currentBlock?: bigint;
  /** Refuse an answer signed more than this many seconds before now. */
  maxAgeSeconds?: number;
  /** Unix seconds; default the system clock. */
  now?: number;
};

export type VerifiedAnswer<Params = unknown, Answer = unknown> = {
  question: string;
  questionId: number;
  params: Params;
  answer: Answer;
  blockNumber: bigint;
  blockHash: Hex;
  time: number;
  chainId: number;
  /** The Pythia key that signed. */
  signer: Address;
};

/**
 * Verifies a Pythia answer with one ECDSA verification, in this order: COSE structure
 * (bad_cose), algorithm (wrong_algorithm), kid among the trusted keys (untrusted_key),
 * signature and low s (bad_signature), payload, challenge (challenge_mismatch), question and
 * parameters (question_mismatch), chain (wrong_chain), freshness (stale_answer). Throws AnswerError.
 */
export function verifyAnswer<Params = unknown, Answer = unknown>(parameters: VerifyAnswerParameters): VerifiedAnswer<Params, Answer> {
  const { answer, challenge, question, chainId, maxAgeBlocks, currentBlock, maxAgeSeconds } = parameters;
  const message = decodeCoseSign1(answer);
  const keys =
    parameters.trustedKeys instanceof Map ? parameters.trustedKeys : trustedKeySet(parameters.trustedKeys as readonly TrustedKey[]);
  const kid = bytesToHex(message.kid).toLowerCase();
  if (!keys.has(kid)) throw new AnswerError('untrusted_key', `answer signed by ${getAddress(kid)}, not a trusted Pythia key`);
  verifyCoseSignature(message, keys.get(kid));

  const payload = decodeAnswerPayload(message.payload);
  const expectedChallenge = typeof challenge === 'string' ? hexToBytes(challenge) : challenge;
  if (!equalBytes(payload.challenge, expectedChallenge))
    throw new AnswerError('challenge_mismatch', 'the answer carries another challenge');

  const asked = questionOf(question.question);
  if (!asked) throw new AnswerError('question_mismatch', `unknown question ${String(question.question)}`);
  const q = questionById(payload.question);
  if (!q || q.id !== asked.id) throw new AnswerError('question_mismatch', `answer is to question ${payload.question}, asked ${asked.id}`);
  const params = decodeOrMismatch(q, () => q.decodeParams(payload.params), 'parameters');
  if (!equalBytes(encodedParams(q, params), encodedParams(asked, normaliseParams(asked, question.params)))) {
    throw new AnswerError('question_mismatch', 'the answer is to other parameters than those asked');
  }
  const decoded = decodeOrMismatch(q, () => q.decodeAnswer(payload.answer), 'answer');

  if (chainId !== undefined && payload.chainId !== chainId)
    throw new AnswerError('wrong_chain', `answer is about chain ${payload.chainId}, not ${chainId}`);
  if (maxAgeBlocks !== undefined && currentBlock !== undefined && currentBlock - payload.blockNumber > BigInt(maxAgeBlocks)) {
    throw new AnswerError('stale_answer', `read at block ${payload.blockNumber}, more than ${maxAgeBlocks} blocks before ${currentBlock}`);
  }
  if (maxAgeSeconds !== undefined) {
    const now = parameters.now ?? Math.floor(Date.now() / 1000);
    if (now - payload.time > maxAgeSeconds)
      throw new AnswerError('stale_answer', `signed at ${payload.time}, more than ${maxAgeSeconds} s before ${now}`);
  }
  return {
    question: q.name,
    questionId: q.id,
    params: params as Params,
    answer: decoded as Answer,
    blockNumber: payload.blockNumber,
    blockHash: payload.blockHash,
    time: payload.time,
    chainId: payload.chainId,
    signer: getAddress(kid),
  };
}

function decodeOrMismatch<T>(q: AnyQuestion, decode: () => T, what: string): T {
  try {
    return decode();
  } catch (error) {
    throw new AnswerError('bad_cose', `${q.name} ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Asked parameters may be given in their JSON form ({ device: '0x…' }) or already parsed. */
function normaliseParams(q: AnyQuestion, params: unknown): unknown {
  try {
    return q.parseParams(params);
  } catch (error) {
    throw new AnswerError(
      'question_mismatch',
      `asked parameters are not valid for ${q.name}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const encodedParams = (q: AnyQuestion, params: unknown) => encodeDeterministic(q.encodeParams(params));
