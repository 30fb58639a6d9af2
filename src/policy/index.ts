export { parseJsonSource, toPlainValue, JsonSyntaxError, type JsonNode, type JsonEntry, type SourcePosition } from './jsonSource.js';
export { parsePolicy, instantSeconds } from './parsePolicy.js';
export { canonicalJson, canonicalPolicyBytes, policyContentHash } from './canonical.js';
export { compilePolicyTerms, diffPolicyTerms, type PolicyTerms } from './compilePolicyTerms.js';
export { evaluatePolicy, type PolicyDecision, type PolicyObligation } from './evaluatePolicy.js';
export { parsePolicyRequest, PolicyRequestError, type PolicyRequest } from './policyRequest.js';
export { memoryLedger, type MemoryLedgerRecords, type PolicyLedger } from './ledger.js';
export type * from './types.js';
export * from './vocabulary.js';
