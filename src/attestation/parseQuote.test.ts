import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AttestationError } from './errors.js';
import { parsePckExtension } from './pckExtension.js';
import { parsePemCertificates } from './pem.js';
import { parseQuote } from './parseQuote.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const sgxQuote = fixture('sgx_quote');
const tdxQuote = fixture('tdx_quote');
const refused = (run: () => unknown, code?: string) =>
  assert.throws(run, (e: unknown) => e instanceof AttestationError && (code === undefined || e.code === code), code);

describe('parseQuote', () => {
  it('parses the SGX v3 quote', () => {
    const q = parseQuote(sgxQuote);
    assert.equal(q.teeType, 'SGX');
    assert.equal(q.header.version, 3);
    assert.equal(q.signedBytes.length, 48 + 384);
    assert.equal(q.signatureData.qeAuthData.length, 32);
    assert.equal(parsePemCertificates({ pem: q.signatureData.pckCertChainPem }).length, 3);
  });
  it('parses the TDX v4 quote with nested QE report certification data', () => {
    const q = parseQuote(tdxQuote);
    assert.equal(q.teeType, 'TDX');
    assert.equal(q.header.version, 4);
    if (q.teeType !== 'TDX') throw new Error('unreachable');
    assert.equal(Buffer.from(q.body.mrTd).toString('hex').slice(0, 8), '91eb2b44');
    assert.equal(q.signatureData.qeReport.isvProdId, 2);
  });
  it('refuses every truncation', () => {
    for (const quote of [sgxQuote, tdxQuote]) {
      for (let length = 0; length < quote.length; length += length < 1300 ? 1 : 37) {
        if (quote === tdxQuote && length >= 4936) continue; // only zero padding is cut past here
        refused(() => parseQuote(quote.subarray(0, length)));
      }
    }
  });
  it('refuses other versions, TEE types, key types and trailing data', () => {
    const patch = (offset: number, value: number[]) => {
      const copy = new Uint8Array(sgxQuote);
      copy.set(value, offset);
      return copy;
    };
    for (const version of [0, 1, 2, 5, 0xffff]) refused(() => parseQuote(patch(0, [version & 0xff, version >> 8])), 'unsupported_quote');
    refused(() => parseQuote(patch(2, [3, 0])), 'unsupported_quote');
    refused(() => parseQuote(patch(4, [0x81, 0, 0, 0])), 'unsupported_quote');
    refused(() => parseQuote(new Uint8Array([...sgxQuote, 1])), 'malformed_quote');
    refused(() => parseQuote(new Uint8Array([...tdxQuote, 0, 0, 0, 5])), 'malformed_quote');
    refused(() => parseQuote(new Uint8Array(70_000)), 'malformed_quote');
  });
  it('reads the SGX extension of the PCK certificate', () => {
    const [leaf] = parsePemCertificates({ pem: parseQuote(sgxQuote).signatureData.pckCertChainPem });
    const ext = parsePckExtension({ certificateDer: leaf! });
    assert.equal(ext.fmspc, '00A067110000');
    assert.equal(ext.pceId, '0000');
    assert.equal(ext.cpuSvnComponents.length, 16);
    assert.deepEqual(ext.cpuSvnComponents.slice(0, 2), [11, 11]);
  });
});
