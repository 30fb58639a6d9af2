import { quoteInput } from './quoteInput.js';

/**
 * The JSON the gateway reads (docs/protocol.md, "JSON"), over HTTP and MQTT alike: RFC 8259,
 * with one encoding for every value, so that what a device signs and what the gateway reads
 * cannot mean two things:
 *
 * - an object names each property once (`{"device": …, "device": …}` is refused, not last-wins);
 * - numbers are integers: no fraction, no exponent (`1.796e9`, `5.0` are refused), no `-0`,
 *   and at most 2^53 − 1 in magnitude (beyond, JSON numbers lose precision: send a decimal string);
 * - no property is named `__proto__`;
 * - nesting is at most 64 deep.
 *
 * Refusals quote at most a short prefix of what they refuse.
 */
export class StrictJsonError extends Error {}

export const MAX_JSON_DEPTH = 64;

/** Character codes the parser compares with. */
const Char = {
  Tab: 0x09,
  LineFeed: 0x0a,
  CarriageReturn: 0x0d,
  Space: 0x20,
  Quote: 0x22,
  Plus: 0x2b,
  Comma: 0x2c,
  Minus: 0x2d,
  Dot: 0x2e,
  Zero: 0x30,
  Nine: 0x39,
  Colon: 0x3a,
  UpperE: 0x45,
  OpenBracket: 0x5b,
  Backslash: 0x5c,
  CloseBracket: 0x5d,
  LowerE: 0x65,
  OpenBrace: 0x7b,
  CloseBrace: 0x7d,
} as const;

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Parses `text` under the rules above; throws StrictJsonError with the reason and the position. */
export function parseStrictJson(text: string): unknown {
  let at = 0;

  const fail = (why: string): never => {
    throw new StrictJsonError(`${why} at position ${at}`);
  };
  const skipWhitespace = () => {
    for (let c = text.charCodeAt(at); c === Char.Space || c === Char.Tab || c === Char.LineFeed || c === Char.CarriageReturn; ) {
      c = text.charCodeAt(++at);
    }
  };
  const unexpected = (): never =>
    at >= text.length ? fail('unexpected end of the JSON text') : fail(`unexpected ${quoteInput(text.slice(at, at + 12), 12)}`);

  const parseString = (): string => {
    at++; // the opening quote
    let out = '';
    let start = at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c)) return fail('unterminated string');
      if (c === Char.Quote) {
        out += text.slice(start, at++);
        return out;
      }
      if (c < 0x20) return fail('a control character in a string (escape it)');
      if (c !== Char.Backslash) {
        at++;
        continue;
      }
      out += text.slice(start, at);
      const escaped = text[at + 1];
      if (escaped === 'u') {
        const hex = text.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail('a \\u escape needs 4 hex digits');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        at += 6;
      } else if (escaped !== undefined && ESCAPES[escaped] !== undefined) {
        out += ESCAPES[escaped];
        at += 2;
      } else {
        return fail('an unknown escape in a string');
      }
      start = at;
    }
  };

  const parseNumber = (): number => {
    const start = at;
    if (text.charCodeAt(at) === Char.Minus) at++;
    const first = text.charCodeAt(at);
    if (first === Char.Zero) at++;
    else if (first > Char.Zero && first <= Char.Nine) while (isDigit(text.charCodeAt(at))) at++;
    else return unexpected();
    const next = text.charCodeAt(at);
    if (next === Char.Dot || next === Char.LowerE || next === Char.UpperE) {
      let end = at + 1;
      while (isNumberChar(text.charCodeAt(end))) end++;
      at = start;
      return fail(`numbers are integers, without fraction or exponent: ${quoteInput(text.slice(start, end), 24)} is refused`);
    }
    const literal = text.slice(start, at);
    if (literal === '-0') {
      at = start;
      return fail('-0 is refused: write 0');
    }
    const value = Number(literal);
    if (!Number.isSafeInteger(value)) {
      at = start;
      return fail(`${quoteInput(literal, 24)} is beyond 2^53 - 1, where JSON numbers lose precision: send it as a decimal string`);
    }
    return value;
  };

  const parseValue = (depth: number): unknown => {
    skipWhitespace();
    const c = text.charCodeAt(at);
    if (c === Char.OpenBrace || c === Char.OpenBracket) {
      if (depth >= MAX_JSON_DEPTH) return fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
      return c === Char.OpenBrace ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (c === Char.Quote) return parseString();
    if (c === Char.Minus || isDigit(c)) return parseNumber();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    return unexpected();
  };

  const parseObject = (depth: number): Record<string, unknown> => {
    at++; // {
    const object: Record<string, unknown> = {};
    const seen = new Set<string>();
    skipWhitespace();
    if (text.charCodeAt(at) === Char.CloseBrace) {
      at++;
      return object;
    }
    for (;;) {
      skipWhitespace();
      if (text.charCodeAt(at) !== Char.Quote) return unexpected();
      const keyAt = at;
      const key = parseString();
      if (key === '__proto__') {
        at = keyAt;
        return fail('a property named "__proto__" is refused');
      }
      if (seen.has(key)) {
        at = keyAt;
        return fail(`the property ${quoteInput(key)} appears twice (one object names each property once)`);
      }
      seen.add(key);
      skipWhitespace();
      if (text.charCodeAt(at) !== Char.Colon) return unexpected();
      at++;
      object[key] = parseValue(depth);
      skipWhitespace();
      const c = text.charCodeAt(at++);
      if (c === Char.CloseBrace) return object;
      if (c !== Char.Comma) {
        at--;
        return unexpected();
      }
    }
  };

  const parseArray = (depth: number): unknown[] => {
    at++; // [
    const array: unknown[] = [];
    skipWhitespace();
    if (text.charCodeAt(at) === Char.CloseBracket) {
      at++;
      return array;
    }
    for (;;) {
      array.push(parseValue(depth));
      skipWhitespace();
      const c = text.charCodeAt(at++);
      if (c === Char.CloseBracket) return array;
      if (c !== Char.Comma) {
        at--;
        return unexpected();
      }
    }
  };

  skipWhitespace();
  if (at >= text.length) throw new StrictJsonError('the JSON text is empty');
  const value = parseValue(0);
  skipWhitespace();
  if (at < text.length) return unexpected();
  return value;
}

const isDigit = (c: number) => c >= Char.Zero && c <= Char.Nine;
const isNumberChar = (c: number) =>
  isDigit(c) || c === Char.Dot || c === Char.LowerE || c === Char.UpperE || c === Char.Plus || c === Char.Minus;
