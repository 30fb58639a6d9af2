import { bytesToHex, type Address, type Hex } from 'viem';
import { decodeCoseSign1 } from './coseSign1.js';
import { encodeQuestionRequestPayload, type QuestionRequest } from './questionRequest.js';
import { signCoseSign1Sync } from './signCoseSign1.js';

export type SignQuestionRequestParameters = { privateKey: Hex | Uint8Array; request: QuestionRequest };

/** The JSON form of a signed question (POST /v1/questions, application/json). */
export type QuestionRequestJson = {
  device: Address;
  question: number;
  /** The question's parameters in JSON form, e.g. { device: '0x…' } for device_status. */
  params: unknown;
  challenge: Hex;
  /** uint64 as a decimal string. */
  sequence: string;
  /** The COSE signature: 64 bytes r ‖ s, low s, over the same Sig_structure as the CBOR form. */
  signature: Hex;
};

export type SignQuestionRequestReturnType = {
  /** The COSE_Sign1 to POST as application/cbor. */
  cose: Uint8Array;
  /** The 64-byte signature, for the JSON form. */
  signature: Hex;
};

/** A device-signed question: COSE_Sign1 (ES256K, kid = device id) over the request payload. */
export function signQuestionRequest({ privateKey, request }: SignQuestionRequestParameters): SignQuestionRequestReturnType {
  const cose = signCoseSign1Sync(privateKey, encodeQuestionRequestPayload(request));
  return { cose, signature: bytesToHex(decodeCoseSign1(cose).signature) };
}
