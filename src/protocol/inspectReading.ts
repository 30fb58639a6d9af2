import { hexToBytes, type Hex } from 'viem';
import { decodeMetrics } from './payload.js';
import type { Profile } from './profile.js';
import type { FlagReason } from './reasons.js';

export type InspectReadingParameters = {
  profile: Profile;
  /** The device's last recorded reading, if any. */
  previous?: { timestamp: number; values?: readonly number[] } | undefined;
  reading: { timestamp: number; payload: Hex };
  /** Block time, to check clock skew; skipped when absent. */
  blockTime?: number;
};

/**
 * A reference model of the contract's inspection (docs/protocol.md, IPythiaFleet.sol): the flags
 * a reading should raise. The simulator states its expectations with it; the contract is the
 * authority. Assumes every recorded reading, flagged or not, becomes the device's "last" one.
 */
export function inspectReading({ profile, previous, reading, blockTime }: InspectReadingParameters): FlagReason[] {
  const flags: FlagReason[] = [];
  const size = hexToBytes(reading.payload).length;
  const hasMetrics = size >= 2 * profile.metricCount;
  const values = hasMetrics ? decodeMetrics(reading.payload, profile.metricCount) : [];
  if (values.some((v, i) => v < profile.minValue[i]! || v > profile.maxValue[i]!)) flags.push('OutOfRange');
  const last = previous?.values;
  if (
    last &&
    last.length === values.length &&
    values.some((v, i) => profile.maxDelta[i]! > 0 && Math.abs(v - last[i]!) > profile.maxDelta[i]!)
  ) {
    flags.push('ExcessiveChange');
  }
  if (previous && reading.timestamp - previous.timestamp < profile.minInterval) flags.push('TooFrequent');
  if (!hasMetrics || size > profile.maxPayloadBytes) flags.push('PayloadSize');
  if (blockTime !== undefined && reading.timestamp > blockTime + profile.maxClockSkew) flags.push('ClockSkew');
  return flags;
}
