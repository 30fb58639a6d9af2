import type { Address, Hex } from 'viem';
import type { PolicyTerms } from '../../policy/compilePolicyTerms.js';

/** One published, immutable policy version (IPolicyRegistry.PolicyVersion) with its name. */
export type PolicyVersionRecord = {
  policyId: Hex;
  policyKey: Hex;
  name: string;
  version: number;
  publisher: Address;
  contentHash: Hex;
  /** Unix seconds (block time of publication). */
  publishedAt: bigint;
  terms: PolicyTerms;
  uri: string;
};
