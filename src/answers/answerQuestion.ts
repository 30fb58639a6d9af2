import type { Address, PublicClient } from 'viem';
import { encodeAnswerPayload } from './answerPayload.js';
import type { AnswerContracts, AnyQuestion } from './questions/types.js';
import { signCoseSign1, type CoseSigner } from './signCoseSign1.js';

export type AnswerQuestionParameters = {
  publicClient: Pick<PublicClient, 'getBlock' | 'readContract'>;
  fleetAddress: Address;
  /** Contracts beside the fleet (ownership, firmware); a question that requires a missing one throws. */
  contracts?: AnswerContracts;
  chainId: number;
  signer: CoseSigner;
  question: AnyQuestion;
  /** Parsed parameters (the question's type). */
  params: unknown;
  challenge: Uint8Array;
  /** Unix seconds; default the system clock. */
  now?: number;
};

export type AnswerQuestionReturnType = { answer: Uint8Array; blockNumber: bigint; value: unknown };

/**
 * The Pythia side: reads the latest block's number and hash, resolves the question against
 * state pinned at that block number (so every read of the answer is of one block), and signs.
 */
export async function answerQuestion({
  publicClient,
  fleetAddress,
  contracts = {},
  chainId,
  signer,
  question,
  params,
  challenge,
  now = Math.floor(Date.now() / 1000),
}: AnswerQuestionParameters): Promise<AnswerQuestionReturnType> {
  if (question.requires && !contracts[question.requires]) throw new Error(`${question.name} needs the ${question.requires} contract`);
  const block = await publicClient.getBlock({ blockTag: 'latest' });
  if (block.number === null || block.hash === null) throw new Error('the latest block has no number or hash');
  const value = await question.resolve({ publicClient, fleetAddress, contracts, blockNumber: block.number }, params);
  const payload = encodeAnswerPayload({
    question: question.id,
    params: question.encodeParams(params),
    answer: question.encodeAnswer(value),
    challenge,
    blockNumber: block.number,
    blockHash: block.hash,
    time: now,
    chainId,
  });
  return { answer: await signCoseSign1({ signer, payload }), blockNumber: block.number, value };
}
