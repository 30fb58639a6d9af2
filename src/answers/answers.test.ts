import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { secp256k1 as noble } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Tag, decode, encode } from 'cbor2';
import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { SECP256K1_N } from '../protocol/signature.js';
import {
  AnswerError,
  decodeAnswer,
  decodeCoseSign1,
  deviceStatusQuestion,
  encodeAnswer,
  encodeAnswerPayload,
  es256kDigest,
  sigStructure,
  signAnswer,
  verifyAnswer,
  type AnswerErrorReason,
  type AnswerPayload,
  type DeviceStatusAnswer,
} from './index.js';

const pythiaKey = generatePrivateKey();
const pythia = privateKeyToAccount(pythiaKey);
const subject = privateKeyToAccount(generatePrivateKey()).address;

const statusAnswer: DeviceStatusAnswer = {
  status: 'active',
  classId: 1,
  lastSequence: 123_456n,
  flags: 3,
  autoSuspensions: 0,
  profileVersion: 2,
};

const payloadOf = (challenge: Uint8Array, extra: Partial<AnswerPayload> = {}): AnswerPayload => ({
  question: deviceStatusQuestion.id,
  params: deviceStatusQuestion.encodeParams({ device: subject }),
  answer: deviceStatusQuestion.encodeAnswer(statusAnswer),
  challenge,
  blockNumber: 12_345_678n,
  blockHash: bytesToHex(randomBytes(32)),
  time: 1_767_225_600,
  chainId: 20601,
  ...extra,
});

const asked = { question: 'device_status', params: { device: subject } };

function expectReason(fn: () => unknown, reason: AnswerErrorReason) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AnswerError, String(error));
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

const verify = (answer: Uint8Array, challenge: Uint8Array, extra: Partial<Parameters<typeof verifyAnswer>[0]> = {}) =>
  verifyAnswer<unknown, DeviceStatusAnswer>({
    answer,
    trustedKeys: [pythia.publicKey],
    challenge,
    question: asked,
    chainId: 20601,
    ...extra,
  });

