import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { flagReasonNames, rejectionReasons, skipReasonName } from './reasons.js';

it('docs/api.md lists every reason with its status', () => {
  const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  for (const [reason, { status }] of Object.entries(rejectionReasons)) {
    assert.ok(doc.includes(`| \`${reason}\` | ${status} |`), `${reason} (${status}) missing from docs/api.md`);
  }
});

it('decodes flag bits and skip reasons to names', () => {
  assert.deepEqual(flagReasonNames(0), []);
  assert.deepEqual(flagReasonNames(1 | 4 | 16), ['OutOfRange', 'TooFrequent', 'ClockSkew']);
  assert.deepEqual(flagReasonNames(2 | 8), ['ExcessiveChange', 'PayloadSize']);
  assert.equal(skipReasonName(1), 'Replayed');
  assert.equal(skipReasonName(9), 'Unknown(9)');
});
