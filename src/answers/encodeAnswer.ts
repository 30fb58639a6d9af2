import { encodeCoseSign1 } from './coseSign1.js';
import { ES256K_PROTECTED_HEADER } from './constants.js';

export type EncodeAnswerParameters = {
  /** 20 bytes: the Pythia key's address. */
  kid: Uint8Array;
  /** The deterministic CBOR payload (encodeAnswerPayload). */
  payload: Uint8Array;
  /** 64 bytes r ‖ s, low s, over the Sig_structure (es256kDigest). */
  signature: Uint8Array;
};

/** Assembles a signed answer from a signature made elsewhere (an HSM, an enclave). */
export function encodeAnswer({ kid, payload, signature }: EncodeAnswerParameters): Uint8Array {
  return encodeCoseSign1({ protectedHeader: ES256K_PROTECTED_HEADER, kid, payload, signature });
}
