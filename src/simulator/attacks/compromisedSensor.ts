import { encodeMetrics } from '../../protocol/payload.js';
import { METRIC_INDEX } from '../../protocol/airQuality.js';
import type { Sensor } from '../fleet.js';
import { nextReading } from '../model.js';
import { dueAgain, recordedAction, suspendedProbe } from './actions.js';
import type { Attack, AttackContext } from './types.js';

export type CreateCompromisedSensorAttackParameters = {
  /** Which fleet sensor is compromised; default the last free one. */
  index?: number;
  /** The NO2 value it reports, raw (µg/m³ × 10). Default 25000 = 2500 µg/m³, over the profile's 4000. */
  no2?: number;
  /** Anomalous readings to send. Default the profile's flagThreshold (enough to suspend). */
  count?: number;
};

/**
 * (a) A registered sensor whose firmware was taken over: every reading is correctly signed and
 * well formed, but NO2 is absurd. The inspection records and flags each one (OutOfRange), and
 * after flagThreshold flags in flagWindow the contract suspends the device.
 */
export function createCompromisedSensorAttack({ index, no2 = 25_000, count }: CreateCompromisedSensorAttackParameters = {}): Attack {
  let context: AttackContext | undefined;
  let sensor: Sensor | undefined;
  let sent = 0;
  let total = 0;
  const name = 'compromised-sensor';
  return {
    name,
    description: `A registered air-quality sensor, correctly signing, reports NO₂ = ${no2 / 10} µg/m³.`,
    expectedOutcome: 'Readings are recorded and flagged OutOfRange; after flagThreshold flags the device is suspended automatically.',
    start(ctx) {
      context = ctx;
      sensor = ctx.fleet.hijack(name, index);
      total = count ?? Math.max(1, ctx.fleet.profile.flagThreshold);
    },
    get done() {
      return context !== undefined && sent >= total;
    },
    step(now) {
      if (!context || !sensor) throw new Error(`${name}: start() first`);
      if (sent >= total || !dueAgain(context.fleet, sensor, now)) return [];
      const values = nextReading(sensor, context.fleet.simulatedTime(now));
      values[METRIC_INDEX.no2] = no2;
      sent++;
      return [
        recordedAction(
          context.fleet,
          sensor,
          encodeMetrics(values),
          Math.floor(now),
          `${sensor.site.name} reports NO₂ ${no2 / 10} µg/m³ (${sent}/${total})`,
        ),
      ];
    },
    expectedStatus() {
      if (!sensor || !context) return [];
      const threshold = context.fleet.profile.flagThreshold;
      return threshold > 0 && total >= threshold
        ? [{ device: sensor.deviceId, status: 'suspended', why: `${total} OutOfRange flags ≥ flagThreshold ${threshold}` }]
        : [{ device: sensor.deviceId, status: 'active', why: 'below the flag threshold' }];
    },
    followUp(now) {
      if (!sensor || !context || this.expectedStatus()[0]?.status !== 'suspended') return [];
      return [suspendedProbe(context.fleet, sensor, now)];
    },
  };
}
