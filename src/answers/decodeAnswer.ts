import { bytesToHex, getAddress, type Address } from 'viem';
import { decodeAnswerPayload, type AnswerPayload } from './answerPayload.js';
import { decodeCoseSign1 } from './coseSign1.js';

export type DecodeAnswerReturnType = AnswerPayload & { signer: Address; signature: Uint8Array };

/** Parses a signed answer WITHOUT verifying it (for display and debugging; devices use verifyAnswer). */
export function decodeAnswer(answer: Uint8Array): DecodeAnswerReturnType {
  const message = decodeCoseSign1(answer);
  return { ...decodeAnswerPayload(message.payload), signer: getAddress(bytesToHex(message.kid)), signature: message.signature };
}
