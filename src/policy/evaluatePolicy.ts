import type { PolicyLedger } from './ledger.js';
import { minutesOfDay, instantSeconds } from './parsePolicy.js';
import type { PolicyRequest } from './policyRequest.js';
import type { LedgerRequirement, PolicyDocument, PolicyRule, ResourceMatch, SubjectMatch } from './types.js';

export type PolicyObligation =
  | { kind: 'notify-owner' }
  | { kind: 'retain-at-most'; days: number }
  | { kind: 'delete-on-revoke'; withinDays: number }
  | { kind: 'no-onward-sharing' }
  | { kind: 'log-onward-share' };

export type PolicyDecision = {
  /** not-applicable: no rule (or not the target) applies; a gateway refuses anything but permit. */
  decision: 'permit' | 'deny' | 'not-applicable';
  /** The rule that decided, or null. */
  ruleId: string | null;
  /** Why, rule by rule, in evaluation order. */
  reasons: string[];
  /** What a permit obliges the subject to (empty otherwise), in a fixed order. */
  obligations: PolicyObligation[];
};

/**
 * The one evaluator (gateway, CLI, console). Rules are visited in document order and ledger
 * lookups happen one at a time in that order, so the same document, request and ledger answers
 * always give the same decision, reasons and obligations. It reads no clock: time is in the request.
 *
 * A rule applies when its subject, resource and action match and all its conditions hold.
 * deny-overrides: any applicable deny wins, else the first applicable permit; permit-overrides:
 * the reverse; first-applicable: the first rule that applies.
 */
export async function evaluatePolicy(policy: PolicyDocument, request: PolicyRequest, ledger: PolicyLedger): Promise<PolicyDecision> {
  const reasons: string[] = [];
  const target = policy.target;
  if (target) {
    const miss =
      (target.subjects && !subjectMatches(target.subjects, request) && 'subject') ||
      (target.resources && resourceMismatch(target.resources, request)) ||
      (target.actions && !actionMatches(target.actions, request.action) && 'action');
    if (miss) return { decision: 'not-applicable', ruleId: null, reasons: [`outside the policy target (${miss})`], obligations: [] };
  }
  let firstPermit: PolicyRule | undefined;
  let firstDeny: PolicyRule | undefined;
  for (const rule of policy.rules) {
    const why = await ruleMismatch(rule, request, ledger, policy.terms.minimumBondWei ?? '0');
    if (why) {
      reasons.push(`rule "${rule.id}" does not apply: ${why}`);
      continue;
    }
    reasons.push(`rule "${rule.id}" applies: ${rule.effect}`);
    if (rule.effect === 'permit') firstPermit ??= rule;
    else firstDeny ??= rule;
    if (policy.combining === 'first-applicable') break;
    if (policy.combining === 'deny-overrides' && rule.effect === 'deny') break;
    if (policy.combining === 'permit-overrides' && rule.effect === 'permit') break;
  }
  const deciding =
    policy.combining === 'permit-overrides'
      ? (firstPermit ?? firstDeny)
      : policy.combining === 'deny-overrides'
        ? (firstDeny ?? firstPermit)
        : (firstPermit ?? firstDeny);
  if (!deciding) return { decision: 'not-applicable', ruleId: null, reasons: [...reasons, 'no rule applies'], obligations: [] };
  return {
    decision: deciding.effect,
    ruleId: deciding.id,
    reasons,
    obligations: deciding.effect === 'permit' ? obligationsOf(policy, deciding, request) : [],
  };
}

function subjectMatches(subjects: SubjectMatch, request: PolicyRequest): boolean {
  const subject = request.subject.toLowerCase();
  return subjects.some((s) => s === 'any' || s.toLowerCase() === subject || (request.roles ?? []).some((role) => role === s));
}

function resourceMismatch(match: ResourceMatch, request: PolicyRequest): string | undefined {
  const { device, class: deviceClass, stream } = request.resource;
  if (match.devices && !match.devices.some((d) => d.toLowerCase() === device.toLowerCase())) return 'device not covered';
  if (match.classes && (deviceClass === undefined || !match.classes.includes(deviceClass))) {
    return deviceClass === undefined ? 'the request names no device class' : `device class ${deviceClass} not covered`;
  }
  if (match.streams && (stream === undefined || !match.streams.includes(stream))) {
    return stream === undefined ? 'the request names no stream' : `stream ${stream} not covered`;
  }
  return undefined;
}

