import { bytesToHex, hexToBytes, keccak256, toBytes, type Address, type Hex } from 'viem';
import { encodeAnswerPayload, type AnswerPayload } from '../answers/answerPayload.js';
import { AnswerError } from '../answers/errors.js';
import { signAnswer } from '../answers/signAnswer.js';
import { signCoseSign1Sync } from '../answers/signCoseSign1.js';
import { signQuestionRequest } from '../answers/signQuestionRequest.js';
import { verifyAnswer } from '../answers/verifyAnswer.js';
import { readingDigest, readingDomainSeparator } from '../protocol/eip712.js';
import { SECP256K1_N } from '../protocol/signature.js';
import { checkFirmwareImage, FirmwareCheckError } from './checkFirmwareImage.js';
import { createRegistrationRequest } from './createRegistrationRequest.js';
import { deviceKeyFromPrivateKey } from './deviceKeyFromPrivateKey.js';
import { type ProvisioningBundle, parseProvisioningBundle, ProvisioningBundleError, trustedKeysOf } from './provisioningBundle.js';
import { signReading } from './signReading.js';

/**
 * The test vectors the C SDK (sdk-c/) is checked against, made by this SDK's own code: keys and
 * ids, reading digests and signed bodies, registration requests, signed questions, answers and
 * tampered answers with the reason verifyAnswer gives, and firmware checks with the reason
 * checkFirmwareImage gives. scripts/write-sdk-vectors.ts writes them to sdk-c/test/vectors.json and
 * sdk-c/test/vectors.h; cVectors.test.ts fails when the committed files differ from what this code
 * makes now, so the two SDKs cannot drift apart. Every key here is public: test use only.
 */
export type CVectors = Awaited<ReturnType<typeof makeCVectors>>;

/** Public test keys: the protocol's reading key, then two derived from fixed text. */
const devicePrivateKeys: Hex[] = [
  '0x90bf9a04300cc110d2fd65ac6176917149e9ba8ed0bf149fcfadb32e18db719e',
  keccak256(toBytes('pythia sdk-c test vector device key 1')),
  keccak256(toBytes('pythia sdk-c test vector device key 2')),
];
/** The answer test vector's Pythia key (docs/protocol.md), and another nobody trusts. */
const pythiaPrivateKey: Hex = '0x2f57cb779fce6b259dec43057ddf96058ffef68d938414ed15b709e4dcc1b538';
const strangerPrivateKey: Hex = keccak256(toBytes('pythia sdk-c test vector untrusted pythia'));

const chainId = 20601;
const fleet: Address = '0x00000000000000000000000000000000000F1EE7';
const challenge = hexToBytes('0x0102030405060708');
const blockHash: Hex = `0x${'ab'.repeat(32)}`;
const time = 1767225600;

type AskedQuestion = { question: 1; device: Address } | { question: 3; device: Address; classId: number; sequence: bigint };
type Policy = { chainId: number; maxAgeBlocks: number; currentBlock?: bigint; maxAgeSeconds: number; now?: number };

const paramsJson = (q: AskedQuestion) =>
  q.question === 1 ? { device: q.device } : { device: q.device, classId: q.classId, sequence: q.sequence.toString() };

const reasonOf = (error: unknown): string => {
  if (error instanceof AnswerError || error instanceof FirmwareCheckError) return error.reason;
  throw error;
};

/** Re-encodes a COSE_Sign1 whose payload is already encoded, signed by `privateKey` (for payloads the encoder would refuse). */
const signRawPayload = (payload: Uint8Array, privateKey: Hex = pythiaPrivateKey) => signCoseSign1Sync(privateKey, payload);

const hex = (bytes: Uint8Array) => bytesToHex(bytes);

