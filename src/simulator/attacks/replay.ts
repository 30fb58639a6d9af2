import type { Sensor } from '../fleet.js';
import type { Attack, AttackAction, AttackContext } from './types.js';

export type CreateReplayAttackParameters = {
  /** Whose readings are captured and replayed; default the first sensor no attack hijacked. */
  victimIndex?: number;
  /** Replays to send. Default 3 (the last one inside a { readings } batch). */
  count?: number;
  /** Only replay readings at least this old (s), so the gateway has surely accepted them. Default 3 × fleet interval. */
  minAge?: number;
};

/**
 * (d) An eavesdropper captures genuine signed readings of a working sensor and sends them again
 * unchanged. The signatures verify, but the (device, sequence) pairs were used: the gateway
 * refuses them (409 replayed_sequence), at no gas cost, and the victim carries on unharmed.
 */
export function createReplayAttack({ victimIndex, count = 3, minAge }: CreateReplayAttackParameters = {}): Attack {
  let context: AttackContext | undefined;
  let victim: Sensor | undefined;
  const replayed = new Set<string>();
  const name = 'replay';
  return {
    name,
    description: 'Captured, genuinely signed readings of a working sensor are sent again unchanged.',
    expectedOutcome: 'The gateway refuses each replay with 409 replayed_sequence; nothing reaches the chain; the victim stays active.',
    start(ctx) {
      context = ctx;
      const sensors = ctx.fleet.sensors;
      victim = victimIndex === undefined ? sensors.find((s) => s.hijackedBy === undefined) : sensors[victimIndex];
      if (!victim) throw new Error(`${name}: no victim sensor`);
    },
    get done() {
      return context !== undefined && replayed.size >= count;
    },
    step(now) {
      if (!context || !victim) throw new Error(`${name}: start() first`);
      if (replayed.size >= count) return [];
      const age = minAge ?? 3 * context.fleet.interval;
      const captured = victim.recent.find((r) => r.timestamp <= now - age && !replayed.has(r.sequence));
      if (!captured) return [];
      replayed.add(captured.sequence);
      const batch = replayed.size === count && count > 1;
      const action: AttackAction = {
        description: `replay of ${victim.site.name} sequence ${captured.sequence}${batch ? ' (in a batch)' : ''}`,
        device: victim.deviceId,
        body: batch ? { readings: [{ ...captured }] } : { ...captured },
        expect: { outcome: 'rejected', status: 409, reason: 'replayed_sequence' },
      };
      return [action];
    },
    expectedStatus() {
      return victim
        ? [{ device: victim.deviceId, status: 'active', why: 'replays are refused at the gateway and cost the victim nothing' }]
        : [];
    },
    followUp: () => [],
  };
}
