import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { chainProofCHeader, makeChainProofCCases, readChainProofVectors } from './chainProofCVectors.js';

it('sdk-c/test/chain_vectors.h is what the TypeScript SDK says of the chain-proof cases now (node --import tsx scripts/write-chain-proof-c-vectors.ts)', async () => {
  const vectors = readChainProofVectors();
  const cases = await makeChainProofCCases(vectors);
  const committed = readFileSync(new URL('../../../sdk-c/test/chain_vectors.h', import.meta.url), 'utf8');
  assert.equal(committed, chainProofCHeader(vectors, cases));
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
