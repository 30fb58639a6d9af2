import { type ChainReader, createCachedChainReader } from '../../answers/cachedChainReader.js';
import { bytesToHex, hexToBytes, type Address, type PublicClient } from 'viem';
import { answerQuestion } from '../../answers/answerQuestion.js';
import { AnswerError } from '../../answers/errors.js';
import { localCoseSigner, type AnswerSigner, type CoseSigner } from '../../answers/signCoseSign1.js';
import { coseSignatureDigest, verifyCoseSignature } from '../../answers/verifyCoseSignature.js';
import type { EcdsaPool } from '../../crypto/ecdsaPool.js';
import type { AnswerContracts } from '../../answers/questions/types.js';
import type { RejectionReason } from '../../protocol/reasons.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import type { ParsedQuestionRequest } from './parseQuestionRequest.js';
import { QuestionReplayCache, type QuestionReplayCacheOptions } from './questionReplayCache.js';
import type { DeviceDirectory } from '../core/deviceDirectory.js';

export type { AnswerSigner };

/** The COSE signer for an answer key; a local key signs on `pool`'s threads when there is one (the pool must hold that key). */
export function coseSignerOf(signer: AnswerSigner, pool?: EcdsaPool): CoseSigner {
  if (!('privateKey' in signer)) return { kid: hexToBytes(signer.address), signDigest: signer.signDigest };
  const local = localCoseSigner(signer.privateKey);
  return pool ? { kid: local.kid, signDigest: (digest) => pool.sign(digest) } : local;
}

export type QuestionAnswererOptions = {
  chainId: number;
  fleetAddress: Address;
  publicClient: PublicClient;
  directory: DeviceDirectory;
  answerSigner: AnswerSigner;
  replayCache?: QuestionReplayCacheOptions;
  /** Unix seconds; default the system clock. */
  clock?: () => number;
  /** How long an answer may be read at the block that was latest this long ago (ms). Default 100; 0 = always the latest. */
  latestBlockTtlMs?: number;
  /** Contracts beside the fleet that some questions read (ownership, firmware); questions needing a missing one are refused. */
  contracts?: AnswerContracts;
  /** Threads for the two ECDSA operations of an answer (device signature check, answer signature); default inline. */
  ecdsaPool?: EcdsaPool;
};

export type QuestionOutcome = { ok: true; answer: Uint8Array } | { ok: false; error: RejectionReason; message: string };

/**
 * Answers a parsed device question, whatever channel it came by (HTTP POST /v1/questions, MQTT):
 * checks the chain id, the kid, that the device is registered, its signature against the
 * registered key and the replay rule, then reads the chain and signs. One answerer per gateway,
 * so its replay state is shared by every channel. Throws ChainUnavailableError when the chain
 * cannot be read (nothing is consumed then: a retry of the same bytes is taken).
 */
export class QuestionAnswerer {
  readonly signer: CoseSigner;
  private readonly replay: QuestionReplayCache;
  private readonly clock: () => number;
  /** Reads pinned to a block, memoised: many devices asking within one block cost one read each. */
  private readonly chain: ChainReader;

  constructor(private readonly options: QuestionAnswererOptions) {
    this.signer = coseSignerOf(options.answerSigner, options.ecdsaPool);
    this.chain = createCachedChainReader({ publicClient: options.publicClient, latestBlockTtlMs: options.latestBlockTtlMs ?? 100 });
    this.replay = new QuestionReplayCache(options.replayCache);
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  }

  async answer(asked: ParsedQuestionRequest): Promise<QuestionOutcome> {
    const { options } = this;
    if (asked.chainId !== options.chainId) {
      return refuse('bad_signature', `the question is signed for chain ${asked.chainId}, not ${options.chainId}`);
    }
    const needs = asked.question.requires;
    if (needs && !options.contracts?.[needs]) {
      return refuse('unknown_question', `this gateway does not answer ${asked.question.name}: it has no ${needs} contract`);
    }
    if (bytesToHex(asked.message.kid).toLowerCase() !== asked.device.toLowerCase()) {
      return refuse('bad_signature', 'kid is not the asking device');
    }
    const state = await options.directory.get(asked.device);
    if (state.status === 'none') return refuse('unknown_device', `device ${asked.device} is not registered`);
    try {
      if (options.ecdsaPool) {
        const digest = coseSignatureDigest(asked.message);
        if (!(await options.ecdsaPool.verify(asked.message.signature, digest, state.publicKey65))) {
          throw new AnswerError('bad_signature', 'signature does not verify');
        }
      } else {
        verifyCoseSignature(asked.message, state.publicKey65);
      }
    } catch (error) {
      if (error instanceof AnswerError) return refuse('bad_signature', `not signed by ${asked.device}'s registered key: ${error.message}`);
      throw error;
    }
    const taken = this.replay.take(asked.device, asked.sequence, asked.challenge);
    if (!taken.ok) return refuse('replayed_request', taken.why);
    try {
      const { answer } = await answerQuestion({
        publicClient: this.chain,
        fleetAddress: options.fleetAddress,
        ...(options.contracts && { contracts: options.contracts }),
        chainId: options.chainId,
        signer: this.signer,
        question: asked.question,
        params: asked.params,
        challenge: asked.challenge,
        now: this.clock(),
      });
      return { ok: true, answer };
    } catch (error) {
      taken.undo();
      throw new ChainUnavailableError(`could not answer ${asked.question.name}: ${shortError(error)}`);
    }
  }
}

const refuse = (error: RejectionReason, message: string): QuestionOutcome => ({ ok: false, error, message });
