import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from 'viem';
import { bindingOfReportData, expectedReportData, reportDataBindsKey } from './reportData.js';
import { verifyQuote } from './verifyQuote.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const publicKey = bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).subarray(1));
const nonce = bytesToHex(new Uint8Array(32).fill(7));

describe('report data binding', () => {
  it('binds a key, with and without a nonce', () => {
    const reportData = expectedReportData({ publicKey });
    assert.equal(reportData.length, 2 + 128);
    assert.equal(bindingOfReportData(reportData).nonce, bytesToHex(new Uint8Array(32)));
    assert.ok(reportDataBindsKey({ reportData, publicKey }));
    assert.ok(reportDataBindsKey({ reportData, publicKey: `0x04${publicKey.slice(2)}` }));
    const withNonce = expectedReportData({ publicKey, nonce });
    assert.equal(bindingOfReportData(withNonce).nonce, nonce);
    assert.ok(reportDataBindsKey({ reportData: withNonce, publicKey, nonce }));
    assert.ok(!reportDataBindsKey({ reportData: withNonce, publicKey }));
  });
  it('refuses another key or a changed byte', () => {
    const reportData = expectedReportData({ publicKey });
    const other = bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).subarray(1));
    assert.ok(!reportDataBindsKey({ reportData, publicKey: other }));
    assert.ok(
      !reportDataBindsKey({
        reportData: `0x${reportData.slice(2, 10)}${reportData[10] === '0' ? '1' : '0'}${reportData.slice(11)}`,
        publicKey,
      }),
    );
    assert.ok(!reportDataBindsKey({ reportData: '0x1234', publicKey }));
    assert.throws(() => expectedReportData({ publicKey: '0x1234' }));
  });
  it('the sample quotes do not bind a Pythia key', () => {
    const now = new Date('2025-06-20T00:00:00Z');
    for (const name of ['sgx', 'tdx']) {
      const { reportData } = verifyQuote({
        quote: fixture(`${name}_quote`),
        collateral: JSON.parse(Buffer.from(fixture(`${name}_quote_collateral.json`)).toString()),
        rootCaDer: fixture('TrustedRootCA.der'),
        now,
      });
      assert.ok(!reportDataBindsKey({ reportData, publicKey }));
    }
  });
});
