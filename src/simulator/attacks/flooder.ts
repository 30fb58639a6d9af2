import { encodeMetrics } from '../../protocol/payload.js';
import type { Sensor } from '../fleet.js';
import { nextReading } from '../model.js';
import { recordedAction, suspendedProbe } from './actions.js';
import type { Attack, AttackAction, AttackContext } from './types.js';

export type CreateFlooderAttackParameters = {
  index?: number;
  /** Seconds between the flooder's readings (device clock). Default 1, under minInterval 5. */
  period?: number;
  /** Most readings per step() call. Default 10. */
  maxBurst?: number;
};

/**
 * (b) A registered sensor sends plausible readings far more often than the profile's
 * minInterval (a hijacked device in a botnet, or a firmware bug). Each too-early reading is
 * flagged TooFrequent; the flags suspend it. Stops once flagThreshold TooFrequent flags are due.
 */
export function createFlooderAttack({ index, period = 1, maxBurst = 10 }: CreateFlooderAttackParameters = {}): Attack {
  let context: AttackContext | undefined;
  let sensor: Sensor | undefined;
  let flagged = 0;
  let threshold = 0;
  const name = 'flooder';
  return {
    name,
    description: `A registered sensor sends a reading every ${period}s, under the profile's minimum interval.`,
    expectedOutcome: 'Readings are recorded and flagged TooFrequent; after flagThreshold flags the device is suspended automatically.',
    start(ctx) {
      if (period >= ctx.fleet.profile.minInterval)
        throw new RangeError(`period ${period}s is not under minInterval ${ctx.fleet.profile.minInterval}s`);
      context = ctx;
      sensor = ctx.fleet.hijack(name, index);
      threshold = Math.max(1, ctx.fleet.profile.flagThreshold);
    },
    get done() {
      return context !== undefined && flagged >= threshold;
    },
    step(now) {
      if (!context || !sensor) throw new Error(`${name}: start() first`);
      const fleet = context.fleet;
      const actions: AttackAction[] = [];
      const end = Math.floor(now);
      let t = sensor.lastTimestamp === undefined ? end : Math.max(sensor.lastTimestamp + period, end - maxBurst * period);
      while (t <= end && flagged < threshold && actions.length < maxBurst) {
        const values = nextReading(sensor, fleet.simulatedTime(t));
        const action = recordedAction(fleet, sensor, encodeMetrics(values), t, `${sensor.site.name} floods (t=${t})`);
        if (action.expect.outcome === 'recorded' && action.expect.flags.includes('TooFrequent')) {
          flagged++;
          action.description += ` — too frequent (${flagged}/${threshold})`;
        }
        actions.push(action);
        t += period;
      }
      return actions;
    },
    expectedStatus() {
      if (!sensor || !context) return [];
      return context.fleet.profile.flagThreshold > 0
        ? [{ device: sensor.deviceId, status: 'suspended', why: `${threshold} TooFrequent flags` }]
        : [{ device: sensor.deviceId, status: 'active', why: 'the profile never suspends' }];
    },
    followUp(now) {
      if (!sensor || !context || context.fleet.profile.flagThreshold === 0) return [];
      return [suspendedProbe(context.fleet, sensor, now)];
    },
  };
}
