import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address } from 'viem';
import { decodeMetrics } from '../protocol/payload.js';
import { recoverReadingSigner, verifyRegistrationRequest } from '../sdk/index.js';
import {
  airQualityMetrics,
  airQualityProfile,
  createFleet,
  fromRaw,
  hourOfDay,
  inspectReading,
  MAX_SIMULATED_GAP,
  METRIC_INDEX,
  nextReading,
} from './index.js';
import { parseProfile } from '../protocol/profile.js';
import type { SignedReading as Reading } from '../sdk/types.js';

const domain = { chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
const DAY = 86_400;

test('the class profile is valid for the contract (parseProfile) and matches docs/protocol.md', () => {
  assert.deepEqual(parseProfile(JSON.parse(JSON.stringify(airQualityProfile))), airQualityProfile);
  assert.equal(airQualityProfile.metricCount, 6);
  assert.equal(airQualityProfile.maxPayloadBytes, 12);
  assert.deepEqual(
    airQualityMetrics.map((m) => m.scale),
    [10, 10, 10, 10, 100, 100],
  );
});

test('7 simulated days × 50 devices: every value within the profile, every step within maxDelta', () => {
  const fleet = createFleet({ devices: 50, seed: 'model-test', domain });
  const { minValue, maxValue, maxDelta } = airQualityProfile;
  const physicalMin = [Infinity, Infinity, Infinity, Infinity, Infinity, Infinity];
  const physicalMax = physicalMin.map(() => -Infinity);
  // 10-minute steps (the default fleet pace) and MAX_SIMULATED_GAP steps (the slowest allowed).
  for (const step of [600, MAX_SIMULATED_GAP]) {
    for (const sensor of fleet.sensors) {
      let previous: number[] | undefined;
      for (let t = 0; t <= 7 * DAY; t += step) {
        const values = nextReading(sensor, t);
        values.forEach((v, i) => {
          assert.ok(Number.isInteger(v), `metric ${i} integer`);
          assert.ok(v >= minValue[i]! && v <= maxValue[i]!, `${airQualityMetrics[i]!.name} = ${v} within [${minValue[i]}, ${maxValue[i]}]`);
          if (previous)
            assert.ok(
              Math.abs(v - previous[i]!) <= maxDelta[i]!,
              `${airQualityMetrics[i]!.name} step ${previous[i]} → ${v} within ${maxDelta[i]}`,
            );
          physicalMin[i] = Math.min(physicalMin[i]!, fromRaw(i, v));
          physicalMax[i] = Math.max(physicalMax[i]!, fromRaw(i, v));
        });
        previous = values;
      }
    }
  }
  // Realistic ranges for a temperate town (µg/m³, °C, %).
  assert.ok(physicalMin[METRIC_INDEX.pm25]! > 1 && physicalMax[METRIC_INDEX.pm25]! < 60, `PM2.5 ${physicalMin[0]}…${physicalMax[0]}`);
  assert.ok(physicalMax[METRIC_INDEX.no2]! < 200, `NO2 max ${physicalMax[2]}`);
  assert.ok(physicalMax[METRIC_INDEX.no2]! > 60, 'roadside NO2 rush-hour peaks are visible');
  assert.ok(physicalMax[METRIC_INDEX.o3]! < 180 && physicalMin[METRIC_INDEX.o3]! >= 1, `O3 ${physicalMin[3]}…${physicalMax[3]}`);
  assert.ok(physicalMin[METRIC_INDEX.temperature]! > -5 && physicalMax[METRIC_INDEX.temperature]! < 30);
  assert.ok(physicalMin[METRIC_INDEX.humidity]! >= 25 && physicalMax[METRIC_INDEX.humidity]! <= 98);
});

function meanAt(fleet: ReturnType<typeof createFleet>, metric: number, hour: number, days = 7): number {
  let sum = 0;
  let n = 0;
  for (const sensor of fleet.sensors)
    for (let d = 0; d < days; d++) {
      sum += nextReading(sensor, d * DAY + hour * 3600)[metric]!;
      n++;
    }
  return sum / n;
}

test('daily cycles: NO2 and PM peak at rush hour, O3 in the afternoon, temperature/humidity anti-correlated', () => {
  const fleet = createFleet({ devices: 50, seed: 'cycles', domain });
  const { no2, pm25, o3, temperature, humidity } = METRIC_INDEX;
  assert.ok(meanAt(fleet, no2, 8) > 1.5 * meanAt(fleet, no2, 3), 'NO2 08:00 well above 03:00');
  assert.ok(meanAt(fleet, no2, 18) > meanAt(fleet, no2, 13), 'evening rush');
  assert.ok(meanAt(fleet, pm25, 8) > meanAt(fleet, pm25, 3));
  assert.ok(meanAt(fleet, o3, 15) > 1.5 * meanAt(fleet, o3, 6), 'O3 afternoon peak');
  assert.ok(meanAt(fleet, temperature, 15) > meanAt(fleet, temperature, 4) + 500, 'afternoon ≥ 5 °C warmer');
  assert.ok(meanAt(fleet, humidity, 15) < meanAt(fleet, humidity, 4), 'drier in the afternoon');
  // O3 is titrated by NO2: over a day at roadside sites the two are anti-correlated in the morning rush.
  const roadside = fleet.sensors.filter((s) => s.site.kind === 'traffic');
  const park = fleet.sensors.filter((s) => s.site.kind === 'park');
  assert.ok(roadside.length > 0 && park.length > 0, 'both site kinds');
  const avg = (sensors: typeof roadside, m: number, h: number) =>
    sensors.reduce((a, s) => a + nextReading(s, h * 3600)[m]!, 0) / sensors.length;
  assert.ok(avg(roadside, no2, 8) > 1.5 * avg(park, no2, 8), 'roadside NO2 above parks');
  assert.ok(avg(park, o3, 15) > avg(roadside, o3, 15), 'more O3 in parks (less titration)');
});

test('determinism: same seed, same keys, sites and readings; another seed differs', () => {
  const a = createFleet({ devices: 5, seed: 42, domain });
  const b = createFleet({ devices: 5, seed: 42, domain });
  const c = createFleet({ devices: 5, seed: 43, domain });
  assert.deepEqual(
    a.sensors.map((s) => [s.deviceId, s.site]),
    b.sensors.map((s) => [s.deviceId, s.site]),
  );
  assert.notDeepEqual(
    a.sensors.map((s) => s.deviceId),
    c.sensors.map((s) => s.deviceId),
  );
  for (const t of [0, 12_345, 5 * DAY + 777]) {
    assert.deepEqual(
      a.sensors.map((s) => nextReading(s, t)),
      b.sensors.map((s) => nextReading(s, t)),
    );
  }
  assert.notDeepEqual(
    a.sensors.map((s) => nextReading(s, 1000)),
    c.sensors.map((s) => nextReading(s, 1000)),
  );
  // Ticks are deterministic too (same start time): identical signed readings.
  const now = 1_700_000_000;
  assert.deepEqual(a.tick(now + 20), b.tick(now + 20));
});

test('fleet.tick: signed readings the gateway accepts, staggered, never too frequent, never flagged', () => {
  const fleet = createFleet({ devices: 30, seed: 'tick', domain, startTime: 1_700_000_000 });
  const start = 1_700_000_000;
  const last = new Map<string, Reading>();
  let total = 0;
  // Two simulated days at the default pace (600 s/day), ticking every second.
  for (let now = start; now < start + 1200; now++) {
    const readings = fleet.tick(now);
    if (now < start + 10) assert.ok(readings.length < 30, 'first readings are spread over one interval');
    for (const r of readings) {
      total++;
      const sensor = fleet.sensor(r.device)!;
      assert.equal(recoverReadingSigner(r, domain), r.device);
      assert.equal(r.timestamp, now);
      const prev = last.get(r.device);
      const flags = inspectReading({
        profile: fleet.profile,
        previous: prev ? { timestamp: prev.timestamp, values: decodeMetrics(prev.payload) } : undefined,
        reading: r,
      }).reasons;
      assert.deepEqual(flags, [], `${sensor.site.name} at ${now}: ${flags}`);
      if (prev) assert.equal(BigInt(r.sequence), BigInt(prev.sequence) + 1n);
      else assert.equal(r.sequence, '1');
      last.set(r.device, r);
    }
  }
  assert.equal(total, 30 * 120);
  assert.equal(hourOfDay(fleet.simulatedTime(start)), 6);
  assert.equal(hourOfDay(fleet.simulatedTime(start + 150)), 12, 'a quarter of a 600 s day later it is noon');
});

test('registration requests carry site metadata and verify', () => {
  const fleet = createFleet({ devices: 3, seed: 'reg', domain });
  for (const [i, request] of fleet.registrationRequests().entries()) {
    assert.equal(request.deviceId, fleet.sensors[i]!.deviceId);
    assert.equal(request.classId, 1);
    assert.equal(request.metadata?.name, fleet.sensors[i]!.site.name);
    assert.deepEqual(verifyRegistrationRequest(request), request);
  }
});

test('createFleet refuses settings that would break the profile', () => {
  assert.throws(() => createFleet({ devices: 1, seed: 1, domain, interval: 2 }), /minInterval/);
  assert.throws(() => createFleet({ devices: 1, seed: 1, domain, interval: 60, dayLengthSeconds: 60 }), /simulated hours/);
});
