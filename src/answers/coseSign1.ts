import { Tag } from 'cbor2';
import { decodeDeterministic, encodeDeterministic, equalBytes, plainBytes } from './cbor.js';
import { COSE_ALG_ES256K, COSE_HEADER_ALG, COSE_HEADER_KID, COSE_SIGN1_TAG, ES256K_PROTECTED_HEADER } from './constants.js';
import { AnswerError } from './errors.js';

/** A COSE_Sign1 as Pythia uses it: protected {1: -47}, unprotected {4: kid}, attached payload, 64-byte r ‖ s. */
export type CoseSign1 = {
  protectedHeader: Uint8Array;
  /** 20 bytes: the address of the signing key (the Pythia's, or the asking device's). */
  kid: Uint8Array;
  payload: Uint8Array;
  /** 64 bytes r ‖ s. */
  signature: Uint8Array;
};

/** Encodes tag 18 [protected, {4: kid}, payload, signature]. */
export function encodeCoseSign1({ protectedHeader, kid, payload, signature }: CoseSign1): Uint8Array {
  return encodeDeterministic(
    new Tag(COSE_SIGN1_TAG, [
      plainBytes(protectedHeader),
      new Map([[COSE_HEADER_KID, plainBytes(kid)]]),
      plainBytes(payload),
      plainBytes(signature),
    ]),
  );
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/**
 * Parses a COSE_Sign1 and checks its structure and algorithm, not its signature. Refuses with
 * bad_cose anything but tag 18 over [bstr, {4: bstr .size 20}, bstr, bstr .size 64], and with
 * wrong_algorithm a protected header other than {1: -47}.
 */
export function decodeCoseSign1(bytes: Uint8Array): CoseSign1 {
  const item = decodeDeterministic(bytes, 'COSE_Sign1');
  if (!(item instanceof Tag) || Number(item.tag) !== COSE_SIGN1_TAG) throw new AnswerError('bad_cose', 'not a COSE_Sign1 (CBOR tag 18)');
  const parts = item.contents;
  if (!Array.isArray(parts) || parts.length !== 4) throw new AnswerError('bad_cose', 'COSE_Sign1 must be an array of 4 items');
  const [protectedHeader, unprotected, payload, signature] = parts as unknown[];
  if (!isBytes(protectedHeader)) throw new AnswerError('bad_cose', 'protected header must be a byte string');
  if (!isBytes(payload)) throw new AnswerError('bad_cose', 'payload must be an attached byte string');
  if (!isBytes(signature) || signature.length !== 64) throw new AnswerError('bad_cose', 'signature must be 64 bytes (r ‖ s)');
  checkProtectedHeader(protectedHeader);
  if (!(unprotected instanceof Map) || unprotected.size !== 1 || !unprotected.has(COSE_HEADER_KID)) {
    throw new AnswerError('bad_cose', 'unprotected header must be exactly {4: kid}');
  }
  const kid = unprotected.get(COSE_HEADER_KID);
  if (!isBytes(kid) || kid.length !== 20) throw new AnswerError('bad_cose', 'kid must be 20 bytes (a key address)');
  return { protectedHeader, kid, payload, signature };
}

function checkProtectedHeader(bytes: Uint8Array): void {
  if (equalBytes(bytes, ES256K_PROTECTED_HEADER)) return;
  const header = decodeDeterministic(bytes, 'protected header');
  if (!(header instanceof Map)) throw new AnswerError('bad_cose', 'protected header must be a map');
  const alg = header.get(COSE_HEADER_ALG);
  if (alg === undefined) throw new AnswerError('wrong_algorithm', 'protected header names no algorithm');
  if (alg !== COSE_ALG_ES256K) throw new AnswerError('wrong_algorithm', `algorithm ${String(alg)} is not ES256K (-47)`);
  throw new AnswerError('bad_cose', 'protected header must be exactly {1: -47}');
}
