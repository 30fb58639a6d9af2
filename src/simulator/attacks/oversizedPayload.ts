import { bytesToHex, hexToBytes, type Hex } from 'viem';
import { encodeMetrics, MAX_PAYLOAD_BYTES } from '../../protocol/payload.js';
import type { Sensor } from '../fleet.js';
import { nextReading } from '../model.js';
import { dueAgain, recordedAction, suspendedProbe } from './actions.js';
import type { Attack, AttackAction, AttackContext } from './types.js';

export type CreateOversizedPayloadAttackParameters = {
  index?: number;
  /** Size of the flagged payloads. Default 64 bytes: over maxPayloadBytes (12), under the 256-byte cap. */
  size?: number;
  /** Size of the one payload over the transport cap. Default 1024. */
  hugeSize?: number;
  /** Oversized readings to send. Default the profile's flagThreshold. */
  count?: number;
};

/** Valid metrics followed by filler: what a device smuggling data out (or a buffer bug) sends. */
export function paddedPayload(values: readonly number[], size: number): Hex {
  const metrics = hexToBytes(encodeMetrics(values));
  const out = new Uint8Array(size);
  out.set(metrics.subarray(0, size), 0);
  const filler = new TextEncoder().encode('exfiltrated:');
  for (let i = metrics.length; i < size; i++) out[i] = filler[(i - metrics.length) % filler.length]!;
  return bytesToHex(out);
}

/**
 * (c) A registered sensor sends payloads bigger than its class allows. Under the gateway's
 * 256-byte transport cap they are well formed, so they go on chain and are flagged PayloadSize
 * (evidence, then suspension); one 1 KB payload is refused outright by the gateway (413).
 */
export function createOversizedPayloadAttack({
  index,
  size = 64,
  hugeSize = 1024,
  count,
}: CreateOversizedPayloadAttackParameters = {}): Attack {
  let context: AttackContext | undefined;
  let sensor: Sensor | undefined;
  let sentHuge = false;
  let sent = 0;
  let total = 0;
  const name = 'oversized-payload';
  return {
    name,
    description: `A registered sensor sends ${size}-byte payloads (class limit 12) and one of ${hugeSize} bytes.`,
    expectedOutcome: `The ${hugeSize}-byte payload is refused by the gateway (413 payload_too_large); the ${size}-byte ones are recorded, flagged PayloadSize, and suspend the device.`,
    start(ctx) {
      const { profile } = ctx.fleet;
      if (size <= profile.maxPayloadBytes || size > MAX_PAYLOAD_BYTES) {
        throw new RangeError(`size ${size} must be over maxPayloadBytes ${profile.maxPayloadBytes} and at most ${MAX_PAYLOAD_BYTES}`);
      }
      if (hugeSize <= MAX_PAYLOAD_BYTES) throw new RangeError(`hugeSize ${hugeSize} must be over the ${MAX_PAYLOAD_BYTES}-byte cap`);
      context = ctx;
      sensor = ctx.fleet.hijack(name, index);
      total = count ?? Math.max(1, profile.flagThreshold);
    },
    get done() {
      return context !== undefined && sentHuge && sent >= total;
    },
    step(now) {
      if (!context || !sensor) throw new Error(`${name}: start() first`);
      const fleet = context.fleet;
      const actions: AttackAction[] = [];
      const values = nextReading(sensor, fleet.simulatedTime(now));
      if (!sentHuge) {
        sentHuge = true;
        // Refused before any chain effect: it is not recorded and leaves a visible sequence gap.
        const reading = fleet.sign(sensor, paddedPayload(values, hugeSize), Math.floor(now));
        actions.push({
          description: `${sensor.site.name} sends a ${hugeSize}-byte payload`,
          device: sensor.deviceId,
          body: reading,
          expect: { outcome: 'rejected', status: 413, reason: 'payload_too_large' },
        });
      }
      if (sent < total && dueAgain(fleet, sensor, now)) {
        sent++;
        actions.push(
          recordedAction(
            fleet,
            sensor,
            paddedPayload(values, size),
            Math.floor(now),
            `${sensor.site.name} sends a ${size}-byte payload (${sent}/${total})`,
          ),
        );
      }
      return actions;
    },
    expectedStatus() {
      if (!sensor || !context) return [];
      const threshold = context.fleet.profile.flagThreshold;
      return threshold > 0 && total >= threshold
        ? [{ device: sensor.deviceId, status: 'suspended', why: `${total} PayloadSize flags ≥ flagThreshold ${threshold}` }]
        : [{ device: sensor.deviceId, status: 'active', why: 'below the flag threshold' }];
    },
    followUp(now) {
      if (!sensor || !context || this.expectedStatus()[0]?.status !== 'suspended') return [];
      return [suspendedProbe(context.fleet, sensor, now)];
    },
  };
}
