import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PAYLOAD_BYTES } from '../../protocol/payload.js';
import { SECP256K1_N } from '../../protocol/signature.js';
import { isReadingProblem, parseReading, parseUint64, readingsOfBody } from './readingShape.js';
import { highSTwin, newTestDevice, signedReading } from '../testKit.js';

const domain = { chainId: 20601, verifyingContract: '0x1000000000000000000000000000000000000001' as const };
const device = newTestDevice();
const good = await signedReading(device, domain, { sequence: 1 });

/** The signature with another s (v kept): an s out of range is no signature at all. */
const withS = (signature: string, s: bigint) => `0x${signature.slice(2, 66)}${s.toString(16).padStart(64, '0')}${signature.slice(130)}`;

const reasonOf = (item: unknown) => {
  const result = parseReading(item);
  return isReadingProblem(result) ? result.reason : 'ok';
};

describe('readingsOfBody', () => {
  it('takes one reading or { readings: [...] }', () => {
    assert.deepEqual(readingsOfBody(good), { ok: true, items: [good], batch: false });
    assert.deepEqual(readingsOfBody({ readings: [good, good] }), { ok: true, items: [good, good], batch: true });
  });
  it('refuses bodies that are not objects, empty batches and extra keys', () => {
    for (const body of [null, undefined, 'x', 42, [good], { readings: [] }, { readings: {} }, { readings: [good], extra: 1 }]) {
      const result = readingsOfBody(body);
      assert.equal(result.ok, false, JSON.stringify(body));
      if (!result.ok) assert.equal(result.reason, 'invalid_body');
    }
  });
  it('refuses more readings than the limit as too_many_readings', () => {
    const result = readingsOfBody({ readings: Array(11).fill(good) }, 10);
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.reason, 'too_many_readings');
  });
});

describe('parseReading', () => {
  it('accepts a well-formed reading, with sequence as integer or decimal string', () => {
    const parsed = parseReading(good);
    assert.ok(!isReadingProblem(parsed));
    assert.equal(parsed.device, device.id.toLowerCase());
    assert.equal(parsed.sequence, 1n);
    assert.equal(reasonOf({ ...good, sequence: '18446744073709551615' }), 'ok');
  });

  const cases: [string, unknown, string][] = [
    ['not an object', 'reading', 'invalid_body'],
    ['missing field', { ...good, signature: undefined }, 'invalid_body'],
    ['unknown field', { ...good, v: 27 }, 'invalid_body'],
    ['device too short', { ...good, device: '0x1234' }, 'invalid_body'],
    ['device not a string', { ...good, device: 7 }, 'invalid_body'],
    ['negative sequence', { ...good, sequence: -1 }, 'invalid_body'],
    ['fractional sequence', { ...good, sequence: 1.5 }, 'invalid_body'],
    ['unsafe integer sequence', { ...good, sequence: 2 ** 60 }, 'invalid_body'],
    ['sequence over uint64', { ...good, sequence: '18446744073709551616' }, 'invalid_body'],
    ['sequence with leading zero', { ...good, sequence: '01' }, 'invalid_body'],
    ['sequence as boolean', { ...good, sequence: true }, 'invalid_body'],
    ['timestamp as hex string', { ...good, timestamp: '0x10' }, 'invalid_body'],
    ['payload not a string', { ...good, payload: 12 }, 'invalid_body'],
    ['payload without 0x', { ...good, payload: 'abcd' }, 'payload_malformed'],
    ['payload odd length', { ...good, payload: '0xabc' }, 'payload_malformed'],
    ['payload not hex', { ...good, payload: '0xzz' }, 'payload_malformed'],
    ['payload over the cap', { ...good, payload: `0x${'00'.repeat(MAX_PAYLOAD_BYTES + 1)}` }, 'payload_too_large'],
    ['signature not a string', { ...good, signature: 1 }, 'bad_signature_format'],
    ['signature too short', { ...good, signature: good.signature.slice(0, 130) }, 'bad_signature_format'],
    ['signature v = 29', { ...good, signature: `${good.signature.slice(0, 130)}1d` }, 'bad_signature_format'],
    ['signature r = 0', { ...good, signature: `0x${'00'.repeat(32)}${good.signature.slice(66)}` }, 'bad_signature_format'],
    ['signature high s', { ...good, signature: highSTwin(good.signature) }, 'high_s_signature'],
    ['signature v = 0', { ...good, signature: `${good.signature.slice(0, 130)}00` }, 'bad_signature_format'],
    ['signature v = 1', { ...good, signature: `${good.signature.slice(0, 130)}01` }, 'bad_signature_format'],
    ['signature s = n', { ...good, signature: withS(good.signature, SECP256K1_N) }, 'bad_signature_format'],
    ['signature s > n', { ...good, signature: withS(good.signature, SECP256K1_N + 5n) }, 'bad_signature_format'],
    ['signature r = n', { ...good, signature: `0x${SECP256K1_N.toString(16)}${good.signature.slice(66)}` }, 'bad_signature_format'],
  ];
  for (const [name, item, reason] of cases) {
    it(`${name} → ${reason}`, () => assert.equal(reasonOf(item), reason));
  }

  it('quotes at most a short prefix of an unknown property', () => {
    const problem = parseReading({ ...good, ['x'.repeat(100_000)]: 1 });
    assert.ok(isReadingProblem(problem));
    assert.equal(problem.message, `unknown property "${'x'.repeat(40)}"… (100000 characters)`);
  });

  it('accepts a payload of exactly the cap', () => {
    assert.equal(reasonOf({ ...good, payload: `0x${'00'.repeat(MAX_PAYLOAD_BYTES)}` }), 'ok');
  });
});

describe('parseUint64', () => {
  it('reads integers and decimal strings within uint64', () => {
    assert.equal(parseUint64(0), 0n);
    assert.equal(parseUint64('0'), 0n);
    assert.equal(parseUint64(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER));
    assert.equal(parseUint64('18446744073709551615'), (1n << 64n) - 1n);
    for (const bad of [-1, 0.5, NaN, Infinity, '', ' 1', '1e3', '-1', '99999999999999999999', null, {}]) {
      assert.equal(parseUint64(bad), undefined, String(bad));
    }
  });
});
