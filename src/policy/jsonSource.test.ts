import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, parseJsonSource, toPlainValue } from './jsonSource.js';

function syntaxError(text: string): string {
  try {
    parseJsonSource(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message;
    throw error;
  }
  assert.fail(`parsed: ${text}`);
}

describe('parseJsonSource', () => {
  it('reads every JSON value as JSON.parse does', () => {
    const text = '{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9\\"\\\\\\/"], "b": {}, "c": [], "d": 0}';
    assert.deepEqual(toPlainValue(parseJsonSource(text)), JSON.parse(text));
  });

  it('keeps the line and column of values and keys', () => {
    const node = parseJsonSource('{\n  "a": 1,\n\t"b": [true,\n    "x"]\n}');
    assert.equal(node.kind, 'object');
    if (node.kind !== 'object') return;
    assert.deepEqual(
      node.entries.map((e) => [e.key, e.keyAt.line, e.keyAt.column, e.value.at.line, e.value.at.column]),
      [
        ['a', 2, 3, 2, 8],
        ['b', 3, 2, 3, 7],
      ],
    );
    const b = node.entries[1]!.value;
    assert.equal(b.kind, 'array');
    if (b.kind === 'array') assert.deepEqual([b.items[1]!.at.line, b.items[1]!.at.column], [4, 5]);
  });

  it('keeps big integers exact in the lexeme', () => {
    const node = parseJsonSource('123456789012345678901234567890');
    assert.equal(node.kind === 'number' && node.lexeme, '123456789012345678901234567890');
  });

  it('skips a byte-order mark without shifting columns', () => {
    assert.equal(syntaxError('\ufeff{"a" 1}'), "1:6: unexpected character '1': expected ':' after \"a\"");
  });

  it('names the exact position of each syntax error', () => {
    const cases: Array<[string, string]> = [
      ['', '1:1: empty document: expected a JSON object'],
      ['   \n  ', '2:3: empty document: expected a JSON object'],
      ['{"a": 1,}', '1:9: trailing comma before }'],
      ['[1, 2, ]', '1:8: trailing comma before ]'],
      ['{\n  "a": 1\n  "b": 2\n}', "3:3: unexpected character '\"': expected ',' or '}'"],
      ['{"a": tru}', "1:7: unexpected 'tru': expected a value (strings need double quotes)"],
      ["{'a': 1}", "1:2: unexpected character ''': expected a property name in double quotes"],
      ['{a: 1}', "1:2: unexpected character 'a': expected a property name in double quotes"],
      ['{"a": "x\n"}', '1:9: unterminated string (a line break inside a string)'],
      ['{"a": "x', '1:7: unterminated string'],
      ['{"a": "\\x"}', '1:8: invalid escape \\x'],
      ['{"a": "\\u12g4"}', '1:8: invalid \\u escape: expected 4 hex digits'],
      ['{"a": 01}', '1:8: invalid number: leading zero'],
      ['{"a": 1.}', '1:8: invalid number'],
      ['{"a": -}', '1:7: invalid number'],
      ['{"a": 1} x', "1:10: unexpected character 'x' after the end of the document"],
      ['{"a": 1, "a": 2}', '1:10: duplicate key "a"'],
      ['{\n  // note\n  "a": 1}', '2:3: unexpected comment (JSON has none): expected a property name in double quotes'],
      ['[1 2]', "1:4: unexpected character '2': expected ',' or ']'"],
      ['{"a": [1, 2}', "1:12: unexpected character '}': expected ',' or ']'"],
      ['{"a": 1', "1:8: unexpected end of input: expected ',' or '}'"],
      ['{"a"\t:\tnull,\t"b":\tundefined}', "1:19: unexpected 'undefined': expected a value (strings need double quotes)"],
      ['{"a": "\t"}', '1:8: unescaped control character U+0009 in a string'],
      ['{"a": truex}', "1:7: unexpected 'truex': expected a value (strings need double quotes)"],
      [`${'['.repeat(70)}${']'.repeat(70)}`, '1:66: nesting deeper than 64 levels'],
    ];
    for (const [text, expected] of cases) assert.equal(syntaxError(text), expected, JSON.stringify(text));
  });
});
