import { airQualityMetrics, type MetricName } from '../../simulator/airQuality.js';

/** Stream names in profile order: bit i of a feed's `streams` is metric i of the device profile. */
export const streamNames: readonly MetricName[] = airQualityMetrics.map((m) => m.name);

export class UnknownStreamError extends Error {}

/** The bitmask of the named streams; throws for an unknown, repeated or missing name. */
export function streamsMask(names: readonly string[]): number {
  if (names.length === 0) throw new UnknownStreamError(`name at least one stream: ${streamNames.join(', ')}`);
  let mask = 0;
  for (const name of names) {
    const bit = streamNames.indexOf(name as MetricName);
    if (bit < 0) throw new UnknownStreamError(`unknown stream "${name}": the streams are ${streamNames.join(', ')}`);
    if (mask & (1 << bit)) throw new UnknownStreamError(`stream "${name}" is named twice`);
    mask |= 1 << bit;
  }
  return mask;
}

/** The names of a mask's streams, in profile order; bits beyond the known metrics as "bit<i>". */
export function streamNamesOf(mask: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    if (mask & (1 << bit)) names.push(streamNames[bit] ?? `bit${bit}`);
  }
  return names;
}