describe('signed answers', () => {
  it('round trip: sign, decode, verify (by public key and by address only)', () => {
    const challenge = randomBytes(16);
    const payload = payloadOf(challenge);
    const answer = signAnswer({ privateKey: pythiaKey, payload });
    const verified = verify(answer, challenge, { now: payload.time + 5, maxAgeSeconds: 60, currentBlock: 12_345_680n, maxAgeBlocks: 10 });
    assert.deepEqual(verified.answer, statusAnswer);
    assert.deepEqual(verified.params, { device: subject });
    assert.equal(verified.question, 'device_status');
    assert.equal(verified.signer, pythia.address);
    assert.equal(verified.blockNumber, payload.blockNumber);
    assert.equal(verified.blockHash, payload.blockHash);
    assert.deepEqual(verify(answer, challenge, { trustedKeys: [pythia.address] }).answer, statusAnswer);
    const decoded = decodeAnswer(answer);
    assert.equal(decoded.signer, pythia.address);
    assert.deepEqual(decoded.challenge, new Uint8Array(challenge));
    // signing is deterministic (RFC 6979)
    assert.deepEqual(signAnswer({ privateKey: pythiaKey, payload }), answer);
  });

  it('a status answer is under 200 bytes (8-byte challenge, realistic bounds); sizes measured', () => {
    const size = (challengeBytes: number, answer: DeviceStatusAnswer, blockNumber: bigint, chainId = 20601) =>
      signAnswer({
        privateKey: pythiaKey,
        payload: payloadOf(randomBytes(challengeBytes), { answer: deviceStatusQuestion.encodeAnswer(answer), blockNumber, chainId }),
      }).length;
    // Realistic bounds: 2^32 readings (a reading every 5 s for 680 years), 65,535 flags, 65,535
    // profile versions, 2^32 blocks (136 years at 1 s), a 3-byte chain id.
    const realistic = { ...statusAnswer, lastSequence: 2n ** 32n - 1n, flags: 65_535, profileVersion: 65_535 };
    const typical = { ...statusAnswer, lastSequence: 10_000n, flags: 0, profileVersion: 1 };
    const uint32Everywhere = { ...realistic, flags: 2 ** 32 - 1, profileVersion: 2 ** 32 - 1 };
    const sizes = {
      typical8: size(8, typical, 1_000_000n),
      realistic8: size(8, realistic, 2n ** 32n - 1n),
      realistic16: size(16, realistic, 2n ** 32n - 1n),
      realistic32: size(32, realistic, 2n ** 32n - 1n),
      uint32Everywhere8: size(8, uint32Everywhere, 2n ** 32n - 1n),
      uint64Sequence8: size(8, { ...uint32Everywhere, lastSequence: 2n ** 64n - 1n }, 2n ** 32n - 1n),
    };
    console.log(`# status answer sizes (bytes): ${JSON.stringify(sizes)}`);
    assert.ok(sizes.typical8 < 200, `a typical status answer with an 8-byte challenge is ${sizes.typical8} bytes`);
    assert.ok(sizes.realistic8 <= 200, `status answer at realistic bounds with an 8-byte challenge is ${sizes.realistic8} bytes`);
    assert.equal(sizes.realistic16, sizes.realistic8 + 8);
  });

  it('rejects any flipped byte of protected header, payload or signature', () => {
    const challenge = randomBytes(8);
    const answer = signAnswer({ privateKey: pythiaKey, payload: payloadOf(challenge) });
    let rejected = 0;
    for (let i = 0; i < answer.length; i++) {
      const tampered = answer.slice();
      tampered[i]! ^= 0x01;
      assert.throws(() => verify(tampered, challenge), AnswerError, `byte ${i}`);
      rejected++;
    }
    assert.equal(rejected, answer.length);
    const { protectedHeader, kid, payload, signature } = decodeCoseSign1(answer);
    const flipLast = (b: Uint8Array) => {
      const c = b.slice();
      c[c.length - 1]! ^= 0x80;
      return c;
    };
    // a payload bit that keeps the CBOR valid (inside the block hash) → bad signature
    expectReason(() => verify(encodeAnswer({ kid, payload: flipLast(payload), signature }), challenge), 'bad_signature');
    expectReason(() => verify(encodeAnswer({ kid, payload, signature: flipLast(signature) }), challenge), 'bad_signature');
    const otherHeader = encode(new Tag(18, [Uint8Array.of(0xa1, 0x01, 0x26), new Map([[4, kid]]), payload, signature]), { cde: true });
    expectReason(() => verify(otherHeader, challenge), 'wrong_algorithm');
    assert.ok(protectedHeader.length === 4);
  });

  it('rejects an untrusted key, another challenge, another question, another chain', () => {
    const challenge = randomBytes(8);
    const answer = signAnswer({ privateKey: pythiaKey, payload: payloadOf(challenge) });
    const rogue = signAnswer({ privateKey: generatePrivateKey(), payload: payloadOf(challenge) });
    expectReason(() => verify(rogue, challenge), 'untrusted_key');
    expectReason(() => verify(answer, challenge, { trustedKeys: [] }), 'untrusted_key');
    expectReason(() => verify(answer, randomBytes(8)), 'challenge_mismatch');
    const otherSubject = privateKeyToAccount(generatePrivateKey()).address;
    expectReason(
      () => verify(answer, challenge, { question: { question: 'device_status', params: { device: otherSubject } } }),
      'question_mismatch',
    );
    expectReason(() => verify(answer, challenge, { question: { question: 2, params: {} } }), 'question_mismatch');
    expectReason(() => verify(answer, challenge, { chainId: 1 }), 'wrong_chain');
    // a key whose address is the kid but whose public key is another's is refused when building the set
    assert.throws(() =>
      verify(answer, challenge, {
        trustedKeys: [{ address: pythia.address, publicKey: privateKeyToAccount(generatePrivateKey()).publicKey }],
      }),
    );
  });

  it('rejects stale answers by block and by time', () => {
    const challenge = randomBytes(8);
    const payload = payloadOf(challenge);
    const answer = signAnswer({ privateKey: pythiaKey, payload });
    expectReason(() => verify(answer, challenge, { currentBlock: payload.blockNumber + 11n, maxAgeBlocks: 10 }), 'stale_answer');
    assert.ok(verify(answer, challenge, { currentBlock: payload.blockNumber + 10n, maxAgeBlocks: 10 }));
    expectReason(() => verify(answer, challenge, { now: payload.time + 61, maxAgeSeconds: 60 }), 'stale_answer');
    assert.ok(verify(answer, challenge, { now: payload.time + 60, maxAgeSeconds: 60 }));
  });

  it('rejects the high-s twin of a valid signature', () => {
    const challenge = randomBytes(8);
    const answer = signAnswer({ privateKey: pythiaKey, payload: payloadOf(challenge) });
    const { kid, payload, signature } = decodeCoseSign1(answer);
    const s = BigInt(bytesToHex(signature.subarray(32)));
    const twin = new Uint8Array(64);
    twin.set(signature.subarray(0, 32));
    twin.set(hexToBytes(`0x${(SECP256K1_N - s).toString(16).padStart(64, '0')}`), 32);
    // the twin is mathematically valid: noble accepts it with lowS off
    assert.ok(
      noble.verify(twin, sigStructure({ protectedHeader: Uint8Array.of(0xa1, 0x01, 0x38, 0x2e), payload }), hexToBytes(pythia.publicKey), {
        lowS: false,
      }),
    );
    expectReason(() => verify(encodeAnswer({ kid, payload, signature: twin }), challenge), 'bad_signature');
    expectReason(
      () => verify(encodeAnswer({ kid, payload, signature: twin }), challenge, { trustedKeys: [pythia.address] }),
      'bad_signature',
    );
  });

  it('rejects malformed COSE: not CBOR, no tag, wrong shape, non-deterministic payload', () => {
    const challenge = randomBytes(8);
    const answer = signAnswer({ privateKey: pythiaKey, payload: payloadOf(challenge) });
    const { protectedHeader, kid, payload, signature } = decodeCoseSign1(answer);
    expectReason(() => verify(Uint8Array.of(0xff, 0x00), challenge), 'bad_cose');
    expectReason(() => verify(answer.subarray(1), challenge), 'bad_cose');
    expectReason(() => verify(answer.subarray(0, answer.length - 1), challenge), 'bad_cose');
    expectReason(() => verify(encode(new Tag(18, [protectedHeader, new Map(), payload, signature])), challenge), 'bad_cose');
    expectReason(() => verify(encode(new Tag(18, [protectedHeader, new Map([[4, kid]]), payload])), challenge), 'bad_cose');
    // a signed, well-formed but non-deterministic payload (keys out of order) is still refused
    const map = decode(payload, { preferMap: true }) as Map<number, unknown>;
    const reordered = new Uint8Array([0xa8, ...[...map.entries()].reverse().flatMap(([k, v]) => [...encode(k), ...encode(v)])]);
    const digest = es256kDigest(reordered);
    const sig = noble.sign(digest, hexToBytes(pythiaKey), { prehash: false });
    expectReason(() => verify(encodeAnswer({ kid, payload: reordered, signature: sig }), challenge), 'bad_cose');
  });
});