function actionMatches(actions: readonly string[], action: string): boolean {
  return actions.includes(action) || (action.startsWith('command:') && actions.includes('command:*'));
}

async function ruleMismatch(
  rule: PolicyRule,
  request: PolicyRequest,
  ledger: PolicyLedger,
  minimumBondWei: string,
): Promise<string | undefined> {
  if (!subjectMatches(rule.subject, request)) return 'subject not covered';
  const resource = resourceMismatch(rule.resource, request);
  if (resource) return resource;
  if (!actionMatches(rule.action, request.action)) return `action ${request.action} not covered`;
  const c = rule.conditions;
  if (!c) return undefined;
  if (c.purpose) {
    if (request.purpose === undefined) return 'the request states no purpose';
    if (!c.purpose.includes(request.purpose)) return `purpose "${request.purpose}" not allowed`;
  }
  if (c.timeWindow) {
    const w = c.timeWindow;
    if (w.from !== undefined && request.time < instantSeconds(w.from)!) return `before ${w.from}`;
    if (w.to !== undefined && request.time >= instantSeconds(w.to)!) return `at or after ${w.to}`;
    if (w.dailyFrom !== undefined && w.dailyTo !== undefined) {
      const minute = Math.floor((((request.time % 86_400) + 86_400) % 86_400) / 60);
      const from = minutesOfDay(w.dailyFrom);
      const to = minutesOfDay(w.dailyTo);
      const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to;
      if (!inside) return `outside the daily window ${w.dailyFrom}-${w.dailyTo} UTC`;
    }
  }
  if (c.retentionDays !== undefined && request.action === 'retain') {
    if (request.retentionDays === undefined) return 'the request states no retention period';
    if (request.retentionDays > c.retentionDays) return `retention of ${request.retentionDays} days exceeds ${c.retentionDays}`;
  }
  for (const requirement of c.requiresLedgerRecord ?? []) {
    const missing = await ledgerMismatch(requirement, request, ledger, minimumBondWei);
    if (missing) return missing;
  }
  return undefined;
}

async function ledgerMismatch(
  requirement: LedgerRequirement,
  request: PolicyRequest,
  ledger: PolicyLedger,
  minimumBondWei: string,
): Promise<string | undefined> {
  switch (requirement.kind) {
    case 'consent-live':
      if (request.consentId === undefined) return 'consent-live: the request names no consent';
      return (await ledger.isConsentLive(request.consentId)) ? undefined : `consent-live: consent ${request.consentId} is not live`;
    case 'sharing-log-entry':
      if (request.consentId === undefined) return 'sharing-log-entry: the request names no consent';
      if (request.party === undefined) return 'sharing-log-entry: the request names no party';
      return (await ledger.hasSharingLogEntry(request.consentId, request.party))
        ? undefined
        : `sharing-log-entry: no entry for consent ${request.consentId} and party ${request.party}`;
    case 'bond-at-least': {
      // Without "wei": the policy's minimum bond (the parser refuses that when it is 0).
      const required = BigInt(requirement.wei ?? minimumBondWei);
      const bond = await ledger.bondOf(request.subject);
      return bond >= required ? undefined : `bond-at-least: bond ${bond} wei is below ${required} wei`;
    }
  }
}

function obligationsOf(policy: PolicyDocument, rule: PolicyRule, request: PolicyRequest): PolicyObligation[] {
  const terms = policy.terms;
  const c = rule.conditions ?? {};
  const out: PolicyObligation[] = [];
  if (terms.notifyOwner === true || c.notifyOwner === true) out.push({ kind: 'notify-owner' });
  const retention = [c.retentionDays, terms.retentionDays].filter((d): d is number => d !== undefined);
  if (retention.length > 0) out.push({ kind: 'retain-at-most', days: Math.min(...retention) });
  if (terms.deleteOnRevoke === true) out.push({ kind: 'delete-on-revoke', withinDays: terms.deletionPeriodDays! });
  if (request.action === 'share-onward') out.push({ kind: 'log-onward-share' });
  else if (terms.onwardSharing !== true || c.onwardSharing === false) out.push({ kind: 'no-onward-sharing' });
  return out;
}
