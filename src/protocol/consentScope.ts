import { airQualityMetrics, type MetricName } from './airQuality.js';

/**
 * What a consent covers, by name: data streams (bit i = metric i of the device's profile, the
 * air-quality order pm25, pm10, no2, o3, temperature, humidity) and commands (bit c = code c of the
 * command catalogue, docs/protocol.md "Command catalogue"). The contract stores the two bitmasks.
 */

/** The command catalogue: code = index. ConsentRegistry.KNOWN_COMMANDS is the mask of these codes. */
export const commandCatalogue = ['report_now', 'set_interval', 'calibrate', 'identify', 'reboot', 'set_led'] as const;

export type CommandName = (typeof commandCatalogue)[number];

/** Every command code in the catalogue as a mask (0x3f). */
export const KNOWN_COMMANDS_MASK = (1 << commandCatalogue.length) - 1;

/** Stream names in bit order: the air-quality metrics. */
export const streamNames: readonly MetricName[] = airQualityMetrics.map((m) => m.name);

export class ConsentScopeError extends Error {}

function toMask(kind: string, known: readonly string[], names: readonly string[]): number {
  let mask = 0;
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    const bit = known.indexOf(name);
    if (bit < 0) throw new ConsentScopeError(`unknown ${kind} "${raw}": one of ${known.join(', ')}`);
    if (mask & (1 << bit)) throw new ConsentScopeError(`${kind} "${raw}" is named twice`);
    mask |= 1 << bit;
  }
  return mask >>> 0;
}

function fromMask(mask: number, known: readonly string[]): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (((mask >>> bit) & 1) === 0) continue;
    names.push(known[bit] ?? `bit${bit}`);
  }
  return names;
}

/** Stream names (e.g. ["pm25", "no2"]) → bitmask (0x5). */
export function streamsToMask(names: readonly string[]): number {
  return toMask('stream', streamNames, names);
}

/** Bitmask → stream names; a bit beyond the air-quality metrics shows as "bit<i>". */
export function maskToStreams(mask: number): string[] {
  return fromMask(mask, streamNames);
}

/** Command names (e.g. ["identify"]) → bitmask (0x8). */
export function commandsToMask(names: readonly string[]): number {
  return toMask('command', commandCatalogue, names);
}

/** Bitmask → command names; a code outside the catalogue shows as "bit<c>". */
export function maskToCommands(mask: number): string[] {
  return fromMask(mask, commandCatalogue);
}

/** Splits a comma-separated list ("pm25,no2"), dropping empty items. */
export function splitNames(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
