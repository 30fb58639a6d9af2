/**
 * How every command talks: results to stdout (JSON with --json), progress and errors to
 * stderr, and a non-zero exit code on failure.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Bad arguments: exit code 2, like commander's own usage errors. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

export { formatEth } from '../protocol/amounts.js';

export type OutputOptions = { json?: boolean; quiet?: boolean };

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function printResult(options: OutputOptions, value: unknown, human: () => string): void {
  if (options.json) process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** Progress lines go to stderr so that stdout stays machine-readable. */
export function progress(options: OutputOptions, message: string): void {
  if (!options.quiet) process.stderr.write(`${message}\n`);
}

/** Labelled lines, the values aligned: [['status', 'active'], ['class', '1']] → "status  active\nclass   1". */
export function formatFields(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n');
}

export function formatTable(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
