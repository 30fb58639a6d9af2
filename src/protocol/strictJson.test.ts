import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_JSON_DEPTH, parseStrictJson, StrictJsonError } from './strictJson.js';

const refused = (text: string, pattern: RegExp) =>
  assert.throws(
    () => parseStrictJson(text),
    (e: unknown) => e instanceof StrictJsonError && pattern.test(e.message),
    text.slice(0, 60),
  );

describe('strict JSON', () => {
  it('reads what JSON.parse reads, for bodies within the rules', () => {
    for (const text of [
      '{"device":"0xab","sequence":"1","timestamp":1767225600,"payload":"0x","signature":"0x"}',
      '{ "readings" : [ {"a": 1}, {"b": [true, false, null, -3, 0, 9007199254740991]} ] }',
      '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"',
      '[]',
      '{}',
      ' 42 ',
      '{"constructor":{"prototype":{}}}',
    ]) {
      assert.deepEqual(parseStrictJson(text), JSON.parse(text), text);
    }
  });

  it('builds plain objects in which "constructor" is an ordinary property', () => {
    const value = parseStrictJson('{"constructor":{"prototype":{"polluted":true}}}') as Record<string, unknown>;
    assert.ok(Object.hasOwn(value, 'constructor'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses a property named twice, at any depth, instead of keeping the last', () => {
    refused('{"device":"0x01","device":"0x02"}', /the property "device" appears twice/);
    refused('{"readings":[{"a":1,"b":2,"a":3}]}', /the property "a" appears twice .* at position 26/);
  });

  it('refuses numbers that are not plain integers: fractions, exponents, -0, beyond 2^53 - 1', () => {
    refused('{"timestamp":1.796e9}', /numbers are integers, without fraction or exponent: "1\.796e9" is refused/);
    refused('{"sequence":5.0}', /"5\.0" is refused/);
    refused('[1E3]', /"1E3" is refused/);
    refused('[1e-3]', /"1e-3" is refused/);
    refused('[-0]', /-0 is refused: write 0/);
    refused('[9007199254740992]', /"9007199254740992" is beyond 2\^53 - 1.*send it as a decimal string/);
    refused('[-9007199254740992]', /beyond 2\^53 - 1/);
    refused('[18446744073709551615]', /beyond 2\^53 - 1/);
    refused('[007]', /unexpected "07]"/);
    refused('[+1]', /unexpected "\+1]"/);
    refused('[.5]', /unexpected/);
  });

  it('refuses __proto__ as a property name', () => {
    refused('{"__proto__":{"polluted":true}}', /a property named "__proto__" is refused/);
    refused('{"a":[{"__proto__":1}]}', /a property named "__proto__" is refused/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses what is not JSON, with the position', () => {
    refused('', /the JSON text is empty/);
    refused('   ', /the JSON text is empty/);
    refused('{', /unexpected end of the JSON text at position 1/);
    refused('{"a":1,}', /unexpected "}" at position 7/);
    refused('{"a":1} x', /unexpected "x" at position 8/);
    refused("{'a':1}", /unexpected/);
    refused('"a\u0001"', /a control character in a string/);
    refused('"\\x"', /an unknown escape/);
    refused('"\\u12"', /a \\u escape needs 4 hex digits/);
    refused('"abc', /unterminated string/);
    refused('NaN', /unexpected "NaN"/);
    refused('tru', /unexpected "tru"/);
  });

  it('bounds nesting', () => {
    assert.doesNotThrow(() => parseStrictJson(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`));
    refused(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`, /nesting deeper than 64/);
    refused('['.repeat(100_000), /nesting deeper than 64/);
  });

  it('quotes at most a short prefix of what it refuses', () => {
    const key = 'k'.repeat(1_000_000);
    assert.throws(
      () => parseStrictJson(`{"${key}":1,"${key}":2}`),
      (e: unknown) => e instanceof StrictJsonError && e.message.length < 200 && /\(1000000 characters\)/.test(e.message),
    );
    assert.throws(
      () => parseStrictJson(`[${'1'.repeat(100_000)}.5]`),
      (e: unknown) => e instanceof StrictJsonError && e.message.length < 200,
    );
  });
});
