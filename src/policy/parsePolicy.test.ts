import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from './parsePolicy.js';

/** A valid document whose lines the cases below edit (line numbers in the comments). */
const BASE = `{
  "pythiaPolicy": 1,
  "name": "test-policy",
  "combining": "deny-overrides",
  "rules": [
    {
      "id": "r1",
      "effect": "permit",
      "subject": ["consent-recipient"],
      "resource": { "streams": ["pm25", "no2"] },
      "action": ["read"],
      "conditions": { "purpose": ["research"], "retentionDays": 30 }
    }
  ],
  "terms": { "onwardSharing": false, "retentionDays": 90 }
}`;

/** The errors of BASE with `from` replaced by `to`, as "line:column path: message". */
function errorsAfter(from: string, to: string): string[] {
  assert.ok(BASE.includes(from), `BASE has no ${from}`);
  const result = parsePolicy(BASE.replace(from, to));
  return result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
}

type Case = { name: string; from: string; to: string; errors: Array<[position: string, message: RegExp]> };

const R = '"retentionDays": 30 }';
const TERMS = '"onwardSharing": false, "retentionDays": 90';
const cases: Case[] = [
  // --- JSON syntax
  {
    name: 'trailing comma',
    from: '"terms": { "onwardSharing": false, "retentionDays": 90 }\n',
    to: '',
    errors: [['15:3 $', /JSON syntax: trailing comma before }/]],
  },
  {
    name: 'missing comma',
    from: '"effect": "permit",',
    to: '"effect": "permit"',
    errors: [['9:7 $', /JSON syntax: unexpected character '"': expected ',' or '}'/]],
  },
  { name: 'single quotes', from: '"read"', to: "'read'", errors: [['11:18 $', /JSON syntax: unexpected character '''/]] },
  { name: 'duplicate key', from: '"id": "r1",', to: '"id": "r1", "id": "r2",', errors: [['7:19 $', /JSON syntax: duplicate key "id"/]] },
  // --- top level
  {
    name: 'language version',
    from: '"pythiaPolicy": 1',
    to: '"pythiaPolicy": 2',
    errors: [['2:19 $.pythiaPolicy', /unsupported policy language version 2 \(this Pythia reads 1\)/]],
  },
  {
    name: 'version as a string',
    from: '"pythiaPolicy": 1',
    to: '"pythiaPolicy": "1"',
    errors: [['2:19 $.pythiaPolicy', /must be the number 1, got the string "1"/]],
  },
  {
    name: 'bad name',
    from: '"name": "test-policy"',
    to: '"name": "Test Policy"',
    errors: [['3:11 $.name', /"Test Policy" is not a policy name/]],
  },
  {
    name: 'misspelt field',
    from: '"name": "test-policy"',
    to: '"nmae": "test-policy"',
    errors: [
      ['1:1 $.name', /missing field "name"/],
      ['3:3 $.nmae', /unknown field "nmae", did you mean "name"\?/],
    ],
  },
  {
    name: 'unknown combining',
    from: '"deny-overrides"',
    to: '"deny-override"',
    errors: [['4:16 $.combining', /unknown value "deny-override", did you mean "deny-overrides"\?/]],
  },
  {
    name: 'rules not a list',
    from: '"rules": [',
    to: '"rules": 3, "x": [',
    errors: [
      ['5:12 $.rules', /must be an array, got the number 3/],
      ['5:15 $.x', /unknown field "x"/],
    ],
  },
  // --- rules
  {
    name: 'unknown effect',
    from: '"effect": "permit"',
    to: '"effect": "allow"',
    errors: [['8:17 $.rules[0].effect', /unknown value "allow" \(allowed: permit, deny\)/]],
  },
  {
    name: 'unknown rule field',
    from: '"effect": "permit",',
    to: '"effect": "permit", "extra": 1,',
    errors: [['8:27 $.rules[0].extra', /unknown field "extra"/]],
  },
  { name: 'bad rule id', from: '"id": "r1",', to: '"id": "r 1",', errors: [['7:13 $.rules[0].id', /"r 1" is not a rule id/]] },
  {
    name: 'short address',
    from: '["consent-recipient"]',
    to: '["consent-recipient", "0x12"]',
    errors: [['9:40 $.rules[0].subject[1]', /"0x12" is not an address/]],
  },
  {
    name: 'bad checksum',
    from: '["consent-recipient"]',
    to: '["0xAbCdEf0123456789aBcDeF0123456789AbCdEf01"]',
    errors: [['9:19 $.rules[0].subject[0]', /wrong EIP-55 checksum \(write 0xabCDeF0123456789AbcdEf0123456789aBCDEF01/]],
  },
  {
    name: 'unknown role',
    from: '["consent-recipient"]',
    to: '["recipient"]',
    errors: [['9:19 $.rules[0].subject[0]', /unknown value "recipient"/]],
  },
  {
    name: '"any" with others',
    from: '["consent-recipient"]',
    to: '["any", "operator"]',
    errors: [['9:18 $.rules[0].subject', /"any" already covers every subject/]],
  },
  { name: 'empty subject', from: '["consent-recipient"]', to: '[]', errors: [['9:18 $.rules[0].subject', /must not be empty/]] },
  {
    name: 'subject not a list',
    from: '["consent-recipient"]',
    to: '"consent-recipient"',
    errors: [['9:18 $.rules[0].subject', /must be an array, got the string/]],
  },
  {
    name: 'unknown stream',
    from: '"pm25", "no2"',
    to: '"pm25", "pm2.5"',
    errors: [['10:41 $.rules[0].resource.streams[1]', /unknown value "pm2.5", did you mean "pm25"\?/]],
  },
  {
    name: 'duplicate stream',
    from: '"pm25", "no2"',
    to: '"pm25", "pm25"',
    errors: [['10:41 $.rules[0].resource.streams[1]', /duplicate entry "pm25"/]],
  },
  {
    name: 'class out of range',
    from: '{ "streams": ["pm25", "no2"] }',
    to: '{ "devices": ["0x0000000000000000000000000000000000000001"], "classes": [70000] }',
    errors: [['10:92 $.rules[0].resource.classes[0]', /must be between 0 and 65535, got 70000/]],
  },
  { name: 'unknown action', from: '["read"]', to: '["read", "write"]', errors: [['11:26 $.rules[0].action[1]', /unknown action "write"/]] },
  {
    name: 'command name case',
    from: '["read"]',
    to: '["command:Reboot"]',
    errors: [['11:18 $.rules[0].action[0]', /unknown action "command:Reboot"/]],
  },
  {
    name: 'redundant command',
    from: '["read"]',
    to: '["command:*", "command:reboot"]',
    errors: [['11:17 $.rules[0].action', /"command:\*" already covers "command:reboot"/]],
  },
  // --- conditions
  {
    name: 'fractional days',
    from: R,
    to: '"retentionDays": 30.5 }',
    errors: [['12:65 $.rules[0].conditions.retentionDays', /must be an integer, got 30.5/]],
  },
  {
    name: 'negative days',
    from: R,
    to: '"retentionDays": -1 }',
    errors: [['12:65 $.rules[0].conditions.retentionDays', /between 1 and 36500 days, got -1/]],
  },
  {
    name: 'days as a string',
    from: R,
    to: '"retentionDays": "30" }',
    errors: [['12:65 $.rules[0].conditions.retentionDays', /must be an integer, got the string "30"/]],
  },
  {
    name: 'time window reversed',
    from: R,
    to: '"retentionDays": 30, "timeWindow": { "from": "2026-06-01T00:00:00Z", "to": "2026-01-01T00:00:00Z" } }',
    errors: [
      ['12:123 $.rules[0].conditions.timeWindow.to', /contradiction: the window ends \(2026-01-01T00:00:00Z\) before or when it starts/],
    ],
  },
  {
    name: 'impossible date',
    from: R,
    to: '"retentionDays": 30, "timeWindow": { "from": "2026-02-30T00:00:00Z" } }',
    errors: [['12:93 $.rules[0].conditions.timeWindow.from', /"2026-02-30T00:00:00Z" is not a UTC time/]],
  },
  {
    name: 'empty daily window',
    from: R,
    to: '"retentionDays": 30, "timeWindow": { "dailyFrom": "08:00", "dailyTo": "08:00" } }',
    errors: [['12:118 $.rules[0].conditions.timeWindow.dailyTo', /contradiction: dailyFrom equals dailyTo/]],
  },
  {
    name: 'bad time of day',
    from: R,
    to: '"retentionDays": 30, "timeWindow": { "dailyFrom": "25:00", "dailyTo": "08:00" } }',
    errors: [['12:98 $.rules[0].conditions.timeWindow.dailyFrom', /"25:00" is not a time of day HH:MM/]],
  },
  {
    name: 'half a daily window',
    from: R,
    to: '"retentionDays": 30, "timeWindow": { "dailyFrom": "08:00" } }',
    errors: [['12:98 $.rules[0].conditions.timeWindow.dailyFrom', /dailyFrom and dailyTo go together/]],
  },
  {
    name: 'empty window',
    from: R,
    to: '"retentionDays": 30, "timeWindow": {} }',
    errors: [['12:83 $.rules[0].conditions.timeWindow', /an empty time window/]],
  },
  {
    name: 'unknown ledger record',
    from: R,
    to: '"retentionDays": 30, "requiresLedgerRecord": [{ "kind": "sharing-log" }] }',
    errors: [['12:104 $.rules[0].conditions.requiresLedgerRecord[0].kind', /unknown value "sharing-log"/]],
  },
  {
    name: 'wei on the wrong record',
    from: R,
    to: '"retentionDays": 30, "requiresLedgerRecord": [{ "kind": "consent-live", "wei": "5" }] }',
    errors: [['12:120 $.rules[0].conditions.requiresLedgerRecord[0].wei', /"wei" belongs to kind "bond-at-least"/]],
  },
  {
    name: 'wei as a number',
    from: R,
    to: '"retentionDays": 30, "requiresLedgerRecord": [{ "kind": "bond-at-least", "wei": 5 }] }',
    errors: [['12:128 $.rules[0].conditions.requiresLedgerRecord[0].wei', /must be a decimal string of wei/]],
  },
  {
    name: 'bond without an amount',
    from: R,
    to: '"retentionDays": 30, "requiresLedgerRecord": [{ "kind": "bond-at-least" }] }',
    errors: [['12:94 $.rules[0].conditions.requiresLedgerRecord[0]', /uses terms.minimumBondWei, which is not set/]],
  },
  // --- contradictions
  {
    name: 'permit share-onward, onward sharing forbidden',
    from: '["read"]',
    to: '["read", "share-onward"]',
    errors: [['11:26 $.rules[0].action[1]', /contradiction: the rule permits share-onward but terms.onwardSharing is not true/]],
  },
  {
    name: 'permit share-onward with onwardSharing false',
    from: `"action": ["read"],\n      "conditions": { "purpose": ["research"], ${R}\n    }\n  ],\n  "terms": { "onwardSharing": false,`,
    to: '"action": ["share-onward"],\n      "conditions": { "purpose": ["research"], "onwardSharing": false }\n    }\n  ],\n  "terms": { "onwardSharing": true,',
    errors: [['12:65 $.rules[0].conditions.onwardSharing', /contradiction: the rule permits share-onward with onwardSharing: false/]],
  },
  {
    name: 'rule allows onward sharing the terms forbid',
    from: R,
    to: '"retentionDays": 30, "onwardSharing": true }',
    errors: [['12:86 $.rules[0].conditions.onwardSharing', /contradiction: onwardSharing: true but terms.onwardSharing is not true/]],
  },
  {
    name: 'retention above the policy limit',
    from: R,
    to: '"retentionDays": 120 }',
    errors: [['12:65 $.rules[0].conditions.retentionDays', /contradiction: retention of 120 days exceeds the policy's limit of 90 days/]],
  },
  {
    name: 'deleteOnRevoke without a period',
    from: TERMS,
    to: '"onwardSharing": false, "deleteOnRevoke": true',
    errors: [['15:56 $.terms.deleteOnRevoke', /deleteOnRevoke needs deletionPeriodDays/]],
  },
  {
    name: 'deletion period without deleteOnRevoke',
    from: TERMS,
    to: '"deletionPeriodDays": 7',
    errors: [['15:36 $.terms.deletionPeriodDays', /contradiction: a deletion period without deleteOnRevoke/]],
  },
  {
    name: 'a rule waives notification the terms require',
    from: `${R}\n    }\n  ],\n  "terms": { ${TERMS} }`,
    to: `"notifyOwner": false }\n    }\n  ],\n  "terms": { "onwardSharing": true, "notifyOwner": true }`,
    errors: [['12:63 $.rules[0].conditions.notifyOwner', /contradiction: terms.notifyOwner is true: a rule cannot waive/]],
  },
  {
    name: 'owner notification without onward sharing',
    from: TERMS,
    to: '"notifyOwner": true',
    errors: [['15:29 $.terms.notifyOwner', /contradiction: terms.notifyOwner notifies the owner of every onward share/]],
  },
  {
    name: 'penalty with a leading zero',
    from: TERMS,
    to: '"penaltyWei": "01"',
    errors: [['15:28 $.terms.penaltyWei', /"01" is not a whole number of wei/]],
  },
  {
    name: 'penalty above uint128',
    from: TERMS,
    to: '"penaltyWei": "340282366920938463463374607431768211456"',
    errors: [['15:28 $.terms.penaltyWei', /above 2\^128 - 1 wei/]],
  },
  {
    name: 'duplicate rule id',
    from: '    }\n  ],',
    to: '    },\n    { "id": "r1", "effect": "deny", "subject": ["any"], "resource": {}, "action": ["retain"] }\n  ],',
    errors: [['14:13 $.rules[1].id', /duplicate rule id "r1" \(also \$.rules\[0\], line 7\)/]],
  },
  {
    name: 'a deny under other conditions than a permit',
    from: '    }\n  ],',
    to:
      '    },\n    { "id": "r2", "effect": "deny", "subject": ["consent-recipient"], "resource": { "streams": ["no2", "pm25"] },' +
      ' "action": ["read"], "conditions": { "purpose": ["research"] } }\n  ],',
    errors: [],
  },
  {
    name: 'obligations on a deny rule, same requests as a permit',
    from: '    }\n  ],',
    to:
      '    },\n    { "id": "r2", "effect": "deny", "subject": ["consent-recipient"], "resource": { "streams": ["no2", "pm25"] },' +
      ' "action": ["read"], "conditions": { "retentionDays": 30, "purpose": ["research"] } }\n  ],',
    errors: [
      ['14:29 $.rules[1].effect', /contradiction: rule "r1" permits the same subjects, resources and actions under the same conditions/],
      ['14:151 $.rules[1].conditions.retentionDays', /"retentionDays" is an obligation of a permit/],
    ],
  },
  {
    name: 'unreachable under first-applicable',
    from: '"combining": "deny-overrides",\n  "rules": [',
    to:
      '"combining": "first-applicable",\n  "rules": [\n    { "id": "r0", "effect": "deny", "subject": ["consent-recipient"],' +
      ' "resource": { "streams": ["no2", "pm25"] }, "action": ["read"] },',
    errors: [['7:5 $.rules[1]', /unreachable under first-applicable: rule "r0" before it matches the same requests unconditionally/]],
  },
  {
    name: 'rule outside the target',
    from: '"rules": [',
    to: '"target": { "actions": ["retain"], "resources": { "streams": ["pm10"] } },\n  "rules": [',
    errors: [
      ['11:33 $.rules[0].resource.streams[0]', /the rule can never apply: stream "pm25" is outside target.resources.streams/],
      ['11:41 $.rules[0].resource.streams[1]', /stream "no2" is outside/],
      ['12:18 $.rules[0].action[0]', /the rule can never apply: action "read" is outside target.actions/],
    ],
  },
  { name: 'empty target', from: '"rules": [', to: '"target": {},\n  "rules": [', errors: [['5:13 $.target', /an empty target/]] },
];

describe('parsePolicy', () => {
  it('accepts the base document', () => {
    const result = parsePolicy(BASE);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.policy.rules[0]!.id, 'r1');
  });

  for (const c of cases) {
    it(`${c.errors.length === 0 ? 'accepts' : 'refuses'}: ${c.name}`, () => {
      const errors = errorsAfter(c.from, c.to);
      assert.equal(errors.length, c.errors.length, errors.join('\n'));
      c.errors.forEach(([position, message], i) => {
        assert.ok(errors[i]!.startsWith(`${position}: `), `expected ${position}, got ${errors[i]}`);
        assert.match(errors[i]!, message);
      });
    });
  }

  it('reports every independent error at once, sorted by position', () => {
    const text = BASE.replace('"permit"', '"allow"').replace('"no2"', '"nox"').replace('"research"', '""').replace(TERMS, '"bogus": 1');
    const result = parsePolicy(text);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => [e.line, e.column, e.path]),
      [
        [8, 17, '$.rules[0].effect'],
        [10, 41, '$.rules[0].resource.streams[1]'],
        [12, 35, '$.rules[0].conditions.purpose[0]'],
        [15, 14, '$.terms.bogus'],
      ],
    );
  });

  it('counts lines across CRLF line ends', () => {
    const result = parsePolicy(BASE.replace('"allow"', '').replace('"permit"', '"allow"').replaceAll('\n', '\r\n'));
    assert.ok(!result.ok);
    assert.deepEqual([result.errors[0]!.line, result.errors[0]!.column], [8, 17]);
  });

  it('accepts every example policy in docs/policies', () => {
    const dir = fileURLToPath(new URL('../../docs/policies/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 3);
    for (const file of files) {
      const result = parsePolicy(readFileSync(dir + file, 'utf8'));
      assert.ok(result.ok, `${file}: ${JSON.stringify(!result.ok && result.errors)}`);
      assert.equal(`${result.policy.name}.json`, file, 'an example is named after its policy');
    }
  });
});
