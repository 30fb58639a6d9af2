import type { Hex } from 'viem';
import { encodeAnswerPayload, type AnswerPayload } from './answerPayload.js';
import { signCoseSign1Sync } from './signCoseSign1.js';

export type SignAnswerParameters = {
  /** The Pythia's secp256k1 key (in production from its role keystore). */
  privateKey: Hex | Uint8Array;
  payload: AnswerPayload;
};

/** A signed answer: COSE_Sign1 (ES256K, kid = the Pythia key's address) over the deterministic CBOR payload. */
export function signAnswer({ privateKey, payload }: SignAnswerParameters): Uint8Array {
  return signCoseSign1Sync(privateKey, encodeAnswerPayload(payload));
}
