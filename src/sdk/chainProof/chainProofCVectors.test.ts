import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { chainProofCHeader, makeChainAnswerCCases, makeChainProofCCases, readChainProofVectors } from './chainProofCVectors.js';

it('sdk-c/test/chain_vectors.h is what the TypeScript SDK says of the chain-proof cases now (node --import tsx scripts/write-chain-proof-c-vectors.ts)', async () => {
  const vectors = readChainProofVectors();
  const cases = await makeChainProofCCases(vectors);
  const answers = await makeChainAnswerCCases(vectors);
  const committed = readFileSync(new URL('../../../sdk-c/test/chain_vectors.h', import.meta.url), 'utf8');
  assert.equal(committed, chainProofCHeader(vectors, cases, answers));
  // Both verdicts and refusals, so the C side is held to each.
  const expects = new Set(cases.map((c) => c.expect));
  for (const reason of [
    'ok',
    'unknown_signer',
    'stale_header',
    'future_header',
    'checkpoint_needed',
    'bad_header',
    'bad_account_proof',
    'bad_storage_proof',
  ])
    assert.ok(expects.has(reason), reason);
  assert.deepEqual(
    cases
      .filter((c) => c.device && c.expect === 'ok')
      .map((c) => c.status)
      .sort(),
    [0, 1, 2],
  );
});

it('the answer cases: a claim that is not the device record refused (wrong_proof) before any node, a claimed value not the record refused', async () => {
  const answers = await makeChainAnswerCCases(readChainProofVectors());
  const verdict = (name: string) => answers.find((c) => c.name.startsWith(name))?.expect;
  for (const name of [
    'another address claimed (one digit',
    'an address of 39 digits',
    'an address of 41 digits',
    'another storage key claimed',
    'the storage key with one digit changed',
    'the storage key with a leading zero more',
    'the storage key empty',
    'two storage keys: the record slot twice',
    'two storage keys: the record slot, then',
    'no storage key',
    "the suspended device's answer to the active device",
    'another address claimed and an account node flipped',
  ])
    assert.equal(verdict(name), 'wrong_proof', name);
  for (const name of [
    'a claimed value other than the record',
    'a claimed value 0x0 for an active',
    'the claimed value in 65 digits',
    'the claimed value empty',
  ])
    assert.equal(verdict(name), 'bad_storage_proof', name);
  assert.equal(verdict("a stranger's header and another address claimed"), 'unknown_signer');
  assert.equal(verdict('a member the device does not read, nested 9 deep'), 'malformed_proof');
  assert.equal(verdict('a hex digit of the address written as'), 'malformed_proof');
  for (const name of [
    "the active device's answer",
    'the address in upper case',
    'the storage key in upper case',
    'the claimed value in 64 digits',
    'a claimed value 0x00 for an absent record',
    'a member the device does not read, nested 8 deep',
    'hex written with \\u escapes',
  ])
    assert.equal(verdict(name), 'ok', name);
  assert.deepEqual(
    answers.filter((c) => c.expect === 'ok' && c.name.endsWith("device's answer")).map((c) => c.status),
    [1, 2],
  );
});
