/**
 * A strict JSON (RFC 8259) parser that keeps where every value and key starts, so that a policy
 * error can name its line and column. No comments, no trailing commas, no duplicate keys.
 * Lines and columns are 1-based; a column counts UTF-16 code units (a tab is one column).
 */

export type SourcePosition = { offset: number; line: number; column: number };

export type JsonNode =
  | { kind: 'object'; at: SourcePosition; entries: JsonEntry[] }
  | { kind: 'array'; at: SourcePosition; items: JsonNode[] }
  | { kind: 'string'; at: SourcePosition; value: string }
  /** `lexeme` is the number exactly as written (integers beyond 2^53 stay exact there). */
  | { kind: 'number'; at: SourcePosition; value: number; lexeme: string }
  | { kind: 'boolean'; at: SourcePosition; value: boolean }
  | { kind: 'null'; at: SourcePosition };

export type JsonEntry = { key: string; keyAt: SourcePosition; value: JsonNode };

/** The first syntax error of a text, with its exact position. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: SourcePosition,
  ) {
    super(`${at.line}:${at.column}: ${message}`);
  }
}

const MAX_DEPTH = 64;

export function parseJsonSource(text: string): JsonNode {
  return new Parser(text).parseDocument();
}

/** The plain JavaScript value of a node (objects keep their key order). */
export function toPlainValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object':
      return Object.fromEntries(node.entries.map((e) => [e.key, toPlainValue(e.value)]));
    case 'array':
      return node.items.map(toPlainValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

class Parser {
  private index = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) {
      this.index = 1;
      this.lineStart = 1;
    }
  }

  parseDocument(): JsonNode {
    this.skipWhitespace();
    if (this.index >= this.text.length) this.fail('empty document: expected a JSON object');
    const node = this.parseValue(0);
    this.skipWhitespace();
    if (this.index < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the document`);
    return node;
  }

  private position(): SourcePosition {
    return { offset: this.index, line: this.line, column: this.index - this.lineStart + 1 };
  }

  private fail(message: string, at = this.position()): never {
    throw new JsonSyntaxError(message, at);
  }

  private describe(): string {
    if (this.index >= this.text.length) return 'end of input';
    const c = this.text[this.index]!;
    if (c === '/' && (this.text[this.index + 1] === '/' || this.text[this.index + 1] === '*')) return 'comment (JSON has none)';
    const code = c.charCodeAt(0);
    return code < 0x20 ? `control character U+${code.toString(16).padStart(4, '0')}` : `character '${c}'`;
  }

  private skipWhitespace(): void {
    const { text } = this;
    while (this.index < text.length) {
      const c = text[this.index];
      if (c === ' ' || c === '\t' || c === '\r') this.index++;
      else if (c === '\n') {
        this.index++;
        this.line++;
        this.lineStart = this.index;
      } else break;
    }
  }

  private parseValue(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const at = this.position();
    const c = this.text[this.index];
    switch (c) {
      case '{':
        return this.parseObject(at, depth);
      case '[':
        return this.parseArray(at, depth);
      case '"':
        return { kind: 'string', at, value: this.parseString() };
      case 't':
      case 'f':
      case 'n':
        return this.parseLiteral(at);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber(at);
        if (c !== undefined && /[A-Za-z_]/.test(c)) return this.parseLiteral(at);
        return this.fail(`unexpected ${this.describe()}: expected a value`);
    }
  }

  private parseObject(at: SourcePosition, depth: number): JsonNode {
    this.index++; // {
    const entries: JsonEntry[] = [];
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.index] === '}') {
      this.index++;
      return { kind: 'object', at, entries };
    }
    for (;;) {
      this.skipWhitespace();
      const keyAt = this.position();
      if (this.text[this.index] !== '"') {
        if (this.text[this.index] === '}' && entries.length > 0) this.fail('trailing comma before }');
        this.fail(`unexpected ${this.describe()}: expected a property name in double quotes`);
      }
      const key = this.parseString();
      if (seen.has(key)) this.fail(`duplicate key "${key}"`, keyAt);
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.index] !== ':') this.fail(`unexpected ${this.describe()}: expected ':' after "${key}"`);
      this.index++;
      this.skipWhitespace();
      entries.push({ key, keyAt, value: this.parseValue(depth + 1) });
      this.skipWhitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        continue;
      }
      if (next === '}') {
        this.index++;
        return { kind: 'object', at, entries };
      }
      this.fail(`unexpected ${this.describe()}: expected ',' or '}'`);
    }
  }

  private parseArray(at: SourcePosition, depth: number): JsonNode {
    this.index++; // [
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.index] === ']') {
      this.index++;
      return { kind: 'array', at, items };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.index] === ']') this.fail('trailing comma before ]');
      items.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.index];
      if (next === ',') {
        this.index++;
        continue;
      }
      if (next === ']') {
        this.index++;
        return { kind: 'array', at, items };
      }
      this.fail(`unexpected ${this.describe()}: expected ',' or ']'`);
    }
  }

  private parseString(): string {
    const start = this.position();
    const { text } = this;
    this.index++; // "
    let out = '';
    let chunk = this.index;
    for (;;) {
      if (this.index >= text.length) this.fail('unterminated string', start);
      const code = text.charCodeAt(this.index);
      if (code === 0x22) {
        out += text.slice(chunk, this.index);
        this.index++;
        return out;
      }
      if (code < 0x20)
        this.fail(code === 0x0a ? 'unterminated string (a line break inside a string)' : `unescaped ${this.describe()} in a string`);
      if (code !== 0x5c) {
        this.index++;
        continue;
      }
      out += text.slice(chunk, this.index);
      const escapeAt = this.position();
      const e = text[this.index + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        this.index += 2;
      } else if (e === 'u') {
        const hex = text.slice(this.index + 2, this.index + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape: expected 4 hex digits', escapeAt);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.index += 6;
      } else {
        this.fail(`invalid escape \\${e ?? ''}`, escapeAt);
      }
      chunk = this.index;
    }
  }

  private parseNumber(at: SourcePosition): JsonNode {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.index, this.index + 400));
    if (!match) this.fail('invalid number');
    const lexeme = match[0];
    const after = this.text[this.index + lexeme.length];
    if (after !== undefined && /[0-9.eE+-]/.test(after)) {
      this.index += lexeme.length;
      this.fail(/^-?0$/.test(lexeme) && /\d/.test(after) ? 'invalid number: leading zero' : 'invalid number');
    }
    this.index += lexeme.length;
    return { kind: 'number', at, value: Number(lexeme), lexeme };
  }

  private parseLiteral(at: SourcePosition): JsonNode {
    for (const [word, node] of [
      ['true', { kind: 'boolean', at, value: true }],
      ['false', { kind: 'boolean', at, value: false }],
      ['null', { kind: 'null', at }],
    ] as const) {
      if (this.text.startsWith(word, this.index)) {
        const after = this.text[this.index + word.length];
        if (after !== undefined && /[A-Za-z0-9_]/.test(after)) break;
        this.index += word.length;
        return node;
      }
    }
    const word = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.index, this.index + 40))?.[0] ?? this.text[this.index];
    return this.fail(`unexpected '${word}': expected a value (strings need double quotes)`);
  }
}
