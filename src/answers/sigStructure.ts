import { encodeDeterministic, plainBytes } from './cbor.js';
import { SIGNATURE1_CONTEXT } from './constants.js';

export type SigStructureParameters = {
  /** The protected header exactly as its bstr carries it. */
  protectedHeader: Uint8Array;
  /** The payload bytes exactly as the COSE_Sign1 carries them. */
  payload: Uint8Array;
  /** External additional authenticated data; empty for Pythia answers. */
  externalAad?: Uint8Array;
};

/** The bytes a COSE_Sign1 signs (RFC 9052 §4.4): ["Signature1", protected, external_aad, payload]. */
export function sigStructure({ protectedHeader, payload, externalAad = new Uint8Array(0) }: SigStructureParameters): Uint8Array {
  return encodeDeterministic([SIGNATURE1_CONTEXT, plainBytes(protectedHeader), plainBytes(externalAad), plainBytes(payload)]);
}
