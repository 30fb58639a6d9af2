import type { Address } from 'viem';
import type { CombiningAlgorithm, StreamName } from './vocabulary.js';

/**
 * A policy document as written (docs/policies.md). The parser returns exactly the JSON value of
 * the file, typed: no defaults are filled in, so that its canonical bytes are those of the file.
 */
export type PolicyDocument = {
  pythiaPolicy: 1;
  name: string;
  description?: string;
  target?: PolicyTarget;
  combining: CombiningAlgorithm;
  rules: PolicyRule[];
  terms: PolicyTermsDocument;
};

/** Subjects are addresses or roles ("any", "consent-recipient", "device-owner", "operator"). */
export type SubjectMatch = string[];

export type ResourceMatch = {
  devices?: Address[];
  classes?: number[];
  streams?: StreamName[];
};

export type PolicyTarget = { subjects?: SubjectMatch; resources?: ResourceMatch; actions?: string[] };

export type TimeWindow = {
  /** ISO 8601 instants in UTC (…Z), from inclusive, to exclusive. */
  from?: string;
  to?: string;
  /** "HH:MM" UTC each day, dailyFrom inclusive, dailyTo exclusive; dailyFrom > dailyTo spans midnight. */
  dailyFrom?: string;
  dailyTo?: string;
};

export type LedgerRequirement = { kind: 'sharing-log-entry' } | { kind: 'consent-live' } | { kind: 'bond-at-least'; wei?: string };

export type RuleConditions = {
  purpose?: string[];
  timeWindow?: TimeWindow;
  retentionDays?: number;
  onwardSharing?: boolean;
  notifyOwner?: boolean;
  requiresLedgerRecord?: LedgerRequirement[];
};

export type PolicyRule = {
  id: string;
  description?: string;
  effect: 'permit' | 'deny';
  subject: SubjectMatch;
  resource: ResourceMatch;
  action: string[];
  conditions?: RuleConditions;
};

/** The policy-wide terms, compiled 1:1 to IPolicyRegistry.PolicyTerms (absent = false / 0). */
export type PolicyTermsDocument = {
  onwardSharing?: boolean;
  notifyOwner?: boolean;
  retentionDays?: number;
  deleteOnRevoke?: boolean;
  deletionPeriodDays?: number;
  /** Decimal strings (uint128). */
  penaltyWei?: string;
  minimumBondWei?: string;
};

/** One problem with a document: where (1-based line and column), which field (path), why. */
export type PolicyError = { line: number; column: number; path: string; message: string };

export type ParsePolicyResult = { ok: true; policy: PolicyDocument } | { ok: false; errors: PolicyError[] };
