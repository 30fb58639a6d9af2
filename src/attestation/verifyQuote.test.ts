import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AttestationError } from './errors.js';
import { parsePemCertificates } from './pem.js';
import { verifyQuote } from './verifyQuote.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const rootCaDer = fixture('TrustedRootCA.der');
const sgx = {
  quote: fixture('sgx_quote'),
  collateral: JSON.parse(Buffer.from(fixture('sgx_quote_collateral.json')).toString()) as Record<string, string>,
};
const tdx = {
  quote: fixture('tdx_quote'),
  collateral: JSON.parse(Buffer.from(fixture('tdx_quote_collateral.json')).toString()) as Record<string, string>,
};
const now = new Date('2025-06-20T00:00:00Z');

const refused = (run: () => unknown, code?: string) =>
  assert.throws(run, (error: unknown) => error instanceof AttestationError && (code === undefined || error.code === code), code);
const flip = (bytes: Uint8Array, offset: number, mask = 0x01) => {
  const copy = new Uint8Array(bytes);
  copy[offset]! ^= mask;
  return copy;
};
const flipHex = (hex: string, index: number) => hex.slice(0, index) + (hex[index] === '0' ? '1' : '0') + hex.slice(index + 1);
const flipChar = (text: string, index: number) =>
  text.slice(0, index) + String.fromCharCode(text.charCodeAt(index) ^ 0x01) + text.slice(index + 1);

describe('verifyQuote: known answers', () => {
  it('verifies the SGX sample quote', () => {
    const result = verifyQuote({ ...sgx, rootCaDer, now });
    assert.equal(result.teeType, 'SGX');
    assert.equal(result.version, 3);
    assert.equal(result.measurement, '0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb');
    assert.equal(result.mrsigner, '0x815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6');
    assert.equal(result.isvProdId, 0);
    assert.equal(result.isvSvn, 0);
    assert.equal(result.reportData, `0x${Buffer.concat([Buffer.from('Hello, world!'), Buffer.alloc(51)]).toString('hex')}`);
    assert.equal(result.tcbStatus, 'ConfigurationAndSWHardeningNeeded');
    assert.deepEqual(result.advisoryIds, ['INTEL-SA-00289', 'INTEL-SA-00615']);
    assert.equal(result.fmspc, '00A067110000');
    assert.equal(result.qeTcbStatus, 'UpToDate');
  });

  it('verifies the TDX sample quote', () => {
    const result = verifyQuote({ ...tdx, rootCaDer, now });
    assert.equal(result.teeType, 'TDX');
    assert.equal(result.version, 4);
    assert.equal(result.measurement, '0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7');
    assert.equal(result.tcbStatus, 'UpToDate');
    assert.deepEqual(result.advisoryIds, []);
    assert.equal(result.fmspc, 'B0C06F000000');
    assert.equal(result.tdx?.rtmr.length, 4);
  });
});

describe('verifyQuote: time', () => {
  it('refuses collateral past its nextUpdate', () => {
    refused(() => verifyQuote({ ...sgx, rootCaDer, now: new Date('2025-07-20T00:00:00Z') }), 'collateral_expired');
    refused(() => verifyQuote({ ...tdx, rootCaDer, now: new Date('2025-07-20T00:00:00Z') }), 'collateral_expired');
  });
  it('refuses a time before the certificates are valid', () => {
    refused(() => verifyQuote({ ...sgx, rootCaDer, now: new Date('2017-01-01T00:00:00Z') }), 'certificate_not_yet_valid');
  });
  it('refuses a time before the collateral was issued', () => {
    refused(() => verifyQuote({ ...sgx, rootCaDer, now: new Date('2025-06-19T10:00:00Z') }));
  });
  it('refuses an invalid date', () => {
    refused(() => verifyQuote({ ...sgx, rootCaDer, now: new Date('nope') }));
  });
});

describe('verifyQuote: trust anchor', () => {
  it('refuses another root (the PCK intermediate) and a wrong pin', () => {
    const intermediate = parsePemCertificates({ pem: sgx.collateral.pck_crl_issuer_chain! })[0]!;
    refused(() => verifyQuote({ ...sgx, rootCaDer: intermediate, now }), 'untrusted_root');
    refused(() => verifyQuote({ ...sgx, rootCaDer, rootCaFingerprint: '00'.repeat(32), now }), 'untrusted_root');
    refused(() => verifyQuote({ ...sgx, rootCaDer: flip(rootCaDer, 300), now }), 'untrusted_root');
  });
});

