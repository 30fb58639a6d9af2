export { depositBond, type DepositBondParameters } from './depositBond.js';
export { requestBondWithdrawal, type RequestBondWithdrawalParameters } from './requestBondWithdrawal.js';
export { withdrawBond } from './withdrawBond.js';
export { claimPenalty } from './claimPenalty.js';
export { logSharing, type LogSharingParameters } from './logSharing.js';
export { commitCanaries, MAX_CANARY_BATCH, type CommitCanariesParameters } from './commitCanaries.js';
export { claimLeak, type ClaimLeakParameters, type ClaimLeakReturnType } from './claimLeak.js';
export {
  disputeLeak,
  resolveLeak,
  settleLeak,
  type DisputeLeakParameters,
  type LeakOutcome,
  type ResolveLeakParameters,
  type SettleLeakParameters,
} from './leakDisputes.js';
export {
  acceptTerms,
  acceptTermsWithSignature,
  signTermsAcceptance,
  termsDifferences,
  type AcceptTermsParameters,
  type AcceptTermsWithSignatureParameters,
  type SignTermsAcceptanceParameters,
} from './acceptTerms.js';
export { requestDeletion, type RequestDeletionParameters } from './requestDeletion.js';
export { acknowledgeDeletion, type AcknowledgeDeletionParameters } from './acknowledgeDeletion.js';
export { enforceDeletionPenalty } from './enforceDeletionPenalty.js';
export {
  claimStatusNames,
  deletionStatusNames,
  readTerms,
  type ClaimState,
  type ClaimStatusName,
  type TermsState,
  listDeletionRequests,
  readBond,
  readCanary,
  readDeletionRequest,
  readSharingEntries,
  type BondState,
  type CanaryState,
  type DeletionRequestState,
  type DeletionStatusName,
  type SharingEntry,
} from './read.js';
