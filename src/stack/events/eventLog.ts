import { appendFileSync, closeSync, existsSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { operatorEventJsonLine, parseOperatorEventJsonLine } from './formatOperatorEvent.js';
import type { OperatorEvent } from './operatorEvent.js';

/**
 * The node's own events (refusals, relayer, gateway warnings; the chain's events are read from the
 * chain), one JSON line each, for `pythia watch` in another terminal. In the data directory, 0600.
 */
export const EVENT_LOG_FILE = 'events.log';
/** Past this size the log is moved to events.log.1 (replacing the one before) and begun again. */
const MAX_EVENT_LOG_BYTES = 10 * 1024 * 1024;

export function eventLogPath(dataDir: string): string {
  return join(dataDir, EVENT_LOG_FILE);
}

/** Appends events to the data directory's event log (failures to write are the caller's onError). */
export function createEventLogWriter(dataDir: string, onError: (error: unknown) => void = () => {}): (event: OperatorEvent) => void {
  const path = eventLogPath(dataDir);
  return (event) => {
    try {
      if (existsSync(path) && statSync(path).size > MAX_EVENT_LOG_BYTES) renameSync(path, `${path}.1`);
      appendFileSync(path, `${operatorEventJsonLine(event)}\n`, { mode: 0o600 });
    } catch (error) {
      onError(error);
    }
  };
}

export type FollowEventLogParameters = {
  dataDir: string;
  /** Tell the events already in the log from this time on (ms since the epoch); default none: only new ones. */
  sinceTime?: number;
  onEvent: (event: OperatorEvent) => void;
  /** Default 250 ms. */
  pollIntervalMs?: number;
};

/** Follows the event log as `tail -F` would (a rotated log is read again from its start) until stopped. */
export function followEventLog(parameters: FollowEventLogParameters): { stop: () => void } {
  const path = eventLogPath(parameters.dataDir);
  const sizeOf = () => (existsSync(path) ? statSync(path) : undefined);
  const first = sizeOf();
  let inode = first?.ino;
  let offset = parameters.sinceTime === undefined ? (first?.size ?? 0) : 0;
  let partial = '';
  const read = () => {
    const stat = sizeOf();
    if (!stat) return;
    if (stat.ino !== inode || stat.size < offset) {
      inode = stat.ino;
      offset = 0;
      partial = '';
    }
    if (stat.size === offset) return;
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(stat.size - offset);
      const n = readSync(fd, buffer, 0, buffer.length, offset);
      offset += n;
      const lines = (partial + buffer.subarray(0, n).toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseOperatorEventJsonLine(line);
        if (!event) continue;
        if (parameters.sinceTime !== undefined && Date.parse(event.time) < parameters.sinceTime) continue;
        parameters.onEvent(event);
      }
    } finally {
      closeSync(fd);
    }
  };
  read();
  const timer = setInterval(read, parameters.pollIntervalMs ?? 250);
  return {
    stop: () => {
      clearInterval(timer);
      read();
    },
  };
}
