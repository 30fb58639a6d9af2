import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cVectorsHeader, cVectorsJson, makeCVectors } from './cVectors.js';

const dir = fileURLToPath(new URL('../../sdk-c/test/', import.meta.url));

test('the C SDK vectors committed in sdk-c/test are what the TypeScript SDK makes now (run scripts/write-sdk-vectors.ts after a protocol change)', async () => {
  const vectors = await makeCVectors();
  assert.equal(readFileSync(`${dir}vectors.json`, 'utf8'), cVectorsJson(vectors));
  assert.equal(readFileSync(`${dir}vectors.h`, 'utf8'), cVectorsHeader(vectors));
});

test('the vectors cover every answer refusal and every firmware refusal', async () => {
  const vectors = await makeCVectors();
  const answerReasons = new Set(vectors.answers.map((a) => a.expect));
  for (const reason of [
    'ok',
    'bad_cose',
    'wrong_algorithm',
    'untrusted_key',
    'bad_signature',
    'challenge_mismatch',
    'question_mismatch',
    'wrong_chain',
    'stale_answer',
  ])
    assert.ok(answerReasons.has(reason), `no answer vector for ${reason}`);
  const firmwareReasons = new Set(vectors.firmware.map((f) => f.expect));
  for (const reason of ['ok', 'wrong_class', 'rollback', 'not_approved', 'too_large', 'size_mismatch', 'digest_mismatch', 'stale_answer'])
    assert.ok(firmwareReasons.has(reason), `no firmware vector for ${reason}`);
  // The protocol's own reading vector is among them, with its documented signature.
  assert.match(
    vectors.readings[0]!.json,
    /0x58d995d34b3e072ce320dbf9b53b29c5ad1b07fd453a65f9a175739f733aa6687db866182fd3685ab3ec3689e5c3bb629ee82388f9d9d9052c584bacaf3cbfb71c/,
  );
});

test('the bundle vectors cover every refusal of the C reader, and the TypeScript SDK accepts those only the C bounds refuse', async () => {
  const vectors = await makeCVectors();
  const reasons = new Set(vectors.bundles.map((b) => b.expect));
  for (const reason of ['ok', 'not_json', 'unknown_field', 'invalid_field', 'key_mismatch', 'too_large'])
    assert.ok(reasons.has(reason), `no bundle vector for ${reason}`);
  for (const b of vectors.bundles.filter((v) => v.expect === 'too_large')) assert.notEqual(b.summary, '', b.name);
});
