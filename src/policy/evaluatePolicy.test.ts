import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import { evaluatePolicy, type PolicyDecision } from './evaluatePolicy.js';
import { memoryLedger, type PolicyLedger } from './ledger.js';
import { parsePolicy } from './parsePolicy.js';
import { parsePolicyRequest, PolicyRequestError, type PolicyRequest } from './policyRequest.js';
import type { PolicyDocument } from './types.js';

const RECIPIENT = '0x1111111111111111111111111111111111111111' as Address;
const PARTY = '0x2222222222222222222222222222222222222222' as Address;
const DEVICE = '0x3333333333333333333333333333333333333333' as Address;
const ETH = 10n ** 18n;
const t = (iso: string) => Date.parse(iso) / 1000;

function example(name: string): PolicyDocument {
  const result = parsePolicy(readFileSync(new URL(`../../docs/policies/${name}.json`, import.meta.url), 'utf8'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.policy;
}

function policy(text: object): PolicyDocument {
  const result = parsePolicy(JSON.stringify(text, null, 2));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.policy;
}

const base: PolicyRequest = {
  subject: RECIPIENT,
  roles: ['consent-recipient'],
  action: 'read',
  resource: { device: DEVICE, class: 1, stream: 'pm25' },
  purpose: 'air-quality-research',
  time: t('2026-03-01T12:00:00Z'),
  consentId: 7n,
};

const summary = (d: PolicyDecision) => `${d.decision}:${d.ruleId ?? '-'}`;

describe('evaluatePolicy: research-no-onward-sharing', () => {
  const research = example('research-no-onward-sharing');
  const ledger = memoryLedger({ liveConsents: [7n], bonds: [[RECIPIENT, 2n * ETH]] });
  const table: Array<[string, Partial<PolicyRequest>, string, PolicyLedger?]> = [
    ['a live consent, bonded, for research', {}, 'permit:research-read'],
    ['retaining within 90 days', { action: 'retain', retentionDays: 90 }, 'permit:research-read'],
    ['retaining for longer', { action: 'retain', retentionDays: 91 }, 'not-applicable:-'],
    ['retaining without saying how long', { action: 'retain' }, 'not-applicable:-'],
    ['another purpose', { purpose: 'marketing' }, 'not-applicable:-'],
    ['no purpose', { purpose: undefined }, 'not-applicable:-'],
    ['a stream outside the rule', { resource: { device: DEVICE, class: 1, stream: 'temperature' } }, 'not-applicable:-'],
    ['another device class (outside the target)', { resource: { device: DEVICE, class: 2, stream: 'pm25' } }, 'not-applicable:-'],
    ['before the window', { time: t('2025-12-31T23:59:59Z') }, 'not-applicable:-'],
    ['at the window end (exclusive)', { time: t('2027-01-01T00:00:00Z') }, 'not-applicable:-'],
    ['not the consent recipient', { roles: [] }, 'not-applicable:-'],
    ['a consent no longer live', {}, 'not-applicable:-', memoryLedger({ bonds: [[RECIPIENT, 2n * ETH]] })],
    ['a bond below the minimum', {}, 'not-applicable:-', memoryLedger({ liveConsents: [7n], bonds: [[RECIPIENT, 2n * ETH - 1n]] })],
    ['no consent named', { consentId: undefined }, 'not-applicable:-'],
    ['onward sharing', { action: 'share-onward', party: PARTY }, 'deny:no-onward-sharing'],
    ['a command', { action: 'command:reboot', resource: { device: DEVICE, class: 1 } }, 'deny:no-commands'],
  ];
  for (const [name, change, expected, other] of table) {
    it(`${name} → ${expected}`, async () => {
      const decision = await evaluatePolicy(research, { ...base, ...change }, other ?? ledger);
      assert.equal(summary(decision), expected, decision.reasons.join('; '));
    });
  }

  it('gives the permit its obligations, strictest retention first', async () => {
    const decision = await evaluatePolicy(research, base, ledger);
    assert.deepEqual(decision.obligations, [
      { kind: 'notify-owner' },
      { kind: 'retain-at-most', days: 90 },
      { kind: 'delete-on-revoke', withinDays: 30 },
      { kind: 'no-onward-sharing' },
    ]);
  });

  it('explains a refusal rule by rule', async () => {
    const decision = await evaluatePolicy(research, { ...base, purpose: 'marketing' }, ledger);
    assert.deepEqual(decision.reasons, [
      'rule "research-read" does not apply: purpose "marketing" not allowed',
      'rule "no-onward-sharing" does not apply: action read not covered',
      'rule "no-commands" does not apply: action read not covered',
      'no rule applies',
    ]);
    assert.deepEqual(decision.obligations, []);
  });
});

describe('evaluatePolicy: partner-logged-sharing', () => {
  const partner = example('partner-logged-sharing');
  const ledger = memoryLedger({ liveConsents: [7n], sharingLog: [[7n, PARTY]], bonds: [[RECIPIENT, ETH]] });
  const request: PolicyRequest = { ...base, purpose: 'traffic-planning', time: t('2026-03-01T08:30:00Z') };
  const table: Array<[string, Partial<PolicyRequest>, string]> = [
    ['reading in working hours', {}, 'permit:read-working-hours'],
    ['reading at 07:00 (inclusive)', { time: t('2026-03-01T07:00:00Z') }, 'permit:read-working-hours'],
    ['reading at 19:00 (exclusive)', { time: t('2026-03-01T19:00:00Z') }, 'deny:everything-else'],
    ['reading at night', { time: t('2026-03-01T02:00:00Z') }, 'deny:everything-else'],
    ['sharing to a logged party', { action: 'share-onward', party: PARTY }, 'permit:share-logged'],
    ['sharing to a party not logged', { action: 'share-onward', party: DEVICE }, 'deny:everything-else'],
    ['sharing without naming the party', { action: 'share-onward' }, 'deny:everything-else'],
    ['a party that is not the recipient', { roles: [] }, 'deny:everything-else'],
    ['a command', { action: 'command:calibrate' }, 'deny:everything-else'],
  ];
  for (const [name, change, expected] of table) {
    it(`${name} → ${expected}`, async () => {
      const decision = await evaluatePolicy(partner, { ...request, ...change }, ledger);
      assert.equal(summary(decision), expected, decision.reasons.join('; '));
    });
  }

  it('obliges a permitted share to be logged and the owner told', async () => {
    const decision = await evaluatePolicy(partner, { ...request, action: 'share-onward', party: PARTY }, ledger);
    assert.deepEqual(decision.obligations, [{ kind: 'notify-owner' }, { kind: 'retain-at-most', days: 365 }, { kind: 'log-onward-share' }]);
  });
});

describe('evaluatePolicy: combining algorithms', () => {
  const rules = [
    { id: 'permit-read', effect: 'permit', subject: ['any'], resource: {}, action: ['read'] },
    { id: 'deny-no2', effect: 'deny', subject: ['any'], resource: { streams: ['no2'] }, action: ['read'] },
  ];
  const of = (combining: string) => policy({ pythiaPolicy: 1, name: 'c', combining, rules, terms: {} });
  const table: Array<[string, string, string]> = [
    ['deny-overrides', 'no2', 'deny:deny-no2'],
    ['deny-overrides', 'pm25', 'permit:permit-read'],
    ['permit-overrides', 'no2', 'permit:permit-read'],
    ['first-applicable', 'no2', 'permit:permit-read'],
  ];
  for (const [combining, stream, expected] of table) {
    it(`${combining}, ${stream} → ${expected}`, async () => {
      const decision = await evaluatePolicy(
        of(combining),
        { ...base, resource: { device: DEVICE, stream: stream as 'no2' } },
        memoryLedger(),
      );
      assert.equal(summary(decision), expected);
    });
  }

  it('first-applicable with the deny first denies', async () => {
    const reversed = policy({ pythiaPolicy: 1, name: 'c', combining: 'first-applicable', rules: [rules[1], rules[0]], terms: {} });
    const decision = await evaluatePolicy(reversed, { ...base, resource: { device: DEVICE, stream: 'no2' } }, memoryLedger());
    assert.equal(summary(decision), 'deny:deny-no2');
  });

  it('matches explicit addresses in any case, and device lists', async () => {
    const p = policy({
      pythiaPolicy: 1,
      name: 'c',
      combining: 'deny-overrides',
      rules: [{ id: 'one', effect: 'permit', subject: [RECIPIENT], resource: { devices: [DEVICE] }, action: ['command:*'] }],
      terms: {},
    });
    const ok = await evaluatePolicy(
      p,
      { ...base, subject: RECIPIENT.toUpperCase().replace('0X', '0x') as Address, action: 'command:reboot' },
      memoryLedger(),
    );
    assert.equal(summary(ok), 'permit:one');
    const other = await evaluatePolicy(p, { ...base, action: 'command:reboot', resource: { device: PARTY } }, memoryLedger());
    assert.equal(summary(other), 'not-applicable:-');
  });
});

describe('evaluatePolicy: determinism', () => {
  it('gives the same answer for the same inputs, with sync or async ledgers, and reads no clock', async () => {
    const partner = example('partner-logged-sharing');
    const sync = memoryLedger({ liveConsents: [7n], sharingLog: [[7n, PARTY]], bonds: [[RECIPIENT, ETH]] });
    const calls: string[] = [];
    const async: PolicyLedger = {
      hasSharingLogEntry: async (id, party) => {
        calls.push(`share:${id}:${party}`);
        return sync.hasSharingLogEntry(id, party);
      },
      isConsentLive: async (id) => {
        calls.push(`live:${id}`);
        return sync.isConsentLive(id);
      },
      bondOf: async (who) => {
        calls.push(`bond:${who}`);
        return sync.bondOf(who);
      },
    };
    const request = { ...base, purpose: 'public-health', time: t('2026-03-01T08:30:00Z') };
    const realNow = Date.now;
    Date.now = () => assert.fail('the evaluator read the clock');
    try {
      const first = await evaluatePolicy(partner, request, sync);
      for (let i = 0; i < 5; i++) assert.deepEqual(await evaluatePolicy(partner, request, sync), first);
      assert.deepEqual(await evaluatePolicy(partner, request, async), first);
    } finally {
      Date.now = realNow;
    }
    // Lookups in rule order, one at a time: share-logged needs share-onward, so only read-working-hours' records.
    assert.deepEqual(calls, ['live:7', `bond:${RECIPIENT}`]);
  });

  it('lets a failing ledger lookup throw instead of deciding', async () => {
    const research = example('research-no-onward-sharing');
    const broken: PolicyLedger = { ...memoryLedger(), isConsentLive: () => Promise.reject(new Error('rpc down')) };
    await assert.rejects(evaluatePolicy(research, base, broken), /rpc down/);
  });
});

describe('parsePolicyRequest', () => {
  it('reads a request with an ISO time and a string consent id', () => {
    const request = parsePolicyRequest({
      subject: RECIPIENT,
      roles: ['consent-recipient'],
      action: 'share-onward',
      resource: { device: DEVICE, class: 1, stream: 'no2' },
      time: '2026-03-01T12:00:00Z',
      consentId: '7',
      party: PARTY,
    });
    assert.equal(request.time, t('2026-03-01T12:00:00Z'));
    assert.equal(request.consentId, 7n);
  });

  it('refuses bad requests with a reason', () => {
    const good = { subject: RECIPIENT, action: 'read', resource: { device: DEVICE }, time: 1 };
    const bad: Array<[object, RegExp]> = [
      [{ ...good, subject: '0x12' }, /subject must be an address/],
      [{ ...good, action: 'write' }, /action must be one of/],
      [{ ...good, action: 'command:*' }, /action must be one of/],
      [{ ...good, resource: { device: DEVICE, stream: 'pm2.5' } }, /resource.stream must be one of pm25/],
      [{ ...good, time: 'tomorrow' }, /time must be unix seconds/],
      [{ ...good, roles: ['admin'] }, /roles must be a list/],
      [{ ...good, consentId: 0 }, /consentId must be a positive integer/],
      [{ ...good, extra: 1 }, /unknown request field "extra"/],
    ];
    for (const [value, message] of bad)
      assert.throws(
        () => parsePolicyRequest(value),
        (e: Error) => e instanceof PolicyRequestError && message.test(e.message),
      );
  });
});
