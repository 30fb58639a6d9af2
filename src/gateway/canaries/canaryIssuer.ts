import { createHmac } from 'node:crypto';
import type { Address, Hex, PublicClient } from 'viem';
import { isCanaryReading, makeCanary } from '../../protocol/canary.js';
import type { DeliveredReading } from '../../protocol/dataRequest.js';
import type { NewCanary } from '../consentedData/accessLedger.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';

/**
 * Trap streets at delivery time: about one delivered value in `every` is replaced, for this
 * recipient only, by a canary within the sensor's noise (src/consent/canary.ts); each canary is
 * recorded with the delivery and committed on chain (CanaryRegistry) by the next batch, so that
 * the owner can later prove which recipient a leaked copy came from.
 */
export type CanaryIssuerOptions = {
  /** The Pythia's canary secret (≥ 16 bytes): see canarySecretOf. */
  secret: Hex;
  publicClient: Pick<PublicClient, 'readContract'>;
  fleetAddress: Address;
  /** About one value in this many is a canary. Default 16. */
  every?: number;
  /** How long a device's profile bounds are reused (ms). Default 60,000. */
  profileTtlMs?: number;
};

type Bounds = { min: readonly number[]; max: readonly number[]; at: number };

/** The canary secret, derived from the Pythia's own key (encrypted at rest), so there is no second secret to keep. */
export function canarySecretOf(pythiaPrivateKey: Hex): Hex {
  return `0x${createHmac('sha256', Buffer.from(pythiaPrivateKey.slice(2), 'hex'))
    .update('pythia canary secret v1')
    .digest('hex')}`;
}

export class CanaryIssuer {
  private readonly bounds = new Map<Address, Bounds>();
  private readonly every: number;
  private readonly profileTtlMs: number;

  constructor(private readonly options: CanaryIssuerOptions) {
    this.every = options.every ?? 16;
    this.profileTtlMs = options.profileTtlMs ?? 60_000;
  }

  async mark(delivery: { consentId: bigint; recipient: Address; device: Address; readings: DeliveredReading[] }): Promise<{
    readings: DeliveredReading[];
    canaries: NewCanary[];
  }> {
    const { consentId, recipient, device } = delivery;
    const bounds = await this.boundsOf(device);
    const canaries: NewCanary[] = [];
    const readings = delivery.readings.map((reading) => {
      const sequence = BigInt(reading.sequence);
      const values = reading.values.map(([stream, value]): [number, number] => {
        const input = { secret: this.options.secret, recipient, consentId, device, stream, sequence };
        const min = bounds.min[stream];
        const max = bounds.max[stream];
        if (min === undefined || max === undefined || value < min || value > max || max - min < 1) return [stream, value];
        if (!isCanaryReading(input, this.every)) return [stream, value];
        const canary = makeCanary({ ...input, reading: value, min, max });
        canaries.push({
          consentId,
          recipient,
          device,
          stream,
          sequence,
          value: canary.value,
          salt: canary.salt,
          commitment: canary.commitment,
        });
        return [stream, canary.value];
      });
      return { ...reading, values };
    });
    return { readings, canaries };
  }

  private async boundsOf(device: Address): Promise<Bounds> {
    const known = this.bounds.get(device);
    if (known && Date.now() - known.at < this.profileTtlMs) return known;
    try {
      const [profile] = await this.options.publicClient.readContract({
        address: this.options.fleetAddress,
        abi: gatewayFleetAbi,
        functionName: 'effectiveProfile',
        args: [device],
      });
      const bounds = { min: profile.minValue, max: profile.maxValue, at: Date.now() };
      this.bounds.set(device, bounds);
      return bounds;
    } catch (error) {
      throw new ChainUnavailableError(`could not read the profile of ${device}: ${shortError(error)}`);
    }
  }
}
