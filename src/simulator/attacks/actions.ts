import type { Hex } from 'viem';
import { decodeMetrics } from '../../protocol/payload.js';
import type { Fleet, Sensor } from '../fleet.js';
import { inspectReading } from '../../protocol/inspectReading.js';
import { nextReading } from '../model.js';
import type { AttackAction } from './types.js';

/**
 * Signs a reading as `sensor` (a hijacked sensor: correct key, next sequence), states the flags
 * the contract should raise, and records it as the sensor's last reading.
 */
export function recordedAction(fleet: Fleet, sensor: Sensor, payload: Hex, timestamp: number, description: string): AttackAction {
  const reading = fleet.sign(sensor, payload, timestamp);
  const flags = inspectReading({
    profile: fleet.profile,
    previous: sensor.lastTimestamp === undefined ? undefined : { timestamp: sensor.lastTimestamp, values: sensor.lastValues },
    reading,
  }).reasons;
  const values = decodeMetrics(payload, fleet.profile.metricCount);
  fleet.record(sensor, reading, values.length === fleet.profile.metricCount ? values : undefined);
  return { description, device: sensor.deviceId, body: reading, expect: { outcome: 'recorded', flags } };
}

/** A normal reading from a device that should now be suspended: the gateway refuses it. */
export function suspendedProbe(fleet: Fleet, sensor: Sensor, now: number): AttackAction {
  const values = nextReading(sensor, fleet.simulatedTime(now));
  const reading = fleet.sign(sensor, values, Math.floor(now));
  return {
    description: `${sensor.site.name} (suspended) tries a normal reading`,
    device: sensor.deviceId,
    body: reading,
    expect: { outcome: 'rejected', status: 403, reason: 'device_suspended' },
  };
}

/** Whether a hijacked sensor may send again without being TooFrequent. */
export const dueAgain = (fleet: Fleet, sensor: Sensor, now: number) =>
  sensor.lastTimestamp === undefined || Math.floor(now) - sensor.lastTimestamp >= fleet.interval;
