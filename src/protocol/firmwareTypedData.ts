import { encodeAbiParameters, hashTypedData, keccak256, type Address, type Hex } from 'viem';

/**
 * A firmware manifest (SUIT in spirit) exactly as FirmwareRegistry hashes it (IFirmwareRegistry.Manifest):
 * EIP-712 FirmwareManifest(uint16 classId,uint64 sequence,bytes32 digest,uint64 size,string location,uint64 issuedAt).
 */
export type FirmwareManifest = {
  classId: number;
  /** Strictly increasing per class. */
  sequence: bigint;
  /** SHA-256 of the image. */
  digest: Hex;
  /** Bytes of the image. */
  size: bigint;
  /** URI of the image (1 to 512 bytes). */
  location: string;
  /** Unix seconds when the release keys signed it. */
  issuedAt: bigint;
};

/** Where a signature is valid: the chain and the registry (EIP-712 domain "Pythia Firmware", "1"). */
export type FirmwareDomainParameters = { chainId: number; registry: Address };

export function firmwareDomain({ chainId, registry }: FirmwareDomainParameters) {
  return { name: 'Pythia Firmware', version: '1', chainId, verifyingContract: registry } as const;
}

export const manifestTypes = {
  FirmwareManifest: [
    { name: 'classId', type: 'uint16' },
    { name: 'sequence', type: 'uint64' },
    { name: 'digest', type: 'bytes32' },
    { name: 'size', type: 'uint64' },
    { name: 'location', type: 'string' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const;

export const rotationTypes = {
  ReleaseKeyRotation: [
    { name: 'classId', type: 'uint16' },
    { name: 'version', type: 'uint64' },
    { name: 'keys', type: 'address[]' },
    { name: 'threshold', type: 'uint8' },
  ],
} as const;

export const reportTypes = {
  FirmwareReport: [
    { name: 'device', type: 'address' },
    { name: 'sequence', type: 'uint64' },
    { name: 'digest', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
  ],
} as const;

export const revocationTypes = {
  ReleaseRevocation: [{ name: 'releaseId', type: 'bytes32' }],
} as const;

/** A threshold revocation's typed data (FirmwareRegistry.revokeReleaseWithKeys; for signTypedData). */
export function revocationTypedData(parameters: FirmwareDomainParameters & { releaseId: Hex }) {
  return {
    domain: firmwareDomain(parameters),
    types: revocationTypes,
    primaryType: 'ReleaseRevocation',
    message: { releaseId: parameters.releaseId },
  } as const;
}

/** The manifest's typed data (for signTypedData). */
export function manifestTypedData(parameters: FirmwareDomainParameters & { manifest: FirmwareManifest }) {
  return {
    domain: firmwareDomain(parameters),
    types: manifestTypes,
    primaryType: 'FirmwareManifest',
    message: parameters.manifest,
  } as const;
}

/** The digest release keys sign; equals the registry's manifestDigest(manifest). */
export function manifestDigest(parameters: FirmwareDomainParameters & { manifest: FirmwareManifest }): Hex {
  return hashTypedData(manifestTypedData(parameters));
}

export type ReleaseKeyRotation = { classId: number; version: bigint; keys: readonly Address[]; threshold: number };

export function rotationTypedData(parameters: FirmwareDomainParameters & { rotation: ReleaseKeyRotation }) {
  return {
    domain: firmwareDomain(parameters),
    types: rotationTypes,
    primaryType: 'ReleaseKeyRotation',
    message: parameters.rotation,
  } as const;
}

export type FirmwareReport = { device: Address; sequence: bigint; digest: Hex; nonce: bigint };

export function reportTypedData(parameters: FirmwareDomainParameters & { report: FirmwareReport }) {
  return {
    domain: firmwareDomain(parameters),
    types: reportTypes,
    primaryType: 'FirmwareReport',
    message: parameters.report,
  } as const;
}

/** The release id of a class's sequence: keccak256(abi.encode(uint16 classId, uint64 sequence)), as releaseIdOf. */
export function releaseIdOf(classId: number, sequence: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: 'uint16' }, { type: 'uint64' }], [classId, sequence]));
}

/** isApproved's reason codes (IFirmwareRegistry.ApprovalReason), by index. */
export const approvalReasonNames = [
  'approved',
  'unknown_release',
  'device_not_active',
  'wrong_class',
  'revoked',
  'not_newer',
  'owner_approval_missing',
] as const;
export type ApprovalReasonName = (typeof approvalReasonNames)[number];

/** Update policies (IFirmwareRegistry.UpdatePolicy), by index. */
export const updatePolicyNames = ['approve-each', 'automatic'] as const;
export type UpdatePolicyName = (typeof updatePolicyNames)[number];

/** Install report verdicts (IFirmwareRegistry.ReportVerdict), by index. */
export const reportVerdictNames = ['installed', 'unknown_build', 'other_class', 'revoked_build', 'rollback'] as const;
export type ReportVerdictName = (typeof reportVerdictNames)[number];
