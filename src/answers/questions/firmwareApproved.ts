import { bytesToHex, getAddress, hexToBytes, isAddress, type Address, type Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { approvalReasonNames, releaseIdOf, type ApprovalReasonName } from '../../protocol/firmwareTypedData.js';
import type { Question } from './types.js';

export type FirmwareApprovedParams = {
  /** The device that would install (normally the asker itself). */
  device: Address;
  /** The release as the manifest names it: its class and sequence (the release id is derived from both). */
  classId: number;
  sequence: bigint;
};

export type FirmwareApprovedAnswer = {
  /** Whether the device may install the release now. */
  approved: boolean;
  /** The registry's reason (approved, or the first check that says no). */
  reason: ApprovalReasonName;
  /** The published release's sequence, SHA-256 digest and size in bytes: what the device must download. Zero for an unknown release. */
  sequence: bigint;
  digest: Hex;
  size: bigint;
};

const UINT64_MAX = 0xffffffffffffffffn;
const ZERO_DIGEST = `0x${'00'.repeat(32)}` as Hex;

const uint64Of = (v: unknown): bigint | undefined => {
  const n = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
  return n !== undefined && n >= 0n && n <= UINT64_MAX ? n : undefined;
};
const classIdOf = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff ? v : undefined;

/**
 * Question 3, `firmware_approved`: may this device install this release now (FirmwareRegistry.isApproved)?
 * A device asks it about itself for a manifest it was offered, then checks the image it downloads
 * against the answer's digest and size (sdk checkFirmwareImage).
 * params: [device: bstr .size 20, classId: uint, sequence: uint] (release id = keccak256(abi.encode(classId, sequence))).
 * answer: [approved: bool, reason: uint, sequence: uint, digest: bstr .size 32, size: uint];
 * reason 0 approved, 1 unknown_release, 2 device_not_active, 3 wrong_class, 4 revoked, 5 not_newer,
 * 6 owner_approval_missing. An unknown release has sequence 0, a zero digest and size 0.
 */
export const firmwareApprovedQuestion: Question<FirmwareApprovedParams, FirmwareApprovedAnswer> = {
  id: 3,
  name: 'firmware_approved',
  requires: 'firmwareRegistry',
  parseParams(json) {
    if (typeof json !== 'object' || json === null) throw new Error('params must be { device, classId, sequence }');
    const { device, classId, sequence, ...rest } = json as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new Error('firmware_approved takes only params.device, params.classId and params.sequence');
    if (typeof device !== 'string' || !isAddress(device, { strict: false }))
      throw new Error('params.device must be a device id (0x + 40 hex digits)');
    const klass = classIdOf(classId);
    if (klass === undefined) throw new Error('params.classId must be an integer 0..65535');
    const seq = typeof sequence === 'string' && /^\d{1,20}$/.test(sequence) ? uint64Of(BigInt(sequence)) : uint64Of(sequence as unknown);
    if (seq === undefined || seq === 0n) throw new Error('params.sequence must be an integer 1..2^64-1 (a decimal string for large ones)');
    return { device: getAddress(device), classId: klass, sequence: seq };
  },
  encodeParams: ({ device, classId, sequence }) => [hexToBytes(device), classId, sequence],
  decodeParams(value) {
    if (!Array.isArray(value) || value.length !== 3) throw new Error('firmware_approved params must be [device, classId, sequence]');
    const [device, classId, sequence] = value as unknown[];
    if (!(device instanceof Uint8Array) || device.length !== 20) throw new Error('firmware_approved device must be 20 bytes');
    const klass = classIdOf(classId);
    const seq = uint64Of(sequence);
    if (klass === undefined || seq === undefined || seq === 0n)
      throw new Error('firmware_approved classId must be uint16 and sequence a uint64 ≥ 1');
    return { device: getAddress(bytesToHex(device)), classId: klass, sequence: seq };
  },
  async resolve({ publicClient, contracts, blockNumber }, { device, classId, sequence }) {
    const address = contracts.firmwareRegistry!;
    const releaseId = releaseIdOf(classId, sequence);
    const [[approved, reason], release] = await Promise.all([
      publicClient.readContract({ address, abi: firmwareRegistryAbi, functionName: 'isApproved', args: [device, releaseId], blockNumber }),
      publicClient.readContract({ address, abi: firmwareRegistryAbi, functionName: 'getRelease', args: [releaseId], blockNumber }),
    ]);
    const name = approvalReasonNames[reason];
    if (!name) throw new Error(`the registry answered an unknown approval reason ${reason}`);
    return { approved, reason: name, sequence: release.sequence, digest: release.digest, size: release.size };
  },
  encodeAnswer: (a) => [a.approved, approvalReasonNames.indexOf(a.reason), a.sequence, hexToBytes(a.digest), a.size],
  decodeAnswer(value) {
    if (!Array.isArray(value) || value.length !== 5)
      throw new Error('firmware_approved answer must be [approved, reason, sequence, digest, size]');
    const [approved, reason, sequence, digest, size] = value as unknown[];
    if (typeof approved !== 'boolean') throw new Error('firmware_approved approved must be a boolean');
    if (typeof reason !== 'number' || !Number.isInteger(reason) || approvalReasonNames[reason] === undefined) {
      throw new Error('firmware_approved reason must be 0..6');
    }
    if (approved !== (reason === 0)) throw new Error('firmware_approved: approved must be true exactly when reason is 0');
    const seq = uint64Of(sequence);
    const bytes = uint64Of(size);
    if (seq === undefined || bytes === undefined) throw new Error('firmware_approved sequence and size must be uint64');
    if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new Error('firmware_approved digest must be 32 bytes');
    const hex = bytesToHex(digest);
    if (approved && (seq === 0n || bytes === 0n || hex === ZERO_DIGEST))
      throw new Error('firmware_approved: an approved release has a sequence, digest and size');
    return { approved, reason: approvalReasonNames[reason]!, sequence: seq, digest: hex, size: bytes };
  },
};
