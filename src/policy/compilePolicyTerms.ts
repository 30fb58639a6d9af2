import type { PolicyDocument } from './types.js';
import { SECONDS_PER_DAY } from './vocabulary.js';

/** IPolicyRegistry.PolicyTerms, as viem encodes the struct. */
export type PolicyTerms = {
  onwardSharing: boolean;
  notifyOwner: boolean;
  deleteOnRevoke: boolean;
  retentionSeconds: bigint;
  deletionPeriodSeconds: bigint;
  penaltyWei: bigint;
  minimumBondWei: bigint;
};

/** The terms contracts enforce, from a parsed (valid) document's "terms": absent fields are false / 0. */
export function compilePolicyTerms(policy: PolicyDocument): PolicyTerms {
  const t = policy.terms;
  return {
    onwardSharing: t.onwardSharing === true,
    notifyOwner: t.notifyOwner === true,
    deleteOnRevoke: t.deleteOnRevoke === true,
    retentionSeconds: BigInt(t.retentionDays ?? 0) * BigInt(SECONDS_PER_DAY),
    deletionPeriodSeconds: BigInt(t.deletionPeriodDays ?? 0) * BigInt(SECONDS_PER_DAY),
    penaltyWei: BigInt(t.penaltyWei ?? '0'),
    minimumBondWei: BigInt(t.minimumBondWei ?? '0'),
  };
}

/** The fields on which two sets of terms differ (empty when equal). */
export function diffPolicyTerms(expected: PolicyTerms, actual: PolicyTerms): Array<keyof PolicyTerms> {
  return (Object.keys(expected) as Array<keyof PolicyTerms>).filter((k) => expected[k] !== actual[k]);
}