export async function makeCVectors() {
  const keys = devicePrivateKeys.map((privateKey) => deviceKeyFromPrivateKey(privateKey));
  const device = keys[0]!;
  const pythia = deviceKeyFromPrivateKey(pythiaPrivateKey);

  const domains = [
    { chainId, verifyingContract: fleet },
    { chainId: Number.MAX_SAFE_INTEGER, verifyingContract: '0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF' as Address },
  ];
  const readingInputs = [
    { key: 0, domain: 0, sequence: 1n, timestamp: 1767225600, payload: '0x007b00fb013001c40866157c' as Hex },
    { key: 1, domain: 0, sequence: 18446744073709551615n, timestamp: 0, payload: '0x' as Hex },
    { key: 2, domain: 1, sequence: 42n, timestamp: Number.MAX_SAFE_INTEGER, payload: bytesToHex(new Uint8Array(256).map((_, i) => i)) },
    { key: 0, domain: 1, sequence: 9007199254740993n, timestamp: 1767225601, payload: '0xff7f8000' as Hex },
  ];
  const readings = readingInputs.map((input) => {
    const key = keys[input.key]!;
    const domain = domains[input.domain]!;
    const separator = readingDomainSeparator(domain);
    const digest = readingDigest(separator, {
      device: key.deviceId,
      sequence: input.sequence,
      timestamp: BigInt(input.timestamp),
      payload: input.payload,
    });
    const body = signReading({ key, domain, sequence: input.sequence, timestamp: input.timestamp, payload: input.payload });
    return {
      key: input.key,
      chainId: String(domain.chainId),
      verifyingContract: domain.verifyingContract,
      sequence: input.sequence.toString(),
      timestamp: String(input.timestamp),
      payload: input.payload,
      domainSeparator: hex(separator),
      digest: hex(digest),
      json: JSON.stringify(body),
    };
  });

  const registrations = [
    { key: 0, classId: 1, metadata: { site: 'Rue de la Gare 4' } },
    { key: 1, classId: 65535, metadata: undefined },
    { key: 2, classId: 0, metadata: { floor: 3, tags: ['roof', 'north'] } },
  ].map(({ key, classId, metadata }) => {
    const request = createRegistrationRequest(keys[key]!, metadata === undefined ? { classId } : { classId, metadata });
    return {
      key,
      classId,
      metadata: metadata === undefined ? null : JSON.stringify(metadata),
      json: JSON.stringify(request),
    };
  });

  const firmwareRelease = { classId: 1, sequence: 5n };
  const statusQuestion: AskedQuestion = { question: 1, device: device.deviceId };
  const firmwareQuestion: AskedQuestion = { question: 3, device: device.deviceId, ...firmwareRelease };
  const questionRequests = [
    { key: 0, question: statusQuestion, sequence: 1767225600123n, challenge: '0x0102030405060708' as Hex },
    {
      key: 1,
      question: { question: 1, device: keys[2]!.deviceId } as AskedQuestion,
      sequence: 1n,
      challenge: bytesToHex(new Uint8Array(32).fill(0xee)),
    },
    { key: 0, question: firmwareQuestion, sequence: 18446744073709551615n, challenge: '0x1112131415161718191a' as Hex },
  ].map(({ key, question, sequence, challenge: c }) => {
    const params =
      question.question === 1 ? hexToBytes(question.device) : [hexToBytes(question.device), question.classId, question.sequence];
    const { cose } = signQuestionRequest({
      privateKey: keys[key]!.privateKey,
      request: { device: keys[key]!.deviceId, question: question.question, params, challenge: hexToBytes(c), sequence, chainId },
    });
    return { key, ...describeQuestion(question), sequence: sequence.toString(), challenge: c, chainId: String(chainId), cose: hex(cose) };
  });

  // ---- answers
  const statusPayload = (status: number, overrides: Partial<AnswerPayload> = {}): AnswerPayload => ({
    question: 1,
    params: hexToBytes(device.deviceId),
    answer: [status, 1, 42n, 0, 0, 1],
    challenge,
    blockNumber: 1234n,
    blockHash,
    time,
    chainId,
    ...overrides,
  });
  const firmwarePayload = (answer: unknown[], overrides: Partial<AnswerPayload> = {}): AnswerPayload => ({
    question: 3,
    params: [hexToBytes(device.deviceId), firmwareRelease.classId, firmwareRelease.sequence],
    answer,
    challenge,
    blockNumber: 1234n,
    blockHash,
    time,
    chainId,
    ...overrides,
  });
  const image = new Uint8Array(1500).map((_, i) => (i * 7 + 3) & 0xff);
  const imageDigest = hexToBytes(`0x${Buffer.from(await crypto.subtle.digest('SHA-256', image)).toString('hex')}`);
  const approved = [true, 0, firmwareRelease.sequence, imageDigest, BigInt(image.length)];

  const active = signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(1) });
  const policy: Policy = { chainId, maxAgeBlocks: 5, currentBlock: 1236n, maxAgeSeconds: 300, now: time + 60 };
  const flip = (bytes: Uint8Array, index: number) => {
    const out = bytes.slice();
    const at = index < 0 ? out.length + index : index;
    out[at] = out[at]! ^ 0x01;
    return out;
  };
  const highS = () => {
    const out = active.slice();
    const s = BigInt(bytesToHex(out.subarray(out.length - 32)));
    out.set(hexToBytes(`0x${(SECP256K1_N - s).toString(16).padStart(64, '0')}`), out.length - 32);
    return out;
  };
  const payloadOf = (p: AnswerPayload) => encodeAnswerPayload(p);
  const activePayload = payloadOf(statusPayload(1));
  // The time (key 7) written with an 8-byte head instead of its shortest 4-byte form.
  const timeAt = activePayload.indexOf(0x07, activePayload.length - 12);
  // {1: 1, 2: h'<20>', 3: [status, ...], 4: h'<challenge>'}: the status is the first item after 03 86, the challenge's head follows the answer's 8 bytes.
  const statusAt = 1 + 2 + 2 + 20 + 2;
  const challengeAt = statusAt + 7 + 1;
  if (activePayload[statusAt - 1] !== 0x86 || activePayload[challengeAt] !== 0x48) throw new Error('the status payload layout changed');
  const longTime = new Uint8Array([...activePayload.subarray(0, timeAt + 1), 0x1b, 0, 0, 0, 0, ...activePayload.subarray(timeAt + 2)]);

  const answerCases: { name: string; cose: Uint8Array; asked?: AskedQuestion; challenge?: Hex; policy?: Partial<Policy> }[] = [
    { name: 'active', cose: active },
    { name: 'suspended', cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(2) }) },
    { name: 'revoked', cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(3) }) },
    {
      name: 'large numbers',
      cose: signAnswer({
        privateKey: pythiaPrivateKey,
        payload: statusPayload(1, {
          answer: [1, 65535, 18446744073709551615n, 4294967295, 255, 4294967295],
          blockNumber: 18446744073709551615n,
        }),
      }),
      policy: { currentBlock: 18446744073709551615n },
    },
    {
      name: 'firmware approved',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: firmwarePayload(approved) }),
      asked: firmwareQuestion,
    },
    {
      name: 'firmware revoked',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: firmwarePayload([false, 4, 5n, imageDigest, 1500n]) }),
      asked: firmwareQuestion,
    },
    { name: 'no block reference', cose: active, policy: { currentBlock: undefined } },
    { name: 'flipped signature byte', cose: flip(active, -1) },
    { name: 'flipped payload byte', cose: flip(active, 40) },
    { name: 'high s twin', cose: highS() },
    {
      name: 'zero r',
      cose: (() => {
        const out = active.slice();
        out.fill(0, out.length - 64, out.length - 32);
        return out;
      })(),
    },
    { name: 'untrusted key', cose: signAnswer({ privateKey: strangerPrivateKey, payload: statusPayload(1) }) },
    { name: 'untagged', cose: active.subarray(1) },
    { name: 'truncated', cose: active.subarray(0, active.length - 1) },
    { name: 'trailing byte', cose: new Uint8Array([...active, 0x00]) },
    { name: 'empty', cose: new Uint8Array(0) },
    { name: 'wrong algorithm', cose: new Uint8Array([0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, ...active.subarray(7)]) },
    { name: 'no algorithm', cose: new Uint8Array([0xd2, 0x84, 0x41, 0xa0, ...active.subarray(7)]) },
    {
      name: 'short signature',
      cose: new Uint8Array([...active.subarray(0, active.length - 66), 0x58, 0x3f, ...active.subarray(active.length - 63)]),
    },
    { name: 'kid of 19 bytes', cose: new Uint8Array([0xd2, 0x84, 0x44, 0xa1, 0x01, 0x38, 0x2e, 0xa1, 0x04, 0x53, ...active.subarray(11)]) },
    { name: 'challenge mismatch', cose: active, challenge: '0x0102030405060709' },
    { name: 'longer challenge', cose: active, challenge: '0x010203040506070800' },
    { name: 'about another device', cose: active, asked: { question: 1, device: keys[1]!.deviceId } },
    { name: 'answer to another question', cose: active, asked: firmwareQuestion },
    {
      name: 'firmware for another release',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: firmwarePayload(approved) }),
      asked: { ...firmwareQuestion, sequence: 6n },
    },
    { name: 'wrong chain', cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(1, { chainId: 1 }) }) },
    { name: 'stale by blocks', cose: active, policy: { currentBlock: 1240n } },
    { name: 'at the block bound', cose: active, policy: { currentBlock: 1239n } },
    { name: 'stale by time', cose: active, policy: { now: time + 301 } },
    { name: 'at the time bound', cose: active, policy: { now: time + 300 } },
    { name: 'answer from the future', cose: active, policy: { now: time - 1000, currentBlock: 10n } },
    { name: 'non-shortest time (signed)', cose: signRawPayload(longTime) },
    { name: 'extra payload key (signed)', cose: signRawPayload(new Uint8Array([0xa9, ...activePayload.subarray(1), 0x09, 0x00])) },
    { name: 'status out of range (signed)', cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(4) }) },
    {
      name: 'status answer of 5 items (signed)',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(1, { answer: [1, 1, 42n, 0, 0] }) }),
    },
    {
      name: 'params of 19 bytes (signed)',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(1, { params: hexToBytes(device.deviceId).subarray(1) }) }),
    },
    {
      name: 'challenge of 7 bytes (signed)',
      cose: signRawPayload(
        new Uint8Array([
          ...activePayload.subarray(0, challengeAt),
          0x47,
          ...challenge.subarray(1),
          ...activePayload.subarray(challengeAt + 9),
        ]),
      ),
      challenge: '0x02030405060708',
    },
    {
      name: 'approved without digest (signed)',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: firmwarePayload([true, 0, 5n, new Uint8Array(32), 1500n]) }),
      asked: firmwareQuestion,
    },
    {
      name: 'approved with a reason (signed)',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: firmwarePayload([true, 4, 5n, imageDigest, 1500n]) }),
      asked: firmwareQuestion,
    },
    {
      name: 'float in the answer (signed)',
      cose: signRawPayload(
        new Uint8Array([...activePayload.subarray(0, statusAt), 0xf9, 0x3c, 0x00, ...activePayload.subarray(statusAt + 1)]),
      ),
    },
  ];

  // The deepest nesting a reader takes (16 levels below the payload map) and one more: the stack
  // measured on the board must include the CBOR check at its deepest.
  const nested = (levels: number): unknown => (levels === 0 ? 0 : [nested(levels - 1)]);
  answerCases.push(
    {
      name: 'params nested 15 deep (signed)',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(1, { params: nested(15) }) }),
    },
    {
      name: 'params nested 16 deep (signed)',
      cose: signAnswer({ privateKey: pythiaPrivateKey, payload: statusPayload(1, { params: nested(16) }) }),
    },
  );
  answerCases.push(...mutatedAnswers([...answerCases.slice(0, 6)], 200));

  const answers = answerCases.map((c) => {
    const asked = c.asked ?? statusQuestion;
    const p = { ...policy, ...c.policy };
    const askedChallenge = c.challenge ?? bytesToHex(challenge);
    let expect = 'ok';
    let decoded: Record<string, string> | undefined;
    try {
      const verified = verifyAnswer({
        answer: c.cose,
        trustedKeys: [{ address: pythia.deviceId, publicKey: pythia.publicKey }],
        challenge: askedChallenge,
        question: { question: asked.question, params: paramsJson(asked) },
        chainId: p.chainId,
        maxAgeBlocks: p.maxAgeBlocks,
        maxAgeSeconds: p.maxAgeSeconds,
        ...(p.currentBlock === undefined ? {} : { currentBlock: p.currentBlock }),
        ...(p.now === undefined ? {} : { now: p.now }),
      });
      decoded = { blockNumber: verified.blockNumber.toString(), time: String(verified.time), summary: summarise(verified.answer) };
    } catch (error) {
      expect = reasonOf(error);
    }
    return {
      name: c.name,
      cose: hex(c.cose),
      challenge: askedChallenge,
      ...describeQuestion(asked),
      chainId: String(p.chainId),
      maxAgeBlocks: String(p.maxAgeBlocks),
      currentBlock: p.currentBlock === undefined ? null : p.currentBlock.toString(),
      maxAgeSeconds: String(p.maxAgeSeconds),
      now: p.now === undefined ? null : String(p.now),
      expect,
      blockNumber: decoded?.blockNumber ?? null,
      time: decoded?.time ?? null,
      summary: decoded?.summary ?? null,
    };
  });

  // ---- firmware
  const bundle: ProvisioningBundle = {
    version: 1,
    chainId,
    contracts: { fleet },
    pythiaKeys: [{ address: pythia.deviceId, publicKey: pythia.publicKey, attested: false }],
    attestationPolicy: { requireAttested: false },
    freshness: { maxAgeSeconds: 300, maxAgeBlocks: 5 },
    gatewayUrls: ['http://127.0.0.1:8080'],
  };
  const approvedAnswer = signAnswer({ privateKey: pythiaPrivateKey, payload: firmwarePayload(approved) });
  const firmwareCases: {
    name: string;
    answer?: Uint8Array;
    image?: Uint8Array;
    classId?: number;
    running?: bigint;
    release?: { classId: number; sequence: bigint };
    now?: number;
  }[] = [
    { name: 'approved image' },
    { name: 'release for another class', classId: 2 },
    { name: 'rollback to the running release', running: 5n },
    {
      name: 'not approved',
      answer: signAnswer({ privateKey: pythiaPrivateKey, payload: firmwarePayload([false, 6, 5n, imageDigest, 1500n]) }),
    },
    {
      name: 'approved release has another sequence',
      answer: signAnswer({
        privateKey: pythiaPrivateKey,
        payload: firmwarePayload([true, 0, 6n, imageDigest, 1500n], { params: [hexToBytes(device.deviceId), 1, 5n] }),
      }),
    },
    { name: 'image one byte too long', image: new Uint8Array([...image, 0]) },
    { name: 'image one byte short', image: image.subarray(0, image.length - 1) },
    { name: 'image with a flipped byte', image: flip(image, 700) },
    { name: 'stale answer (freeze)', now: time + 301 },
    { name: 'tampered answer', answer: flip(approvedAnswer, 60) },
  ];
  const firmware = [];
  for (const c of firmwareCases) {
    const answer = c.answer ?? approvedAnswer;
    const candidate = c.image ?? image;
    const classId = c.classId ?? 1;
    const running = c.running ?? 4n;
    const release = c.release ?? firmwareRelease;
    const now = c.now ?? time + 60;
    let expect = 'ok';
    try {
      await checkFirmwareImage({
        answer,
        challenge,
        bundle,
        device: device.deviceId,
        classId,
        runningSequence: running,
        release,
        image: candidate,
        currentBlock: 1236n,
        now,
      });
    } catch (error) {
      expect = reasonOf(error);
    }
    firmware.push({
      name: c.name,
      answer: hex(answer),
      image: hex(candidate),
      classId: String(classId),
      runningSequence: running.toString(),
      releaseClassId: String(release.classId),
      releaseSequence: release.sequence.toString(),
      now: String(now),
      expect,
    });
  }

  return {
    description:
      'Test vectors of the Pythia device protocol, written by the TypeScript SDK (src/sdk/cVectors.ts) and checked by both SDKs. Every key is public: never use one for a real device or Pythia.',
    devices: keys.map((k) => ({ privateKey: k.privateKey, publicKey: k.publicKey, deviceId: k.deviceId })),
    pythia: { privateKey: pythiaPrivateKey, address: pythia.deviceId, publicKey: pythia.publicKey },
    readings,
    registrations,
    questionRequests,
    answerPolicy: { challenge: bytesToHex(challenge), chainId: String(chainId), maxAgeBlocks: '5', maxAgeSeconds: '300' },
    answers,
    firmwareCommon: {
      device: device.deviceId,
      currentBlock: '1236',
      maxAgeBlocks: '5',
      maxAgeSeconds: '300',
      challenge: bytesToHex(challenge),
      chainId: String(chainId),
    },
    firmware,
    bundles: bundleVectors(pythia),
  };
}

