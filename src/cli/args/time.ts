import { InvalidArgumentError } from 'commander';
import { quoteInput } from '../../protocol/quoteInput.js';

/**
 * The one time grammar of the CLI, for every option that takes a point in time (consent
 * windows, deletion ranges and deadlines, escrow deadlines):
 *
 *   ISO 8601   2027-01-31 (midnight UTC), 2027-01-31T12:00Z, 2027-01-31T12:00:00+01:00
 *              (a time of day needs its zone: Z or ±hh:mm)
 *   Unix       1798675200 (seconds)
 *   relative   30d, +7d, 12h, 45m, 90s, 2w from now; -7d before now
 *
 * and the one duration grammar (`--period`): <n>s|m|h|d|w, or plain seconds.
 * Each parser turns bad input into commander's InvalidArgumentError: the CLI prints the reason
 * and exits with code 2 before any work.
 */

export const DURATION_UNITS = { s: 1n, m: 60n, h: 3_600n, d: 86_400n, w: 604_800n } as const;
type DurationUnit = keyof typeof DURATION_UNITS;

const GRAMMAR = 'an ISO time (2027-01-31T00:00:00Z), Unix seconds (1798675200) or a time from now (30d, +7d, 12h, 45m, -7d)';
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2}))?$/;
const UNIX_RE = /^\d{1,12}$/;
const RELATIVE_RE = /^([+-]?)(\d{1,9})([smhdw])$/;
const DURATION_RE = /^(\d{1,12})([smhdw]?)$/;

/** Unix seconds of an ISO 8601 date or date-time with zone; undefined if the text is not one, or names no real day/time. */
function isoSeconds(value: string): bigint | undefined {
  const m = ISO_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', , zone = 'Z'] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const utc = Date.UTC(...fields);
  const back = new Date(utc);
  // Date.UTC rolls 31 February over to March: a date that does not round-trip names no real day.
  if (
    back.getUTCFullYear() !== fields[0] ||
    back.getUTCMonth() !== fields[1] ||
    back.getUTCDate() !== fields[2] ||
    back.getUTCHours() !== fields[3] ||
    back.getUTCMinutes() !== fields[4] ||
    back.getUTCSeconds() !== fields[5]
  ) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  return BigInt(Math.floor(utc / 1000) - offsetMinutes * 60);
}

export type ParseTimeOptions = {
  /** Refuse times that are not after now (deadlines). */
  future?: boolean;
  /** Now, in milliseconds (tests). */
  now?: () => number;
};

/** A point in time as Unix seconds, in the CLI's one time grammar. */
export function parseTime(name: string, value: string, options: ParseTimeOptions = {}): bigint {
  const nowSeconds = BigInt(Math.floor((options.now ?? Date.now)() / 1000));
  let seconds: bigint | undefined;
  const relative = RELATIVE_RE.exec(value);
  if (relative) {
    const offset = BigInt(relative[2]!) * DURATION_UNITS[relative[3] as DurationUnit];
    seconds = relative[1] === '-' ? nowSeconds - offset : nowSeconds + offset;
  } else if (UNIX_RE.test(value)) {
    seconds = BigInt(value);
  } else {
    seconds = isoSeconds(value);
  }
  if (seconds === undefined || seconds < 0n) throw new InvalidArgumentError(`${name} must be ${GRAMMAR}, got ${quoteInput(value)}`);
  if (options.future && seconds <= nowSeconds) {
    throw new InvalidArgumentError(`${name} must be in the future, got ${quoteInput(value)} (${formatTime(seconds)})`);
  }
  return seconds;
}

/** A commander parser for a time option: `.option('--until <time>', '...', parseTimeArg('--until'))`. */
export const parseTimeArg =
  (name: string, options: ParseTimeOptions = {}) =>
  (value: string): bigint =>
    parseTime(name, value, options);

export type ParseDurationOptions = { min?: bigint; max?: bigint };

/** A length of time in seconds: <n>s|m|h|d|w, or plain seconds. */
export function parseDuration(name: string, value: string, { min = 1n, max }: ParseDurationOptions = {}): bigint {
  const m = DURATION_RE.exec(value);
  if (!m) throw new InvalidArgumentError(`${name} must be <n> followed by s, m, h, d or w (e.g. 30d), got ${quoteInput(value)}`);
  const seconds = BigInt(m[1]!) * DURATION_UNITS[(m[2] || 's') as DurationUnit];
  if (seconds < min) throw new InvalidArgumentError(`${name} must be at least ${formatDuration(min)}, got ${quoteInput(value)}`);
  if (max !== undefined && seconds > max) {
    throw new InvalidArgumentError(`${name} must be at most ${formatDuration(max)}, got ${quoteInput(value)}`);
  }
  return seconds;
}

export const parseDurationArg =
  (name: string, options: ParseDurationOptions = {}) =>
  (value: string): bigint =>
    parseDuration(name, value, options);

/** Unix seconds as ISO 8601 (UTC); `-` for 0, which the contracts use for "never". */
export function formatTime(seconds: bigint | number): string {
  return BigInt(seconds) === 0n ? '-' : new Date(Number(seconds) * 1000).toISOString();
}

/** A duration in the largest unit that divides it: 2592000 → 30d. */
export function formatDuration(seconds: bigint): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (seconds !== 0n && seconds % DURATION_UNITS[unit] === 0n) return `${seconds / DURATION_UNITS[unit]}${unit}`;
  }
  return `${seconds}s`;
}
