import { createHash } from 'node:crypto';
import { bytesToHex, getAddress, type Address, type Hex } from 'viem';
import type { FirmwareApprovedAnswer, FirmwareApprovedParams } from '../answers/questions/firmwareApproved.js';
import { verifyAnswer, type VerifiedAnswer } from '../answers/verifyAnswer.js';
import { trustedKeysOf, type ProvisioningBundle } from './provisioningBundle.js';

export type FirmwareCheckReason =
  /** The release is for another device class (mix-and-match). */
  | 'wrong_class'
  /** The release is not newer than what the device runs (rollback). */
  | 'rollback'
  /** The answer is about another device. */
  | 'wrong_device'
  /** The Pythia says no (the answer's reason: revoked, owner approval missing, ...). */
  | 'not_approved'
  /** The image is longer than the release's size: reading stopped there (endless data). */
  | 'too_large'
  /** The image is shorter than the release's size. */
  | 'size_mismatch'
  /** The image's SHA-256 is not the release's digest. */
  | 'digest_mismatch';

export class FirmwareCheckError extends Error {
  override name = 'FirmwareCheckError';
  constructor(
    readonly reason: FirmwareCheckReason,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}

export type CheckFirmwareImageParameters = {
  /** The Pythia's COSE answer to firmware_approved. */
  answer: Uint8Array;
  /** The challenge the device sent with the question. */
  challenge: Uint8Array | Hex;
  /** The device's trust anchors and freshness bounds: an older answer is refused (freeze). */
  bundle: ProvisioningBundle;
  /** The device checking (its id) and what it runs now. */
  device: Address;
  classId: number;
  runningSequence: bigint;
  /** The release the device asked about (from the manifest it was offered). */
  release: { classId: number; sequence: bigint };
  /** The downloaded image: bytes, or a stream read only up to the release's size. */
  image: Uint8Array | AsyncIterable<Uint8Array>;
  /** Newest block the device knows of, for the bundle's maxAgeBlocks. */
  currentBlock?: bigint;
  /** Unix seconds; default the system clock. */
  now?: number;
};

export type CheckFirmwareImageReturnType = {
  sequence: bigint;
  digest: Hex;
  size: bigint;
  /** The image, exactly `size` bytes, safe to install. */
  image: Uint8Array;
  verified: VerifiedAnswer<FirmwareApprovedParams, FirmwareApprovedAnswer>;
};

/**
 * The device side of a firmware update, before installing anything: the release is for this
 * device's class and newer than what it runs (checked before asking the network anything else),
 * the Pythia's signed answer is genuine, to this question and fresh under the bundle's bounds
 * (verifyAnswer: stale_answer = freeze), approved, and the image is exactly the release's size
 * (reading stops one byte past it) with the release's SHA-256. Throws FirmwareCheckError or AnswerError.
 */
export async function checkFirmwareImage(parameters: CheckFirmwareImageParameters): Promise<CheckFirmwareImageReturnType> {
  const { bundle, release, classId, runningSequence } = parameters;
  const device = getAddress(parameters.device);
  if (release.classId !== classId) {
    throw new FirmwareCheckError('wrong_class', `the release is for class ${release.classId}, this device is class ${classId}`);
  }
  if (release.sequence <= runningSequence) {
    throw new FirmwareCheckError('rollback', `release sequence ${release.sequence} is not above the running ${runningSequence}`);
  }
  const verified = verifyAnswer<FirmwareApprovedParams, FirmwareApprovedAnswer>({
    answer: parameters.answer,
    trustedKeys: trustedKeysOf(bundle),
    challenge: parameters.challenge,
    question: { question: 'firmware_approved', params: { device, classId: release.classId, sequence: release.sequence } },
    chainId: bundle.chainId,
    maxAgeSeconds: bundle.freshness.maxAgeSeconds,
    maxAgeBlocks: bundle.freshness.maxAgeBlocks,
    ...(parameters.currentBlock === undefined ? {} : { currentBlock: parameters.currentBlock }),
    ...(parameters.now === undefined ? {} : { now: parameters.now }),
  });
  const { answer } = verified;
  if (verified.params.device !== device) throw new FirmwareCheckError('wrong_device', `the answer is about ${verified.params.device}`);
  if (!answer.approved) throw new FirmwareCheckError('not_approved', `the Pythia answers ${answer.reason}`);
  if (answer.sequence !== release.sequence) {
    throw new FirmwareCheckError('rollback', `the approved release has sequence ${answer.sequence}, asked ${release.sequence}`);
  }
  const image = await readAtMost(parameters.image, answer.size);
  if (BigInt(image.length) !== answer.size) {
    throw new FirmwareCheckError('size_mismatch', `the image has ${image.length} bytes, the release ${answer.size}`);
  }
  const digest = bytesToHex(createHash('sha256').update(image).digest());
  if (digest !== answer.digest.toLowerCase()) {
    throw new FirmwareCheckError('digest_mismatch', `the image's SHA-256 is ${digest}, the release's ${answer.digest}`);
  }
  return { sequence: answer.sequence, digest: answer.digest, size: answer.size, image, verified };
}

/** Collects at most `size` bytes; one byte more stops the reading (and the stream) with too_large. */
async function readAtMost(source: Uint8Array | AsyncIterable<Uint8Array>, size: bigint): Promise<Uint8Array> {
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new FirmwareCheckError('too_large', `a release of ${size} bytes cannot be held`);
  const limit = Number(size);
  if (source instanceof Uint8Array) {
    if (source.length > limit) throw new FirmwareCheckError('too_large', `the image is longer than the release's ${limit} bytes`);
    return source;
  }
  const out = new Uint8Array(limit);
  let length = 0;
  for await (const chunk of source) {
    // Leaving the loop early ends the iterator: the download stops here.
    if (length + chunk.length > limit) {
      throw new FirmwareCheckError('too_large', `the image is longer than the release's ${limit} bytes; reading stopped`);
    }
    out.set(chunk, length);
    length += chunk.length;
  }
  return out.subarray(0, length);
}