/**
 * Answers with 1 to 3 random edits (a byte set to a CBOR head that matters, a bit flipped, a byte
 * inserted or removed), from a fixed seed: half of the whole COSE_Sign1 (most stop at the structure
 * or the signature), half of the payload then signed again, so they reach the payload checks. What
 * each must give is whatever verifyAnswer says: the C SDK must say the same.
 */
function mutatedAnswers(bases: { name: string; cose: Uint8Array; asked?: AskedQuestion }[], count: number) {
  let state = 0x5eed;
  const random = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state % n;
  };
  const heads = [
    0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x38, 0x40, 0x54, 0x58, 0x5f, 0x60, 0x7f, 0x80, 0x84, 0x9f, 0xa0, 0xa8, 0xbf,
    0xc0, 0xd2, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xff,
  ];
  const mutate = (bytes: Uint8Array) => {
    const out = Array.from(bytes);
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(out.length + 1);
      const op = random(4);
      if (op === 2) out.splice(at, 0, heads[random(heads.length)]!);
      else if (out.length === 0) continue;
      else if (op === 0) out[at % out.length] = heads[random(heads.length)]!;
      else if (op === 1) out[at % out.length]! ^= 1 << random(8);
      else out.splice(at % out.length, 1);
    }
    return new Uint8Array(out);
  };
  return Array.from({ length: count }, (_, i) => {
    const base = bases[random(bases.length)]!;
    // The payload of a Pythia answer starts after tag, array, protected header, {4: kid} and its 2-byte bstr head.
    const payload = base.cose.subarray(32, 32 + base.cose[31]!);
    const cose = i % 2 === 0 ? mutate(base.cose) : signRawPayload(mutate(payload));
    return {
      name: `mutation ${i} of ${base.name}${i % 2 === 0 ? '' : ' (payload, signed)'}`,
      cose,
      ...(base.asked ? { asked: base.asked } : {}),
    };
  });
}

