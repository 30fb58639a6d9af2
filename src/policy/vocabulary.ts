import type { MetricName } from '../protocol/airQuality.js';
import { streamNames } from '../protocol/consentScope.js';

/** The policy language version this code reads (the document's "pythiaPolicy"). */
export const POLICY_LANGUAGE_VERSION = 1;

/** Data streams by name, in the metric order of the air-quality class (bit i of a consent = stream i). */
export const STREAM_NAMES: readonly MetricName[] = streamNames;
export type StreamName = MetricName;

/** Who a rule is about, besides explicit addresses. Roles are established by the caller (the gateway, from the chain). */
export const SUBJECT_ROLES = ['any', 'consent-recipient', 'device-owner', 'operator'] as const;
export type SubjectRole = (typeof SUBJECT_ROLES)[number];

/** Plain actions; commands are "command:<name>" (or "command:*" for every command). */
export const PLAIN_ACTIONS = ['read', 'retain', 'share-onward'] as const;
export type PlainAction = (typeof PLAIN_ACTIONS)[number];
export const COMMAND_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

export const COMBINING_ALGORITHMS = ['deny-overrides', 'permit-overrides', 'first-applicable'] as const;
export type CombiningAlgorithm = (typeof COMBINING_ALGORITHMS)[number];

export const LEDGER_RECORD_KINDS = ['sharing-log-entry', 'consent-live', 'bond-at-least'] as const;
export type LedgerRecordKind = (typeof LEDGER_RECORD_KINDS)[number];

/** A policy name: what the registry keys versions by (with the publisher). */
export const POLICY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Longest retention or deletion period a document may state (100 years; fits uint64 seconds). */
export const MAX_DAYS = 36_500;
export const SECONDS_PER_DAY = 86_400;
export const UINT128_MAX = (1n << 128n) - 1n;

export function isAction(value: string): boolean {
  if ((PLAIN_ACTIONS as readonly string[]).includes(value)) return true;
  if (!value.startsWith('command:')) return false;
  const name = value.slice('command:'.length);
  return name === '*' || COMMAND_NAME.test(name);
}