describe('interop', () => {
  it('our Sig_structure equals a hand-built one (RFC 9052 §4.4 layout) and @noble/curves verifies the signature', () => {
    const challenge = randomBytes(16);
    const answer = signAnswer({ privateKey: pythiaKey, payload: payloadOf(challenge) });
    const { protectedHeader, payload, signature } = decodeCoseSign1(answer);
    // Sig_structure = [ "Signature1", bstr protected, bstr external_aad, bstr payload ], by hand:
    const bstrHeader = (n: number): number[] => (n < 24 ? [0x40 | n] : n < 256 ? [0x58, n] : [0x59, n >> 8, n & 0xff]);
    const byHand = new Uint8Array([
      0x84, // array(4)
      0x6a,
      ...Buffer.from('Signature1', 'ascii'), // tstr(10)
      ...bstrHeader(protectedHeader.length),
      ...protectedHeader,
      0x40, // external_aad = h''
      ...bstrHeader(payload.length),
      ...payload,
    ]);
    assert.deepEqual(sigStructure({ protectedHeader, payload }), byHand);
    assert.deepEqual(protectedHeader, Uint8Array.of(0xa1, 0x01, 0x38, 0x2e)); // {1: -47}
    // noble: SHA-256 prehash of the Sig_structure, compact r ‖ s, low s required
    assert.ok(noble.verify(signature, byHand, hexToBytes(pythia.publicKey), { lowS: true }));
    assert.deepEqual(es256kDigest(payload), sha256(byHand));
    // the outer envelope by hand: tag 18 (0xd2), array(4), ...
    assert.equal(answer[0], 0xd2);
    assert.equal(answer[1], 0x84);
  });

  it('payload encoding is core deterministic: sorted integer keys 1..8', () => {
    const payload = encodeAnswerPayload(payloadOf(randomBytes(8)));
    assert.equal(payload[0], 0xa8);
    const keys = [...(decode(payload, { preferMap: true }) as Map<number, unknown>).keys()];
    assert.deepEqual(keys, [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

export type { Hex };