function describeQuestion(q: AskedQuestion) {
  return {
    question: q.question,
    device: q.device,
    classId: q.question === 3 ? String(q.classId) : '0',
    releaseSequence: q.question === 3 ? q.sequence.toString() : '0',
  };
}

/** A verified answer in one line, written the same way by the C test. */
function summarise(answer: unknown): string {
  const a = answer as Record<string, unknown>;
  if ('approved' in a)
    return `approved=${a.approved ? 1 : 0} reason=${String(a.reason)} sequence=${String(a.sequence)} digest=${String(a.digest)} size=${String(a.size)}`;
  return `status=${String(a.status)} class=${String(a.classId)} lastSequence=${String(a.lastSequence)} flags=${String(a.flags)} autoSuspensions=${String(a.autoSuspensions)} profileVersion=${String(a.profileVersion)}`;
}

/** The C rendering of the vectors: string literals the C test parses, so one generator feeds both files. */
export function cVectorsHeader(vectors: CVectors): string {
  const s = (v: unknown) => JSON.stringify(v === null || v === undefined ? '' : String(v));
  const lines: string[] = [
    '/* Generated by scripts/write-sdk-vectors.ts from src/sdk/cVectors.ts: do not edit. The same data as vectors.json. */',
    '#ifndef PYTHIA_TEST_VECTORS_H',
    '#define PYTHIA_TEST_VECTORS_H',
    '',
    'typedef struct { const char *private_key, *public_key, *device_id; } vector_device;',
    'typedef struct { int key; const char *chain_id, *verifying_contract, *sequence, *timestamp, *payload, *domain_separator, *digest, *json; } vector_reading;',
    'typedef struct { int key; const char *class_id, *metadata, *json; } vector_registration;',
    'typedef struct { int key; int question; const char *device, *class_id, *release_sequence, *sequence, *challenge, *chain_id, *cose; } vector_question;',
    'typedef struct { const char *name, *cose, *challenge; int question; const char *device, *class_id, *release_sequence, *chain_id, *max_age_blocks, *current_block, *max_age_seconds, *now, *expect, *block_number, *time, *summary; } vector_answer;',
    'typedef struct { const char *name, *answer, *image, *class_id, *running_sequence, *release_class_id, *release_sequence, *now, *expect; } vector_firmware;',
    '',
    `static const char *const vector_pythia_address = ${s(vectors.pythia.address)};`,
    `static const char *const vector_pythia_public_key = ${s(vectors.pythia.publicKey)};`,
    `static const char *const vector_firmware_device = ${s(vectors.firmwareCommon.device)};`,
    `static const char *const vector_firmware_current_block = ${s(vectors.firmwareCommon.currentBlock)};`,
    '',
    'static const vector_device vector_devices[] = {',
    ...vectors.devices.map((d) => `  {${s(d.privateKey)}, ${s(d.publicKey)}, ${s(d.deviceId)}},`),
    '};',
    'static const vector_reading vector_readings[] = {',
    ...vectors.readings.map(
      (r) =>
        `  {${r.key}, ${s(r.chainId)}, ${s(r.verifyingContract)}, ${s(r.sequence)}, ${s(r.timestamp)}, ${s(r.payload)}, ${s(r.domainSeparator)}, ${s(r.digest)}, ${s(r.json)}},`,
    ),
    '};',
    'static const vector_registration vector_registrations[] = {',
    ...vectors.registrations.map((r) => `  {${r.key}, ${s(r.classId)}, ${r.metadata === null ? 'NULL' : s(r.metadata)}, ${s(r.json)}},`),
    '};',
    'static const vector_question vector_questions[] = {',
    ...vectors.questionRequests.map(
      (q) =>
        `  {${q.key}, ${q.question}, ${s(q.device)}, ${s(q.classId)}, ${s(q.releaseSequence)}, ${s(q.sequence)}, ${s(q.challenge)}, ${s(q.chainId)}, ${s(q.cose)}},`,
    ),
    '};',
    'static const vector_answer vector_answers[] = {',
    ...vectors.answers.map(
      (a) =>
        `  {${s(a.name)}, ${s(a.cose)}, ${s(a.challenge)}, ${a.question}, ${s(a.device)}, ${s(a.classId)}, ${s(a.releaseSequence)}, ${s(a.chainId)}, ${s(a.maxAgeBlocks)}, ${s(a.currentBlock)}, ${s(a.maxAgeSeconds)}, ${s(a.now)}, ${s(a.expect)}, ${s(a.blockNumber)}, ${s(a.time)}, ${s(a.summary)}},`,
    ),
    '};',
    'static const vector_firmware vector_firmware_checks[] = {',
    ...vectors.firmware.map(
      (f) =>
        `  {${s(f.name)}, ${s(f.answer)}, ${s(f.image)}, ${s(f.classId)}, ${s(f.runningSequence)}, ${s(f.releaseClassId)}, ${s(f.releaseSequence)}, ${s(f.now)}, ${s(f.expect)}},`,
    ),
    '};',
    'typedef struct { const char *name, *json, *expect, *field, *summary; } vector_bundle;',
    'static const vector_bundle vector_bundles[] = {',
    ...vectors.bundles.map((b) => `  {${s(b.name)}, ${s(b.json)}, ${s(b.expect)}, ${s(b.field)}, ${s(b.summary)}},`),
    '};',
    '',
    '#endif',
    '',
  ];
  return lines.join('\n');
}

