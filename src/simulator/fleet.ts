import { keccak_256 } from '@noble/hashes/sha3.js';
import secp256k1 from 'secp256k1';
import type { Address, Hex } from 'viem';
import type { ReadingDomain } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import type { Profile } from '../protocol/profile.js';
import { createMemorySequenceStore } from '../sdk/createMemorySequenceStore.js';
import { createRegistrationRequest } from '../sdk/createRegistrationRequest.js';
import { deviceKeyFromPrivateKey } from '../sdk/deviceKeyFromPrivateKey.js';
import type { SequenceStore } from '../sdk/sequenceStore.js';
import { signReading } from '../sdk/signReading.js';
import type { DeviceKey, RegistrationRequest, SignedReading } from '../sdk/types.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../protocol/airQuality.js';
import { nextReading, siteOf, type Site } from './model.js';
import { seedOf, uniform } from './prng.js';

/** One simulated sensor: its identity, site and the little state a real device keeps. */
export type Sensor = {
  index: number;
  seed: number;
  key: DeviceKey;
  deviceId: Address;
  site: Site;
  sequences: SequenceStore;
  /** Device-clock time (Unix seconds) of the last reading expected to be recorded on chain. */
  lastTimestamp: number | undefined;
  /** Raw values of that reading. */
  lastValues: number[] | undefined;
  /** When the fleet next sends a reading for this sensor (Unix seconds). */
  nextDue: number | undefined;
  /** The last readings the fleet sent for it, oldest first (what an eavesdropper could capture). */
  recent: SignedReading[];
  /** Set while an attack drives this sensor instead of the fleet (see Fleet.hijack). */
  hijackedBy: string | undefined;
};

export type CreateFleetParameters = {
  devices: number;
  seed: number | string;
  domain: ReadingDomain;
  classId?: number;
  profile?: Profile;
  /** Real seconds between two readings of a sensor. Default 10; at least profile.minInterval. */
  interval?: number;
  /** Real seconds per simulated day. Default 600 (a day in 10 minutes). */
  dayLengthSeconds?: number;
  /** Simulated time (seconds from midnight of day 0) at startTime. Default 06:00. */
  simulatedStart?: number;
  /** Real Unix time the simulation starts; default the first tick's `now`. */
  startTime?: number;
  /** Share of roadside sensors; the rest are in parks. Default 0.6. */
  trafficShare?: number;
  /** Sequence store per sensor; default in memory from 1 (pass file stores to survive restarts). */
  sequenceStore?: (sensor: { index: number; deviceId: Address }) => SequenceStore;
  /** How many sent readings each sensor remembers in `recent`. Default 32. */
  recentLimit?: number;
};

export type Fleet = {
  sensors: readonly Sensor[];
  domain: ReadingDomain;
  classId: number;
  profile: Profile;
  interval: number;
  /** Simulated seconds since midnight of day 0, at real time `now`. */
  simulatedTime(now: number): number;
  /** The readings due at real time `now` (Unix seconds), signed and ready to POST. Hijacked sensors are skipped. */
  tick(now: number): SignedReading[];
  /** Signs metric values (or a raw payload) with the sensor's next sequence. Records nothing. */
  sign(sensor: Sensor, values: readonly number[] | Hex, timestamp: number): SignedReading;
  /** Notes a reading as sent and expected on chain (updates lastTimestamp/lastValues/recent). */
  record(sensor: Sensor, reading: SignedReading, values: readonly number[] | undefined): void;
  /** Registration requests of every sensor, with site metadata, for the operator. */
  registrationRequests(): RegistrationRequest[];
  /** Takes a sensor away from normal operation for an attack: the last free one, or `index`. */
  hijack(by: string, index?: number): Sensor;
  release(sensor: Sensor): void;
  sensor(deviceId: Address): Sensor | undefined;
};

const DAY = 86_400;
/** Readings further apart than this in simulated time may exceed the profile's maxDelta. */
export const MAX_SIMULATED_GAP = 3 * 3_600;

/** A deterministic private key per (seed, label): the same fleet for the same seed, every run. */
export function deterministicKey(seed: number | string, label: string): DeviceKey {
  for (let counter = 0; ; counter++) {
    const secret = keccak_256(new TextEncoder().encode(`pythia-simulator:${String(seed)}:${label}:${counter}`));
    if (secp256k1.privateKeyVerify(secret)) return deviceKeyFromPrivateKey(secret);
  }
}

