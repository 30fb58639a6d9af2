export { ChainProofError, type ChainProofReason, UnvouchedCheckpointError } from './errors.js';
export { decodeCliqueHeader, type CliqueHeader, MAX_HEADER_BYTES } from './decodeCliqueHeader.js';
export {
  verifyCliqueHeader,
  type CliqueTrust,
  type HeaderFreshness,
  type VerifyCliqueHeaderParameters,
  type VerifyCliqueHeaderReturnType,
} from './verifyCliqueHeader.js';
export {
  followCliqueCheckpoint,
  MAX_CHECKPOINT_VOUCHERS,
  type FollowCliqueCheckpointParameters,
  type FollowCliqueCheckpointReturnType,
} from './followCliqueCheckpoint.js';
export {
  verifyFleetRecordProof,
  MAX_PROOF_NODES,
  MAX_PROOF_NODE_BYTES,
  type FleetRecordProof,
  type ProvenDeviceStatus,
  type VerifyFleetRecordProofParameters,
  type VerifyFleetRecordProofReturnType,
} from './verifyFleetRecordProof.js';
export {
  verifyDeviceStatusProof,
  type VerifyDeviceStatusProofParameters,
  type VerifyDeviceStatusProofReturnType,
} from './verifyDeviceStatusProof.js';
export { fleetRecordSlot, FLEET_RECORDS_SLOT } from '../../protocol/fleetRecordSlot.js';
export {
  askStatusProof,
  askCliqueCheckpoints,
  parseChainHeaderBody,
  parseStatusProofBody,
  type AskStatusProofParameters,
  type AskStatusProofReturnType,
  type AskCliqueCheckpointsParameters,
} from './askStatusProof.js';
export {
  encodeCliqueTrust,
  cliqueGenesisBinding,
  CLIQUE_TRUST_MAX_VALIDATORS,
  type EncodeCliqueTrustParameters,
} from './encodeCliqueTrust.js';
export { decodeCliqueTrust, type DecodeCliqueTrustParameters } from './decodeCliqueTrust.js';