/** A parsed bundle in one line, written the same way by the C test: every field, then the keys trustedKeysOf keeps. */
function summariseBundle(b: ProvisioningBundle): string {
  const lower = (v: string | undefined) => (v === undefined ? '-' : v.toLowerCase());
  const c = b.contracts;
  const keys = b.pythiaKeys.map(
    (k) =>
      `${lower(k.address)}/${lower(`0x${k.publicKey.slice(-128)}`)}/${k.attested ? 1 : 0}/${k.revoked ? 1 : 0}/${lower(k.measurement)}`,
  );
  const measurements = b.attestationPolicy.allowedMeasurements;
  return [
    `chainId=${b.chainId}`,
    `fleet=${lower(c.fleet)} pythiaRegistry=${lower(c.pythiaRegistry)} deviceOwnership=${lower(c.deviceOwnership)} firmwareRegistry=${lower(c.firmwareRegistry)} consentRegistry=${lower(c.consentRegistry)}`,
    `keys=${keys.join(',')}`,
    `requireAttested=${b.attestationPolicy.requireAttested ? 1 : 0} allowedMeasurements=${measurements === undefined ? '-' : measurements.map(lower).join(',')}`,
    `maxAgeSeconds=${b.freshness.maxAgeSeconds} maxAgeBlocks=${b.freshness.maxAgeBlocks}`,
    `gateways=${b.gatewayUrls.join(',')}`,
    `trusted=${trustedKeysOf(b)
      .map((k) => lower(typeof k === 'string' ? k : k.address))
      .join(',')}`,
    `clique=${b.clique ? `${b.clique.epoch}/${b.clique.validators.map(lower).join(',')}` : '-'}`,
  ].join(' ');
}

