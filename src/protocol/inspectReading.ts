import { hexToBytes, type Hex } from 'viem';
import { decodeMetrics } from './payload.js';
import type { Profile } from './profile.js';
import { flagReasonNames, type FlagReason } from './reasons.js';

/** A recorded reading's device timestamp is stored in 40 bits; a later one saturates (docs/protocol.md). */
export const MAX_RECORDED_TIMESTAMP = (1n << 40n) - 1n;

export type InspectReadingParameters = {
  /** The device's effective profile (its own, else its class's) when the reading is recorded. */
  profile: Profile;
  /**
   * The device's last recorded reading, if it has one: its timestamp as recorded (saturated), and the
   * metric values of the last recorded reading whose payload held them (`undefined` if none did).
   * Missing entries of `values` count as 0, as the contract keeps no value for a metric the profile
   * did not have when that reading was recorded.
   */
  previous?: { timestamp: number | bigint; values?: readonly number[] | undefined } | undefined;
  reading: { timestamp: number | bigint; payload: Hex };
  /** Block time, to check clock skew; skipped when absent. */
  blockTime?: number | bigint;
};

export type InspectReadingReturnType = {
  /** The flags the reading raises, in bit order; [] = clean. */
  reasons: FlagReason[];
  /** The same as the `reasons` bit set of ReadingFlagged. */
  reasonBits: number;
  /** The first metric that broke a metric check (OutOfRange, ExcessiveChange), and its value; 0 and 0 otherwise. */
  metric: number;
  value: number;
  /** The metric values the contract records as the device's last ones; undefined when the payload is too short to hold them. */
  values: number[] | undefined;
  /** The device timestamp the contract records (saturated at 2^40 − 1). */
  recordedTimestamp: bigint;
};

const OUT_OF_RANGE = 1;
const EXCESSIVE_CHANGE = 2;
const TOO_FREQUENT = 4;
const PAYLOAD_SIZE = 8;
const CLOCK_SKEW = 16;

/**
 * The inspection of a reading the contract records (docs/protocol.md, "What the contract does with a
 * reading"), rule by rule: a model written from the documentation that the simulator states its
 * expectations with and `pythia verify` judges the chain with. Tested against the contract
 * (src/verify) and against the table in the docs (inspectReading.test.ts).
 */
export function inspectReading({ profile, previous, reading, blockTime }: InspectReadingParameters): InspectReadingReturnType {
  let bits = 0;
  const timestamp = BigInt(reading.timestamp);
  if (blockTime !== undefined && timestamp > BigInt(blockTime) + BigInt(profile.maxClockSkew)) bits |= CLOCK_SKEW;
  const recordedTimestamp = timestamp > MAX_RECORDED_TIMESTAMP ? MAX_RECORDED_TIMESTAMP : timestamp;
  if (previous) {
    const last = BigInt(previous.timestamp);
    if (recordedTimestamp < last || recordedTimestamp - last < BigInt(profile.minInterval)) bits |= TOO_FREQUENT;
  }
  const size = hexToBytes(reading.payload).length;
  const hasMetrics = size >= 2 * profile.metricCount;
  if (!hasMetrics || size > profile.maxPayloadBytes) bits |= PAYLOAD_SIZE;
  let metric = 0;
  let value = 0;
  const values = hasMetrics ? decodeMetrics(reading.payload, profile.metricCount) : undefined;
  if (values) {
    const last = previous?.values;
    let named = false;
    values.forEach((v, i) => {
      let bad = 0;
      if (v < profile.minValue[i]! || v > profile.maxValue[i]!) bad |= OUT_OF_RANGE;
      const maxDelta = profile.maxDelta[i]!;
      if (last && maxDelta > 0 && Math.abs(v - (last[i] ?? 0)) > maxDelta) bad |= EXCESSIVE_CHANGE;
      if (bad === 0) return;
      bits |= bad;
      if (!named) {
        named = true;
        metric = i;
        value = v;
      }
    });
  }
  return { reasons: flagReasonNames(bits), reasonBits: bits, metric, value, values, recordedTimestamp };
}
