import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { bytesToHex, type Hex } from 'viem';
import { signAnswer } from '../answers/signAnswer.js';
import { firmwareApprovedQuestion, type FirmwareApprovedAnswer } from '../answers/questions/firmwareApproved.js';
import { AnswerError } from '../answers/errors.js';
import { checkFirmwareImage, FirmwareCheckError, type FirmwareCheckReason } from './checkFirmwareImage.js';
import { generateDeviceKey } from './generateDeviceKey.js';
import { parseProvisioningBundle } from './provisioningBundle.js';

const pythia = generateDeviceKey();
const device = generateDeviceKey();
const bundle = parseProvisioningBundle({
  version: 1,
  chainId: 20601,
  contracts: { fleet: '0x00000000000000000000000000000000000f1ee7' },
  pythiaKeys: [{ address: pythia.deviceId, publicKey: pythia.publicKey, attested: false }],
  attestationPolicy: { requireAttested: false },
  freshness: { maxAgeSeconds: 300, maxAgeBlocks: 100 },
  gatewayUrls: ['http://127.0.0.1:8780'],
});
const NOW = 1_767_225_600;
const image = new Uint8Array(randomBytes(4096));
const digest = bytesToHex(createHash('sha256').update(image).digest()) as Hex;
const release = { classId: 1, sequence: 8n };
const approved: FirmwareApprovedAnswer = { approved: true, reason: 'approved', sequence: 8n, digest, size: BigInt(image.length) };

function answerFor(options: { answer?: FirmwareApprovedAnswer; time?: number; params?: typeof release & { device?: Hex } } = {}) {
  const challenge = new Uint8Array(randomBytes(8));
  const params = {
    device: options.params?.device ?? device.deviceId,
    classId: options.params?.classId ?? 1,
    sequence: options.params?.sequence ?? 8n,
  };
  const answer = signAnswer({
    privateKey: pythia.privateKey,
    payload: {
      question: firmwareApprovedQuestion.id,
      params: firmwareApprovedQuestion.encodeParams(params as never),
      answer: firmwareApprovedQuestion.encodeAnswer(options.answer ?? approved),
      challenge,
      blockNumber: 1_000n,
      blockHash: `0x${'11'.repeat(32)}`,
      time: options.time ?? NOW - 10,
      chainId: 20601,
    },
  });
  return { answer, challenge };
}

const check = (overrides: Partial<Parameters<typeof checkFirmwareImage>[0]> = {}) =>
  checkFirmwareImage({
    ...answerFor(),
    bundle,
    device: device.deviceId,
    classId: 1,
    runningSequence: 7n,
    release,
    image,
    now: NOW,
    ...overrides,
  });

async function* chunks(bytes: Uint8Array, size: number, endless = false): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  while (endless) yield new Uint8Array(size);
}

async function refused(promise: Promise<unknown>, reason: FirmwareCheckReason) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FirmwareCheckError, String(error));
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

describe('checkFirmwareImage (device side of an update)', () => {
  it('accepts a fresh approved answer and the exact image, as bytes or as a stream', async () => {
    const ok = await check();
    assert.equal(ok.sequence, 8n);
    assert.equal(ok.digest, digest);
    assert.deepEqual(ok.image, image);
    const streamed = await check({ image: chunks(image, 1000) });
    assert.deepEqual(streamed.image, image);
  });

  it('endless data: stops reading one chunk past the release size', async () => {
    let pulled = 0;
    async function* endless() {
      for await (const chunk of chunks(image, 512, true)) {
        pulled++;
        yield chunk;
      }
    }
    await refused(check({ image: endless() }), 'too_large');
    assert.equal(pulled, image.length / 512 + 1, 'read no further than one chunk beyond the size');
    await refused(check({ image: new Uint8Array(image.length + 1) }), 'too_large');
  });

  it('refuses a short image and one whose SHA-256 differs', async () => {
    await refused(check({ image: image.subarray(0, image.length - 1) }), 'size_mismatch');
    const tampered = Uint8Array.from(image);
    tampered[100]! ^= 1;
    await refused(check({ image: chunks(tampered, 700) }), 'digest_mismatch');
  });

  it('mix-and-match: refuses a release of another class before anything else', async () => {
    await refused(check({ release: { classId: 2, sequence: 8n }, ...answerFor({ params: { classId: 2, sequence: 8n } }) }), 'wrong_class');
  });

  it('rollback: refuses a sequence lower than or equal to the running one', async () => {
    await refused(check({ runningSequence: 8n }), 'rollback');
    await refused(check({ runningSequence: 9n }), 'rollback');
  });

  it('freeze: refuses an answer older than the bundle allows (verifyAnswer stale_answer)', async () => {
    await assert.rejects(
      check({ ...answerFor({ time: NOW - 301 }) }),
      (e: unknown) => e instanceof AnswerError && e.reason === 'stale_answer',
    );
    await assert.rejects(check({ currentBlock: 1_101n }), (e: unknown) => e instanceof AnswerError && e.reason === 'stale_answer');
  });

  it('refuses an answer to other parameters, a refusal, and an answer by an untrusted key', async () => {
    await assert.rejects(
      check({ ...answerFor({ params: { classId: 1, sequence: 9n } }) }),
      (e: unknown) => e instanceof AnswerError && e.reason === 'question_mismatch',
    );
    await refused(check({ ...answerFor({ answer: { ...approved, approved: false, reason: 'revoked' } }) }), 'not_approved');
    const stranger = generateDeviceKey();
    const forged = signAnswer({
      privateKey: stranger.privateKey,
      payload: {
        question: 3,
        params: firmwareApprovedQuestion.encodeParams({ device: device.deviceId, ...release }),
        answer: firmwareApprovedQuestion.encodeAnswer(approved),
        challenge: new Uint8Array(8),
        blockNumber: 1_000n,
        blockHash: `0x${'11'.repeat(32)}`,
        time: NOW,
        chainId: 20601,
      },
    });
    await assert.rejects(
      check({ answer: forged, challenge: new Uint8Array(8) }),
      (e: unknown) => e instanceof AnswerError && e.reason === 'untrusted_key',
    );
  });
});
