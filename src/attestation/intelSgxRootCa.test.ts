import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { INTEL_SGX_ROOT_CA_SHA256 } from './certificateChain.js';
import { intelSgxRootCaDer } from './intelSgxRootCa.js';

it('the built-in Intel SGX Root CA is the pinned certificate, byte for byte the sample one', () => {
  const der = intelSgxRootCaDer();
  assert.equal(createHash('sha256').update(der).digest('hex'), INTEL_SGX_ROOT_CA_SHA256);
  assert.deepEqual(der, new Uint8Array(readFileSync(new URL('./fixtures/TrustedRootCA.der', import.meta.url))));
});
