export { refusalName, refusalNames, type RefusalName } from '../../protocol/consentRefusal.js';
export { grantConsent, type GrantConsentParameters, type GrantConsentReturnType } from './grantConsent.js';
export { revokeConsent, type RevokeConsentParameters, type RevokeConsentReturnType } from './revokeConsent.js';
export { revokeAllConsents, type RevokeAllConsentsParameters, type RevokeAllConsentsReturnType } from './revokeAllConsents.js';
export {
  consentStatusOf,
  readConsent,
  type ConsentDevice,
  type ConsentRecord,
  type ConsentStatus,
  type ReadConsentParameters,
} from './readConsent.js';
export { listConsents, type ListConsentsParameters } from './listConsents.js';
export { checkConsent, type CheckConsentParameters, type CheckConsentReturnType } from './checkConsent.js';
