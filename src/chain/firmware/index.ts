export {
  approvalReasonNames,
  firmwareDomain,
  manifestDigest,
  manifestTypedData,
  releaseIdOf,
  reportTypedData,
  reportVerdictNames,
  rotationTypedData,
  updatePolicyNames,
  type ApprovalReasonName,
  type FirmwareDomainParameters,
  type FirmwareManifest,
  type FirmwareReport,
  type ReleaseKeyRotation,
  type ReportVerdictName,
  type UpdatePolicyName,
} from '../../protocol/firmwareTypedData.js';
export { signManifest, signRotation, sortSignatures, type ReleaseSignature, type SignManifestParameters } from './signManifest.js';
export { setReleaseKeys, type SetReleaseKeysParameters } from './setReleaseKeys.js';
export { rotateReleaseKeys, type RotateReleaseKeysParameters } from './rotateReleaseKeys.js';
export { publishRelease, type PublishReleaseParameters, type PublishReleaseReturnType } from './publishRelease.js';
export {
  revokeRelease,
  revokeReleaseWithKeys,
  signRevocation,
  type RevokeReleaseParameters,
  type RevokeReleaseWithKeysParameters,
} from './revokeRelease.js';
export { setUpdatePolicy, type SetUpdatePolicyParameters } from './setUpdatePolicy.js';
export { approveRelease, type ApproveReleaseParameters } from './approveRelease.js';
export { fundUpdate, reclaimEscrow, withdrawCredits, type FundUpdateParameters } from './fundUpdate.js';
export { reportFirmware, type ReportFirmwareParameters } from './reportFirmware.js';
export { listReleases, type FirmwareRelease, type ListReleasesParameters } from './listReleases.js';
export { readFirmwareClass, readFirmwareState, type FirmwareClass, type FirmwareState } from './readFirmwareState.js';
