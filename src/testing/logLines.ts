import { Writable } from 'node:stream';

/** A pino log (JSON lines) kept in memory as parsed lines: give `stream` as the logger's stream, read `lines`. Tests only. */
export function logLines(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const parts = (partial + String(chunk)).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { stream, lines };
}
