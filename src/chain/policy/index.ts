export type { PolicyVersionRecord } from './policyVersion.js';
export { publishPolicy, type PublishPolicyParameters, type PublishPolicyReturnType } from './publishPolicy.js';
export { readPolicy, type ReadPolicyParameters } from './readPolicy.js';
export { listPolicyVersions, type ListPolicyVersionsParameters } from './listPolicyVersions.js';
