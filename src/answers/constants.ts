/**
 * Numbers of the signed-answer format (docs/protocol.md, "Signed answers"). A device
 * implementation needs exactly these.
 */

/** CBOR tag of a COSE_Sign1 message (RFC 9052 §4.2). */
export const COSE_SIGN1_TAG = 18;
/** COSE header label `alg` (RFC 9052 §3.1). */
export const COSE_HEADER_ALG = 1;
/** COSE header label `kid` (RFC 9052 §3.1). */
export const COSE_HEADER_KID = 4;
/** ES256K: ECDSA on secp256k1 with SHA-256 (RFC 8812 §3.2). */
export const COSE_ALG_ES256K = -47;
/** Sig_structure context of a COSE_Sign1 (RFC 9052 §4.4). */
export const SIGNATURE1_CONTEXT = 'Signature1';

/** Integer keys of the answer (and request) payload map. */
export const AnswerKey = {
  /** uint: question type (the registry id, e.g. 1 = device_status). */
  question: 1,
  /** any: question parameters, encoded as the question defines. */
  params: 2,
  /** any: the answer, encoded as the question defines. */
  answer: 3,
  /** bstr (8–32): the challenge nonce the device sent. */
  challenge: 4,
  /** uint: number of the block the answer was read at. */
  blockNumber: 5,
  /** bstr (32): hash of that block. */
  blockHash: 6,
  /** uint: when the Pythia signed the answer, Unix seconds (its clock). */
  time: 7,
  /** uint: chain id. */
  chainId: 8,
  /** bstr (20): (requests only) the asking device's id. */
  device: 9,
  /** uint: (requests only) the device's question sequence, strictly increasing. */
  sequence: 10,
} as const;

export const MIN_CHALLENGE_BYTES = 8;
export const MAX_CHALLENGE_BYTES = 32;

/** Protected header {1: -47} as the exact bytes signed: a1 01 38 2e. */
export const ES256K_PROTECTED_HEADER = Uint8Array.of(0xa1, 0x01, 0x38, 0x2e);
