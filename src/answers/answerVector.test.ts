import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Address, bytesToHex, type Hex, hexToBytes } from 'viem';
import { deviceKeyFromPrivateKey } from '../sdk/index.js';
import {
  decodeAnswer,
  decodeQuestionRequestPayload,
  deviceStatusQuestion,
  encodeQuestionRequestPayload,
  encodeAnswerPayload,
  ES256K_PROTECTED_HEADER,
  es256kDigest,
  sigStructure,
  signAnswer,
  signQuestionRequest,
  verifyAnswer,
} from './index.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const block = /```json answer-test-vector\n([\s\S]*?)```/.exec(doc);
type Vector = {
  pythiaPrivateKey: Hex;
  kid: Address;
  question: number;
  subject: Address;
  answer: { status: 'active'; classId: number; lastSequence: string; flags: number; autoSuspensions: number; profileVersion: number };
  challenge: Hex;
  blockNumber: string;
  blockHash: Hex;
  time: number;
  chainId: number;
  payload: Hex;
  sigStructure: Hex;
  digest: Hex;
  cose: Hex;
};
const v = JSON.parse(block?.[1] ?? '{}') as Vector;

it('the signed-answer test vector in docs/protocol.md is what the code computes', () => {
  assert.ok(block, 'docs/protocol.md has an answer-test-vector block');
  const pythia = deviceKeyFromPrivateKey(hexToBytes(v.pythiaPrivateKey));
  assert.equal(pythia.deviceId, v.kid);
  const a = v.answer as {
    status: 'active';
    classId: number;
    lastSequence: string;
    flags: number;
    autoSuspensions: number;
    profileVersion: number;
  };
  const payload = {
    question: v.question,
    params: deviceStatusQuestion.encodeParams({ device: v.subject as Address }),
    answer: deviceStatusQuestion.encodeAnswer({ ...a, lastSequence: BigInt(a.lastSequence) }),
    challenge: hexToBytes(v.challenge),
    blockNumber: BigInt(v.blockNumber),
    blockHash: v.blockHash as Hex,
    time: v.time,
    chainId: v.chainId,
  };
  const bytes = encodeAnswerPayload(payload);
  assert.equal(bytesToHex(bytes), v.payload);
  assert.equal(bytesToHex(sigStructure({ protectedHeader: ES256K_PROTECTED_HEADER, payload: bytes })), v.sigStructure);
  assert.equal(bytesToHex(es256kDigest(bytes)), v.digest);
  const cose = signAnswer({ privateKey: pythia.privateKey, payload });
  assert.equal(bytesToHex(cose), v.cose);
});

it('an independent verifier (@noble/curves over SHA-256 of the documented Sig_structure) accepts the vector, and so does the SDK', () => {
  const cose = hexToBytes(v.cose);
  const signature = cose.subarray(cose.length - 64);
  const publicKey = secp256k1.getPublicKey(hexToBytes(v.pythiaPrivateKey), false);
  assert.ok(secp256k1.verify(signature, sha256(hexToBytes(v.sigStructure)), publicKey, { prehash: false, lowS: true }));
  const verified = verifyAnswer({
    answer: cose,
    trustedKeys: [{ address: v.kid as Address }],
    challenge: hexToBytes(v.challenge),
    question: { question: 'device_status', params: { device: v.subject } },
    chainId: v.chainId,
    now: v.time,
  });
  assert.equal(decodeAnswer(cose).blockNumber, BigInt(v.blockNumber));
  assert.equal(verified.signer.toLowerCase(), v.kid.toLowerCase());
  assert.deepEqual(verified.answer, { status: 'active', classId: 1, lastSequence: 42n, flags: 0, autoSuspensions: 0, profileVersion: 1 });
});

const questionBlock = /```json question-test-vector\n([\s\S]*?)```/.exec(doc);
type QuestionVector = {
  privateKey: Hex;
  device: Address;
  question: number;
  params: { device: Address };
  challenge: Hex;
  sequence: string;
  chainId: number;
  payload: Hex;
  sigStructure: Hex;
  cose: Hex;
  signature: Hex;
};

it("the device question's test vector in docs/protocol.md is what the code computes, and reads back as asked", () => {
  assert.ok(questionBlock, 'docs/protocol.md has a question-test-vector block');
  const q = JSON.parse(questionBlock[1] ?? '{}') as QuestionVector;
  const device = deviceKeyFromPrivateKey(hexToBytes(q.privateKey));
  assert.equal(device.deviceId, q.device);
  const request = {
    device: q.device,
    question: q.question,
    params: deviceStatusQuestion.encodeParams(deviceStatusQuestion.parseParams(q.params)),
    challenge: hexToBytes(q.challenge),
    sequence: BigInt(q.sequence),
    chainId: q.chainId,
  };
  const payload = encodeQuestionRequestPayload(request);
  assert.equal(bytesToHex(payload), q.payload);
  assert.equal(bytesToHex(sigStructure({ protectedHeader: ES256K_PROTECTED_HEADER, payload })), q.sigStructure);
  const signed = signQuestionRequest({ privateKey: device.privateKey, request });
  assert.equal(bytesToHex(signed.cose), q.cose);
  assert.equal(signed.signature, q.signature);
  assert.deepEqual(decodeQuestionRequestPayload(hexToBytes(q.payload)), { ...request, device: q.device });
});