/** A fleet of air-quality sensors with deterministic keys, sites and data for a seed. */
export function createFleet(parameters: CreateFleetParameters): Fleet {
  const {
    devices,
    domain,
    classId = AIR_QUALITY_CLASS_ID,
    profile = airQualityProfile,
    interval = 10,
    dayLengthSeconds = 600,
    simulatedStart = 6 * 3_600,
    trafficShare = 0.6,
    recentLimit = 32,
  } = parameters;
  if (!Number.isInteger(devices) || devices < 0) throw new RangeError('devices must be a non-negative integer');
  if (interval < profile.minInterval)
    throw new RangeError(`interval ${interval}s is below the profile minInterval ${profile.minInterval}s`);
  if (!(dayLengthSeconds > 0)) throw new RangeError('dayLengthSeconds must be positive');
  const compression = DAY / dayLengthSeconds;
  if (interval * compression > MAX_SIMULATED_GAP) {
    throw new RangeError(
      `a reading every ${interval}s with a ${dayLengthSeconds}s day is ${(interval * compression) / 3600} simulated hours apart; at most ${MAX_SIMULATED_GAP / 3600} keep data within maxDelta`,
    );
  }
  const seed = seedOf(parameters.seed);
  let startTime = parameters.startTime;

  const sensors: Sensor[] = Array.from({ length: devices }, (_, index) => {
    const key = deterministicKey(parameters.seed, `sensor-${index}`);
    return {
      index,
      seed,
      key,
      deviceId: key.deviceId,
      site: siteOf(seed, index, trafficShare),
      sequences: parameters.sequenceStore?.({ index, deviceId: key.deviceId }) ?? createMemorySequenceStore(),
      lastTimestamp: undefined,
      lastValues: undefined,
      nextDue: undefined,
      recent: [],
      hijackedBy: undefined,
    };
  });
  const byId = new Map(sensors.map((s) => [s.deviceId.toLowerCase(), s]));

  const simulatedTime = (now: number) => simulatedStart + (now - (startTime ?? now)) * compression;

  const fleet: Fleet = {
    sensors,
    domain,
    classId,
    profile,
    interval,
    simulatedTime,
    sign(sensor, values, timestamp) {
      const payload = typeof values === 'string' ? values : encodeMetrics(values);
      return signReading({ key: sensor.key, domain, sequence: sensor.sequences.next(), timestamp, payload });
    },
    record(sensor, reading, values) {
      sensor.lastTimestamp = reading.timestamp;
      if (values) sensor.lastValues = [...values];
      sensor.recent.push(reading);
      if (sensor.recent.length > recentLimit) sensor.recent.shift();
    },
    tick(now) {
      startTime ??= now;
      const t = simulatedTime(now);
      const out: SignedReading[] = [];
      for (const sensor of sensors) {
        if (sensor.hijackedBy !== undefined) continue;
        // Stagger first readings over one interval so the fleet does not report in lockstep.
        sensor.nextDue ??= startTime + Math.floor(uniform(seed, 99, sensor.index) * interval);
        if (now < sensor.nextDue) continue;
        if (sensor.lastTimestamp !== undefined && now - sensor.lastTimestamp < profile.minInterval) continue;
        const values = nextReading(sensor, t);
        const reading = fleet.sign(sensor, values, Math.floor(now));
        fleet.record(sensor, reading, values);
        sensor.nextDue = Math.floor(now) + interval;
        out.push(reading);
      }
      return out;
    },
    registrationRequests() {
      return sensors.map((s) =>
        createRegistrationRequest(s.key, {
          classId,
          metadata: { name: s.site.name, site: s.site.kind, latitude: s.site.latitude, longitude: s.site.longitude },
        }),
      );
    },
    hijack(by, index) {
      const candidates = index === undefined ? [...sensors].reverse() : [sensors[index]];
      const sensor = candidates.find((s) => s !== undefined && s.hijackedBy === undefined);
      if (!sensor) throw new Error(index === undefined ? 'every sensor is already hijacked' : `sensor ${index} is missing or hijacked`);
      sensor.hijackedBy = by;
      return sensor;
    },
    release(sensor) {
      sensor.hijackedBy = undefined;
    },
    sensor: (deviceId) => byId.get(deviceId.toLowerCase()),
  };
  return fleet;
}
