import type { Address, PublicClient } from 'viem';

/** The contracts beside the fleet that some questions read; a gateway without one does not answer those. */
export type AnswerContracts = {
  deviceOwnership?: Address;
  firmwareRegistry?: Address;
  /** Versioned data-use policies (issue #5): the gateway enforces a consent's policy. */
  policyRegistry?: Address;
  /** Consent (issue #5): questions about consents, data under consent, relayed commands. */
  consentRegistry?: Address;
  /** Where deliveries and commands are logged (the relayer holds its LOGGER_ROLE). */
  accessLog?: Address;
  /** Where canary commitments go (the relayer holds its COMMITTER_ROLE). */
  canaryRegistry?: Address;
  /** Recipients' bonds (a policy's minimum bond) and onward-sharing entries (a policy may require one). */
  recipientBonds?: Address;
  sharingLog?: Address;
  /** What each recipient accepted (issue #12): data under a policy that stakes a bond needs an acceptance. */
  recipientTerms?: Address;
};

/** Chain state as of one block: every read of one answer goes through it, so the answer is consistent. */
export type PinnedChainReader = {
  publicClient: Pick<PublicClient, 'readContract'>;
  fleetAddress: Address;
  contracts: AnswerContracts;
  blockNumber: bigint;
};

/**
 * One question a device can ask its Pythia. Adding a question is adding one file that exports
 * one of these, and one line in registry.ts.
 */
export type Question<Params, Answer> = {
  /** The question type on the wire (payload key 1). Never reuse an id. */
  id: number;
  name: string;
  /** A contract the question reads besides the fleet: without it the gateway answers unknown_question. */
  requires?: keyof AnswerContracts;
  /** Parameters from the JSON request form (`params`); throws a message on bad input. */
  parseParams(json: unknown): Params;
  /** Parameters as CBOR values (payload key 2). */
  encodeParams(params: Params): unknown;
  /** The inverse of encodeParams; throws on anything else. */
  decodeParams(value: unknown): Params;
  /** Reads the answer from the chain at the pinned block. */
  resolve(reader: PinnedChainReader, params: Params): Promise<Answer>;
  /** The answer as CBOR values (payload key 3). */
  encodeAnswer(answer: Answer): unknown;
  /** The inverse of encodeAnswer; throws on anything else. */
  decodeAnswer(value: unknown): Answer;
};

// biome-ignore lint/suspicious/noExplicitAny: a registry holds questions of every parameter and answer type
export type AnyQuestion = Question<any, any>;