// Region offsets from the quote layouts (Intel SGX ECDSA Quote Library API, TDX DCAP API).
const regions = {
  sgx: {
    header: [0, 48],
    body: [48, 432],
    signature: [436, 500],
    attestationKey: [500, 564],
    qeReport: [564, 948],
    qeReportSignature: [948, 1012],
    qeAuthData: [1014, 1046],
    pem: [1052, 4600],
  },
  tdx: {
    header: [0, 48],
    body: [48, 632],
    signature: [636, 700],
    attestationKey: [700, 764],
    qeReport: [770, 1154],
    qeReportSignature: [1154, 1218],
    qeAuthData: [1220, 1252],
    pem: [1258, 4936],
    padding: [4936, 5006],
  },
} as const;

describe('verifyQuote: tampering with the quote', () => {
  for (const [name, sample] of [
    ['sgx', sgx],
    ['tdx', tdx],
  ] as const) {
    for (const [region, [start, end]] of Object.entries(regions[name])) {
      it(`${name}: refuses a flipped byte anywhere in ${region}`, () => {
        const stride = region === 'pem' ? 97 : 11;
        const offsets = new Set<number>([start, end - 1]);
        for (let o = start; o < end; o += stride) offsets.add(o);
        for (const offset of offsets) {
          for (const mask of [0x01, 0x80]) {
            assert.throws(
              () => verifyQuote({ quote: flip(sample.quote, offset, mask), collateral: sample.collateral, rootCaDer, now }),
              AttestationError,
              `${region} offset ${offset} mask ${mask}`,
            );
          }
        }
      });
    }
    it(`${name}: refuses every byte of the length and type fields`, () => {
      const fields =
        name === 'sgx'
          ? [432, 433, 434, 435, 1012, 1013, 1046, 1047, 1048, 1049, 1050, 1051]
          : [632, 633, 634, 635, 764, 765, 766, 767, 1218, 1219, 1252, 1253, 1254, 1255];
      for (const offset of fields)
        refused(() => verifyQuote({ quote: flip(sample.quote, offset), collateral: sample.collateral, rootCaDer, now }));
    });
  }
});

describe('verifyQuote: tampering with the collateral', () => {
  const withField = (sample: typeof sgx, field: string, value: string) => ({
    ...sample,
    collateral: { ...sample.collateral, [field]: value },
    rootCaDer,
    now,
  });
  for (const [name, sample] of [
    ['sgx', sgx],
    ['tdx', tdx],
  ] as const) {
    it(`${name}: refuses a changed TCB info, QE identity or their signatures`, () => {
      const tcbInfo = sample.collateral.tcb_info!;
      const qeIdentity = sample.collateral.qe_identity!;
      for (const index of [10, Math.floor(tcbInfo.length / 2), tcbInfo.length - 3]) {
        refused(() => verifyQuote(withField(sample, 'tcb_info', flipChar(tcbInfo, index))));
      }
      refused(() => verifyQuote(withField(sample, 'tcb_info', tcbInfo.replace('INTEL-SA-00', 'INTEL-SA-01'))), 'tcb_info_invalid');
      for (const index of [10, Math.floor(qeIdentity.length / 2), qeIdentity.length - 3]) {
        refused(() => verifyQuote(withField(sample, 'qe_identity', flipChar(qeIdentity, index))));
      }
      for (const index of [0, 40, 64, 127]) {
        refused(
          () => verifyQuote(withField(sample, 'tcb_info_signature', flipHex(sample.collateral.tcb_info_signature!, index))),
          'tcb_info_invalid',
        );
        refused(
          () => verifyQuote(withField(sample, 'qe_identity_signature', flipHex(sample.collateral.qe_identity_signature!, index))),
          'qe_identity_invalid',
        );
      }
    });
    it(`${name}: refuses a changed CRL or issuer chain`, () => {
      for (const field of ['root_ca_crl', 'pck_crl']) {
        const crl = sample.collateral[field]!;
        for (const index of [20, 200, crl.length - 20]) refused(() => verifyQuote(withField(sample, field, flipHex(crl, index))));
      }
      for (const field of ['tcb_info_issuer_chain', 'qe_identity_issuer_chain', 'pck_crl_issuer_chain']) {
        const pem = sample.collateral[field]!;
        for (const index of [100, 400, 700]) refused(() => verifyQuote(withField(sample, field, flipChar(pem, index))));
      }
    });
    it(`${name}: refuses swapped or missing collateral`, () => {
      const other = name === 'sgx' ? tdx : sgx;
      refused(() => verifyQuote({ ...sample, collateral: other.collateral, rootCaDer, now }));
      refused(
        () => verifyQuote({ ...sample, collateral: { ...sample.collateral, tcb_info: undefined }, rootCaDer, now }),
        'malformed_collateral',
      );
      refused(() => verifyQuote({ ...sample, collateral: null, rootCaDer, now }), 'malformed_collateral');
    });
  }
});
