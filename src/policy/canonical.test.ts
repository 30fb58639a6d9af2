import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { keccak256, toBytes } from 'viem';
import { canonicalJson, canonicalPolicyBytes, policyContentHash } from './canonical.js';
import { compilePolicyTerms, diffPolicyTerms } from './compilePolicyTerms.js';
import { parsePolicy } from './parsePolicy.js';

const text = readFileSync(new URL('../../docs/policies/research-no-onward-sharing.json', import.meta.url), 'utf8');
const parsed = parsePolicy(text);
assert.ok(parsed.ok);
const doc = parsed.policy;

describe('canonical policy bytes and content hash', () => {
  it('sorts keys at every level and drops whitespace', () => {
    assert.equal(canonicalJson({ b: [{ z: 1, a: 'x' }], a: true, c: 'é"' }), '{"a":true,"b":[{"a":"x","z":1}],"c":"é\\""}');
  });

  it('does not depend on layout or key order of the file', () => {
    const compact = JSON.stringify(JSON.parse(text));
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text)).reverse()), null, 4);
    for (const other of [compact, reordered]) {
      const again = parsePolicy(other);
      assert.ok(again.ok);
      assert.equal(policyContentHash(again.policy), policyContentHash(doc));
    }
  });

  it('is keccak256 of the canonical UTF-8 bytes, and changes with any content', () => {
    const bytes = canonicalPolicyBytes(doc);
    assert.equal(policyContentHash(doc), keccak256(bytes));
    assert.equal(new TextDecoder().decode(bytes), canonicalJson(JSON.parse(text)));
    assert.ok(!new TextDecoder().decode(bytes).includes(' "'));
    const changed = parsePolicy(text.replace('"retentionDays": 90,\n        "notifyOwner"', '"retentionDays": 89,\n        "notifyOwner"'));
    assert.ok(changed.ok);
    assert.notEqual(policyContentHash(changed.policy), policyContentHash(doc));
  });

  it('pins the hash of an example (a change of canonical form is a breaking change)', () => {
    const tiny = parsePolicy(
      '{"terms":{},"rules":[{"id":"a","effect":"permit","subject":["any"],"resource":{},"action":["read"]}],"name":"t","combining":"first-applicable","pythiaPolicy":1}',
    );
    assert.ok(tiny.ok);
    const expected =
      '{"combining":"first-applicable","name":"t","pythiaPolicy":1,"rules":[{"action":["read"],"effect":"permit","id":"a","resource":{},"subject":["any"]}],"terms":{}}';
    assert.equal(new TextDecoder().decode(canonicalPolicyBytes(tiny.policy)), expected);
    assert.equal(policyContentHash(tiny.policy), keccak256(toBytes(expected)));
  });
});

describe('compilePolicyTerms', () => {
  it('compiles days to seconds and wei strings to integers', () => {
    assert.deepEqual(compilePolicyTerms(doc), {
      onwardSharing: false,
      notifyOwner: false,
      deleteOnRevoke: true,
      retentionSeconds: 90n * 86_400n,
      deletionPeriodSeconds: 30n * 86_400n,
      penaltyWei: 10n ** 18n,
      minimumBondWei: 2n * 10n ** 18n,
    });
  });

  it('defaults absent terms to false and 0, and names differences', () => {
    const open = parsePolicy(
      '{"pythiaPolicy":1,"name":"t","combining":"deny-overrides","rules":[{"id":"a","effect":"permit","subject":["any"],"resource":{},"action":["read"]}],"terms":{}}',
    );
    assert.ok(open.ok, JSON.stringify(!open.ok && open.errors));
    const terms = compilePolicyTerms(open.policy);
    assert.deepEqual(Object.values(terms), [false, false, false, 0n, 0n, 0n, 0n]);
    assert.deepEqual(diffPolicyTerms(compilePolicyTerms(doc), terms), [
      'deleteOnRevoke',
      'retentionSeconds',
      'deletionPeriodSeconds',
      'penaltyWei',
      'minimumBondWei',
    ]);
  });
});
