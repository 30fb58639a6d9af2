import type { Address } from 'viem';
import { encodeMetrics } from '../../protocol/payload.js';
import { signReading } from '../../sdk/signReading.js';
import type { DeviceKey } from '../../sdk/types.js';
import { deterministicKey, type Sensor } from '../fleet.js';
import { nextReading } from '../model.js';
import type { Attack, AttackAction, AttackContext } from './types.js';

export type CreateImpersonatorAttackParameters = {
  /** Whose id is claimed; default the first sensor no attack hijacked. */
  victimIndex?: number;
  /** Forged readings claiming the victim's id. Default 2. */
  count?: number;
  /** Seed of the attacker's key (deterministic). Default 'impersonator'. */
  seed?: string;
};

/**
 * (e) An attacker with its own, unregistered key forges readings that claim a registered
 * sensor's id, at the victim's next sequence. The signature does not recover to the victim's
 * key: 401 bad_signature, and the victim's sequence is not consumed. A reading under the
 * attacker's own id is refused as 403 unknown_device.
 */
export type ImpersonatorAttack = Attack & {
  /** The attacker's own (unregistered) device id, once started. */
  readonly attackerId: Address | undefined;
};

export function createImpersonatorAttack({
  victimIndex,
  count = 2,
  seed = 'impersonator',
}: CreateImpersonatorAttackParameters = {}): ImpersonatorAttack {
  let context: AttackContext | undefined;
  let victim: Sensor | undefined;
  let attacker: DeviceKey | undefined;
  let sent = false;
  const name = 'impersonator';
  return {
    name,
    description: "An unregistered key signs readings claiming a registered sensor's id, then under its own id.",
    expectedOutcome:
      'Forged readings are refused with 401 bad_signature and the own-id one with 403 unknown_device; nothing reaches the chain.',
    start(ctx) {
      context = ctx;
      const sensors = ctx.fleet.sensors;
      victim = victimIndex === undefined ? sensors.find((s) => s.hijackedBy === undefined) : sensors[victimIndex];
      if (!victim) throw new Error(`${name}: no victim sensor`);
      attacker = deterministicKey(seed, 'attacker');
    },
    get done() {
      return sent;
    },
    get attackerId() {
      return attacker?.deviceId;
    },
    step(now) {
      if (!context || !victim || !attacker) throw new Error(`${name}: start() first`);
      if (sent) return [];
      sent = true;
      const { fleet } = context;
      const timestamp = Math.floor(now);
      const payload = encodeMetrics(nextReading(victim, fleet.simulatedTime(now)));
      const actions: AttackAction[] = [];
      const next = victim.sequences.peek();
      for (let i = 0; i < count; i++) {
        // Claims the victim's id and its next sequences, signed with the attacker's key.
        const forged = signReading({
          key: { privateKey: attacker.privateKey, deviceId: victim.deviceId },
          domain: fleet.domain,
          sequence: next + BigInt(i),
          timestamp,
          payload,
        });
        actions.push({
          description: `forged reading claiming ${victim.site.name} (sequence ${forged.sequence})`,
          device: victim.deviceId,
          body: forged,
          expect: { outcome: 'rejected', status: 401, reason: 'bad_signature' },
        });
      }
      const own = signReading({ key: attacker, domain: fleet.domain, sequence: 1n, timestamp, payload });
      actions.push({
        description: `reading under the attacker's own unregistered id ${attacker.deviceId}`,
        device: attacker.deviceId,
        body: own,
        expect: { outcome: 'rejected', status: 403, reason: 'unknown_device' },
      });
      return actions;
    },
    expectedStatus() {
      if (!victim || !attacker) return [];
      return [
        { device: victim.deviceId, status: 'active', why: 'forgeries are refused; the victim is unaffected' },
        { device: attacker.deviceId, status: 'none', why: 'never registered' },
      ];
    },
    followUp: () => [],
  };
}
