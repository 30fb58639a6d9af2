import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseTime } from '../args/index.js';
import { jsonOutputError } from '../jsonOutputSchemas.js';
import { CliError, jsonReplacer, UsageError } from '../output.js';
import { attestVerify, formatVerifiedQuote } from './attest.js';

const AT_2025_06_20 = parseTime('--at', '2025-06-20T00:00:00Z');
const AT_2030 = parseTime('--at', '2030-01-01T00:00:00Z');
const fixture = (name: string) => fileURLToPath(new URL(`../../attestation/fixtures/${name}`, import.meta.url));

describe('pythia attest verify', () => {
  it('verifies the SGX sample at a time inside its window', () => {
    const result = attestVerify(fixture('sgx_quote'), fixture('sgx_quote_collateral.json'), { at: AT_2025_06_20 });
    assert.equal(result.tcbStatus, 'ConfigurationAndSWHardeningNeeded');
    const text = formatVerifiedQuote(result);
    assert.match(text, /mrenclave\s+0x33d8736d/);
    assert.match(text, /INTEL-SA-00289, INTEL-SA-00615/);
  });
  it('prints, with --json, what docs/cli.md documents, for SGX and TDX', () => {
    for (const tee of ['sgx', 'tdx']) {
      const result = attestVerify(fixture(`${tee}_quote`), fixture(`${tee}_quote_collateral.json`), { at: AT_2025_06_20 });
      const printed = JSON.parse(JSON.stringify(result, jsonReplacer));
      assert.equal(jsonOutputError('attest verify', printed), undefined, tee);
    }
  });
  it('refuses expired collateral and a wrong root', () => {
    assert.throws(() => attestVerify(fixture('tdx_quote'), fixture('tdx_quote_collateral.json'), { at: AT_2030 }), CliError);
    assert.throws(
      () =>
        attestVerify(fixture('tdx_quote'), fixture('tdx_quote_collateral.json'), {
          at: AT_2025_06_20,
          rootCa: fixture('tdx_quote'),
        }),
      /untrusted_root/,
    );
    // A file that is not there is bad usage (exit code 2), as in every command.
    assert.throws(
      () => attestVerify(fixture('nope'), fixture('tdx_quote_collateral.json'), {}),
      (error) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /cannot read quote/);
        return true;
      },
    );
  });
});