/**
 * Provisioning bundles, valid and malformed, each with what parseProvisioningBundle says: the
 * first bad field and the kind of refusal (the C reader's reason words), or the parsed bundle in
 * one line. The last ones are valid here but over the C reader's fixed bounds (too_large there).
 */
function bundleVectors(pythia: { deviceId: Address; publicKey: Hex }) {
  const other = deviceKeyFromPrivateKey(strangerPrivateKey);
  const measurement: Hex = `0x${'5a'.repeat(48)}`;
  type Json = Record<string, unknown>;
  const base = (): Json => ({
    version: 1,
    chainId,
    contracts: { fleet, consentRegistry: '0x00000000000000000000000000000000000C0275' },
    pythiaKeys: [{ address: pythia.deviceId, publicKey: pythia.publicKey, attested: false }],
    attestationPolicy: { requireAttested: false },
    freshness: { maxAgeSeconds: 300, maxAgeBlocks: 5 },
    gatewayUrls: ['http://127.0.0.1:8080'],
  });
  const edit = (change: (b: Json & { pythiaKeys: Json[]; contracts: Json; attestationPolicy: Json; freshness: Json }) => void) => {
    const b = base() as Json & { pythiaKeys: Json[]; contracts: Json; attestationPolicy: Json; freshness: Json };
    change(b);
    return JSON.stringify(b);
  };
  const full = () =>
    ({
      ...base(),
      contracts: {
        fleet: fleet.toLowerCase(),
        pythiaRegistry: '0x0000000000000000000000000000000000000001',
        deviceOwnership: '0x0000000000000000000000000000000000000002',
        firmwareRegistry: '0x0000000000000000000000000000000000000003',
        consentRegistry: '0x0000000000000000000000000000000000000004',
      },
      pythiaKeys: [
        { address: pythia.deviceId, publicKey: pythia.publicKey, attested: true, measurement },
        { address: other.deviceId, publicKey: `0x04${other.publicKey.slice(2)}`, attested: true, revoked: true },
        { address: other.deviceId.toLowerCase(), publicKey: other.publicKey, attested: false, revoked: false },
      ],
      attestationPolicy: { requireAttested: true, allowedMeasurements: [measurement.toUpperCase().replace('0X', '0x')] },
      freshness: { maxAgeSeconds: 9007199254740991, maxAgeBlocks: 1 },
      gatewayUrls: ['https://gateway.example.org/pythia', 'HTTP://10.0.0.2:8080/'],
    }) as Json;
  const cases: { name: string; json: string; overBound?: string }[] = [
    { name: 'as pythia bundle create writes it', json: JSON.stringify(base(), null, 2) },
    { name: 'every field, a revoked key, a 65-byte key, attestation required with a measurement', json: JSON.stringify(full(), null, 1) },
    {
      name: 'attestation required, no measurement list',
      json: edit((b) => {
        b.pythiaKeys = full().pythiaKeys as Json[];
        b.attestationPolicy = { requireAttested: true };
      }),
    },
    {
      name: 'escaped characters in strings and names',
      json: JSON.stringify(base()).replace('"version"', '"\\u0076ersion"').replace('http://', 'http:\\/\\/'),
    },
    {
      name: 'a member given twice: the last counts (JSON.parse)',
      json: JSON.stringify(base()).replace('{"version":1,', '{"version":1,"chainId":7,'),
    },
    { name: 'empty text', json: '' },
    { name: 'truncated', json: JSON.stringify(base()).slice(0, -1) },
    { name: 'trailing comma', json: JSON.stringify(base()).replace(/}$/, ',}') },
    { name: 'two values', json: `${JSON.stringify(base())} {}` },
    { name: 'a number with a leading zero', json: JSON.stringify(base()).replace('"maxAgeBlocks":5', '"maxAgeBlocks":05') },
    { name: 'a raw control character in a string', json: JSON.stringify(base()).replace('127.0.0.1', '127.0.0.1\t') },
    { name: 'an array', json: '[]' },
    { name: 'null', json: 'null' },
    {
      name: 'an unknown top-level field',
      json: edit((b) => {
        b.extra = true;
      }),
    },
    {
      name: 'version 2',
      json: edit((b) => {
        b.version = 2;
      }),
    },
    {
      name: 'version as a string',
      json: edit((b) => {
        b.version = '1';
      }),
    },
    {
      name: 'no version',
      json: edit((b) => {
        delete b.version;
      }),
    },
    {
      name: 'chain id 0',
      json: edit((b) => {
        b.chainId = 0;
      }),
    },
    {
      name: 'chain id negative',
      json: edit((b) => {
        b.chainId = -1;
      }),
    },
    {
      name: 'chain id a fraction',
      json: edit((b) => {
        b.chainId = 1.5;
      }),
    },
    {
      name: 'chain id as a string',
      json: edit((b) => {
        b.chainId = '20601';
      }),
    },
    {
      name: 'chain id over 2^53 - 1',
      json: edit((b) => {
        b.chainId = 9007199254740992;
      }),
    },
    {
      name: 'contracts an array',
      json: edit((b) => {
        b.contracts = [] as unknown as Json;
      }),
    },
    {
      name: 'no contracts',
      json: edit((b) => {
        delete (b as Json).contracts;
      }),
    },
    {
      name: 'an unknown contract',
      json: edit((b) => {
        b.contracts.oracle = fleet;
      }),
    },
    {
      name: 'no fleet',
      json: edit((b) => {
        delete b.contracts.fleet;
      }),
    },
    {
      name: 'fleet of 39 hex digits',
      json: edit((b) => {
        b.contracts.fleet = fleet.slice(0, -1);
      }),
    },
    {
      name: 'fleet with 0X',
      json: edit((b) => {
        b.contracts.fleet = fleet.replace('0x', '0X');
      }),
    },
    {
      name: 'consent registry null',
      json: edit((b) => {
        b.contracts.consentRegistry = null;
      }),
    },
    {
      name: 'no Pythia keys',
      json: edit((b) => {
        b.pythiaKeys = [];
      }),
    },
    {
      name: 'Pythia keys an object',
      json: edit((b) => {
        b.pythiaKeys = {} as unknown as Json[];
      }),
    },
    {
      name: 'a Pythia key a string',
      json: edit((b) => {
        b.pythiaKeys.push('0x00' as unknown as Json);
      }),
    },
    {
      name: 'a Pythia key with a bad address',
      json: edit((b) => {
        b.pythiaKeys[0]!.address = 'nope';
      }),
    },
    {
      name: 'a public key of 63 bytes',
      json: edit((b) => {
        b.pythiaKeys[0]!.publicKey = pythia.publicKey.slice(0, -2);
      }),
    },
    {
      name: 'a public key of odd length',
      json: edit((b) => {
        b.pythiaKeys[0]!.publicKey = pythia.publicKey.slice(0, -1);
      }),
    },
    {
      name: 'a public key that is not hex',
      json: edit((b) => {
        b.pythiaKeys[0]!.publicKey = `${pythia.publicKey.slice(0, -2)}zz`;
      }),
    },
    {
      name: 'the public key of another address',
      json: edit((b) => {
        b.pythiaKeys[0]!.publicKey = other.publicKey;
      }),
    },
    {
      name: 'a second key that is not its address',
      json: edit((b) => {
        b.pythiaKeys.push({ address: fleet, publicKey: other.publicKey, attested: true });
      }),
    },
    {
      name: 'attested missing',
      json: edit((b) => {
        delete b.pythiaKeys[0]!.attested;
      }),
    },
    {
      name: 'attested as a string',
      json: edit((b) => {
        b.pythiaKeys[0]!.attested = 'true';
      }),
    },
    {
      name: 'a measurement of 31 bytes',
      json: edit((b) => {
        b.pythiaKeys[0]!.attested = true;
        b.pythiaKeys[0]!.measurement = `0x${'11'.repeat(31)}`;
      }),
    },
    {
      name: 'a measurement for an unattested key',
      json: edit((b) => {
        b.pythiaKeys[0]!.measurement = measurement;
      }),
    },
    {
      name: 'revoked as a string',
      json: edit((b) => {
        b.pythiaKeys[0]!.revoked = 'no';
      }),
    },
    {
      name: 'an unknown field in a key',
      json: edit((b) => {
        b.pythiaKeys[0]!.comment = 'x';
      }),
    },
    {
      name: 'no attestation policy',
      json: edit((b) => {
        delete (b as Json).attestationPolicy;
      }),
    },
    {
      name: 'requireAttested missing',
      json: edit((b) => {
        b.attestationPolicy = {};
      }),
    },
    {
      name: 'allowed measurements not an array',
      json: edit((b) => {
        b.attestationPolicy.allowedMeasurements = measurement;
      }),
    },
    {
      name: 'an allowed measurement of 20 bytes',
      json: edit((b) => {
        b.attestationPolicy.allowedMeasurements = [measurement, fleet];
      }),
    },
    {
      name: 'maxAgeSeconds 0',
      json: edit((b) => {
        b.freshness.maxAgeSeconds = 0;
      }),
    },
    {
      name: 'no maxAgeBlocks',
      json: edit((b) => {
        delete b.freshness.maxAgeBlocks;
      }),
    },
    {
      name: 'an unknown freshness field',
      json: edit((b) => {
        b.freshness.maxAgeMinutes = 5;
      }),
    },
    {
      name: 'no gateways',
      json: edit((b) => {
        b.gatewayUrls = [];
      }),
    },
    {
      name: 'a gateway over ftp',
      json: edit((b) => {
        b.gatewayUrls = ['ftp://127.0.0.1/'];
      }),
    },
    {
      name: 'a gateway that is a number',
      json: edit((b) => {
        b.gatewayUrls = ['http://127.0.0.1:8080', 8080];
      }),
    },
    {
      name: 'a gateway that is not a URL',
      json: edit((b) => {
        b.gatewayUrls = ['not a url'];
      }),
    },
    {
      name: 'a gateway without a host',
      json: edit((b) => {
        b.gatewayUrls = ['http://:8080'];
      }),
    },
    {
      name: "the chain's Clique validators and epoch (a device that trusts the chain)",
      json: edit((b) => {
        b.clique = { epoch: 30000, validators: [fleet.toLowerCase(), other.deviceId, pythia.deviceId] };
      }),
    },
    {
      name: 'clique without validators',
      json: edit((b) => {
        b.clique = { epoch: 30000, validators: [] };
      }),
    },
    {
      name: 'clique with a zero epoch',
      json: edit((b) => {
        b.clique = { epoch: 0, validators: [fleet] };
      }),
    },
    {
      name: 'clique with a validator that is not an address',
      json: edit((b) => {
        b.clique = { epoch: 8, validators: [fleet, '0x1234'] };
      }),
    },
    {
      name: 'clique with a validator listed twice',
      json: edit((b) => {
        b.clique = { epoch: 8, validators: [fleet, fleet.toLowerCase()] };
      }),
    },
    {
      name: 'clique with an unknown member',
      json: edit((b) => {
        b.clique = { epoch: 8, validators: [fleet], checkpoint: 0 };
      }),
    },
    {
      name: 'seventeen validators (the C bound is 16)',
      json: edit((b) => {
        b.clique = {
          epoch: 8,
          validators: Array.from({ length: 17 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`),
        };
      }),
      overBound: 'clique.validators',
    },
    {
      name: 'five Pythia keys (the C bound is 4)',
      json: edit((b) => {
        b.pythiaKeys = [0, 1, 2, 3, 4].map(() => b.pythiaKeys[0]!);
      }),
      overBound: 'pythiaKeys',
    },
    {
      name: 'five gateways (the C bound is 4)',
      json: edit((b) => {
        b.gatewayUrls = [1, 2, 3, 4, 5].map((n) => `http://10.0.0.${n}:8080`);
      }),
      overBound: 'gatewayUrls',
    },
    {
      name: 'a gateway URL of 128 characters (the C bound is 127)',
      json: edit((b) => {
        b.gatewayUrls = [`http://gateway.example.org/${'p'.repeat(101)}`];
      }),
      overBound: 'gatewayUrls[0]',
    },
  ];
  return cases.map(({ name, json, overBound }) => {
    try {
      const bundle = parseProvisioningBundle(json);
      if (overBound) return { name, json, expect: 'too_large', field: overBound, summary: summariseBundle(bundle) };
      return { name, json, expect: 'ok', field: '', summary: summariseBundle(bundle) };
    } catch (error) {
      if (!(error instanceof ProvisioningBundleError)) throw error;
      if (overBound) throw new Error(`${name}: the TypeScript SDK must accept it (${error.message})`);
      const why = error.message.slice(`provisioning bundle: ${error.field} `.length);
      const expect = why.startsWith('is not JSON')
        ? 'not_json'
        : why === 'is not a bundle field'
          ? 'unknown_field'
          : why.startsWith('is not the key of')
            ? 'key_mismatch'
            : 'invalid_field';
      return { name, json, expect, field: error.field, summary: '' };
    }
  });
}

export function cVectorsJson(vectors: CVectors): string {
  return `${JSON.stringify(vectors, null, 2)}\n`;
}
