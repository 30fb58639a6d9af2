import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { CliError, UsageError } from '../output.js';
import { attestVerify, formatVerifiedQuote } from './attest.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../attestation/fixtures/${name}`, import.meta.url));

describe('pythia attest verify', () => {
  it('verifies the SGX sample at a time inside its window', () => {
    const result = attestVerify(fixture('sgx_quote'), fixture('sgx_quote_collateral.json'), { at: '2025-06-20T00:00:00Z' });
    assert.equal(result.tcbStatus, 'ConfigurationAndSWHardeningNeeded');
    const text = formatVerifiedQuote(result);
    assert.match(text, /mrenclave\s+0x33d8736d/);
    assert.match(text, /INTEL-SA-00289, INTEL-SA-00615/);
  });
  it('refuses expired collateral, a bad time and a wrong root', () => {
    assert.throws(() => attestVerify(fixture('tdx_quote'), fixture('tdx_quote_collateral.json'), { at: '2030-01-01T00:00:00Z' }), CliError);
    assert.throws(() => attestVerify(fixture('tdx_quote'), fixture('tdx_quote_collateral.json'), { at: 'yesterday' }), UsageError);
    assert.throws(
      () =>
        attestVerify(fixture('tdx_quote'), fixture('tdx_quote_collateral.json'), {
          at: '2025-06-20T00:00:00Z',
          rootCa: fixture('tdx_quote'),
        }),
      /untrusted_root/,
    );
    assert.throws(() => attestVerify(fixture('nope'), fixture('tdx_quote_collateral.json'), {}), /cannot read quote/);
  });
});
