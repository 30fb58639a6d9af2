import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexToBytes, type Address } from 'viem';
import { decodeMetrics } from '../../protocol/payload.js';
import { recoverReadingSigner } from '../../sdk/index.js';
import type { SignedReading } from '../../sdk/types.js';
import { airQualityProfile, METRIC_INDEX } from '../../protocol/airQuality.js';
import { createFleet, type Fleet } from '../fleet.js';
import {
  createAllAttacks,
  createCompromisedSensorAttack,
  createFlooderAttack,
  createImpersonatorAttack,
  createOversizedPayloadAttack,
  createReplayAttack,
  type Attack,
  type AttackAction,
} from './index.js';

const domain = { chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
const START = 1_700_000_000;
const { flagThreshold } = airQualityProfile;

/** A fleet that has run for `seconds`, with every reading it sent. */
function runningFleet(seconds = 60): { fleet: Fleet; sent: SignedReading[]; now: number } {
  const fleet = createFleet({ devices: 8, seed: 'attacks', domain, startTime: START });
  const sent: SignedReading[] = [];
  for (let now = START; now < START + seconds; now++) sent.push(...fleet.tick(now));
  return { fleet, sent, now: START + seconds };
}

/** Drives an attack (and the fleet beside it) second by second until done. */
function drive(fleet: Fleet, attack: Attack, from: number, limit = 300): { actions: AttackAction[]; now: number } {
  const actions: AttackAction[] = [];
  let now = from;
  for (; !attack.done && now < from + limit; now++) {
    fleet.tick(now);
    actions.push(...attack.step(now));
  }
  assert.ok(attack.done, `${attack.name} finished`);
  return { actions, now };
}

const single = (a: AttackAction) => {
  assert.ok(!('readings' in a.body));
  return a.body as SignedReading;
};

test('(a) compromised sensor: correctly signed 12-byte readings with NO2 2500 µg/m³, flagged OutOfRange, then suspended', () => {
  const { fleet, now } = runningFleet();
  const attack = createCompromisedSensorAttack();
  attack.start({ fleet });
  const sensor = fleet.sensors.find((s) => s.hijackedBy === 'compromised-sensor')!;
  const { actions, now: end } = drive(fleet, attack, now);
  assert.equal(actions.length, flagThreshold);
  let previous: number | undefined;
  for (const action of actions) {
    const reading = single(action);
    assert.equal(reading.device, sensor.deviceId);
    assert.equal(recoverReadingSigner(reading, domain), sensor.deviceId, 'genuinely signed');
    assert.equal(hexToBytes(reading.payload).length, 12);
    assert.equal(decodeMetrics(reading.payload)[METRIC_INDEX.no2], 25_000);
    assert.equal(action.expect.outcome, 'recorded');
    if (action.expect.outcome === 'recorded') {
      assert.ok(action.expect.flags.includes('OutOfRange'));
      assert.ok(!action.expect.flags.includes('TooFrequent'), 'paced at the fleet interval');
    }
    if (previous !== undefined) assert.ok(reading.timestamp - previous >= airQualityProfile.minInterval);
    previous = reading.timestamp;
  }
  assert.ok(
    fleet.tick(end + 100).every((r) => r.device !== sensor.deviceId),
    'the fleet no longer drives the hijacked sensor',
  );
  assert.deepEqual(
    attack.expectedStatus().map((s) => [s.device, s.status]),
    [[sensor.deviceId, 'suspended']],
  );
  const [probe] = attack.followUp(end + 100);
  assert.deepEqual(probe!.expect, { outcome: 'rejected', status: 403, reason: 'device_suspended' });
  assert.equal(recoverReadingSigner(single(probe!), domain), sensor.deviceId);
});

test('(b) flooder: readings 1 s apart, flagThreshold of them TooFrequent, then suspended', () => {
  const { fleet, now } = runningFleet();
  const attack = createFlooderAttack();
  attack.start({ fleet });
  const { actions } = drive(fleet, attack, now);
  const readings = actions.map(single);
  assert.ok(readings.every((r) => recoverReadingSigner(r, domain) === r.device));
  for (let i = 1; i < readings.length; i++) assert.equal(readings[i]!.timestamp - readings[i - 1]!.timestamp, 1);
  const frequent = actions.filter((a) => a.expect.outcome === 'recorded' && a.expect.flags.includes('TooFrequent'));
  assert.equal(frequent.length, flagThreshold);
  assert.ok(
    actions.every((a) => a.expect.outcome === 'recorded' && !a.expect.flags.includes('OutOfRange')),
    'plausible values',
  );
  assert.equal(attack.expectedStatus()[0]!.status, 'suspended');
  // A bursty driver (one step per 5 s) still floods.
  const other = createFlooderAttack();
  other.start({ fleet });
  const burst = other.step(now + 500).concat(other.step(now + 505));
  assert.ok(burst.filter((a) => a.expect.outcome === 'recorded' && a.expect.flags.includes('TooFrequent')).length >= flagThreshold);
});

test('(c) oversized payloads: 64-byte payloads flagged PayloadSize, one 1 KB refused with 413', () => {
  const { fleet, now } = runningFleet();
  const attack = createOversizedPayloadAttack();
  attack.start({ fleet });
  const { actions } = drive(fleet, attack, now);
  const huge = actions.filter((a) => a.expect.outcome === 'rejected');
  assert.equal(huge.length, 1);
  assert.deepEqual(huge[0]!.expect, { outcome: 'rejected', status: 413, reason: 'payload_too_large' });
  assert.equal(hexToBytes(single(huge[0]!).payload).length, 1024);
  const flagged = actions.filter((a) => a.expect.outcome === 'recorded');
  assert.equal(flagged.length, flagThreshold);
  for (const action of flagged) {
    const reading = single(action);
    assert.equal(hexToBytes(reading.payload).length, 64);
    assert.equal(recoverReadingSigner(reading, domain), reading.device);
    assert.deepEqual(action.expect.outcome === 'recorded' && action.expect.flags, ['PayloadSize'], 'only the size is wrong');
  }
  assert.equal(attack.expectedStatus()[0]!.status, 'suspended');
});

test('(d) replay: genuine signatures, sequences already used, refused 409; the last one in a batch', () => {
  const { fleet, sent, now } = runningFleet();
  const attack = createReplayAttack();
  attack.start({ fleet });
  const { actions } = drive(fleet, attack, now);
  assert.equal(actions.length, 3);
  const seen = new Set(sent.map((r) => JSON.stringify(r)));
  for (const [i, action] of actions.entries()) {
    assert.deepEqual(action.expect, { outcome: 'rejected', status: 409, reason: 'replayed_sequence' });
    const reading = 'readings' in action.body ? action.body.readings[0]! : action.body;
    assert.equal('readings' in action.body, i === actions.length - 1);
    assert.ok(seen.has(JSON.stringify(reading)), 'byte-for-byte a reading the fleet sent before');
    assert.equal(recoverReadingSigner(reading, domain), reading.device, 'the signature verifies');
    const victim = fleet.sensor(reading.device)!;
    assert.ok(BigInt(reading.sequence) < victim.sequences.peek(), 'the sequence was used');
  }
  assert.equal(new Set(actions.map((a) => JSON.stringify(a.body))).size, 3, 'three distinct readings');
  assert.equal(attack.expectedStatus()[0]!.status, 'active');
});

test('(e) impersonator: forged claims do not recover to the victim (401); own id is unknown (403)', () => {
  const { fleet, now } = runningFleet();
  const attack = createImpersonatorAttack();
  attack.start({ fleet });
  const victim = fleet.sensors[0]!;
  const nextBefore = victim.sequences.peek();
  const actions = attack.step(now);
  assert.ok(attack.done);
  assert.deepEqual(attack.step(now + 1), []);
  const forged = actions.filter((a) => a.expect.outcome === 'rejected' && a.expect.reason === 'bad_signature');
  assert.equal(forged.length, 2);
  for (const action of forged) {
    const reading = single(action);
    assert.equal(reading.device, victim.deviceId);
    assert.equal(action.expect.outcome === 'rejected' && action.expect.status, 401);
    const signer = recoverReadingSigner(reading, domain);
    assert.notEqual(signer, victim.deviceId);
    assert.equal(signer, attack.attackerId);
  }
  assert.equal(single(forged[0]!).sequence, nextBefore.toString(), "claims the victim's next sequence");
  assert.equal(victim.sequences.peek(), nextBefore, "the victim's sequence is not consumed");
  const own = actions.find((a) => a.expect.outcome === 'rejected' && a.expect.reason === 'unknown_device')!;
  assert.equal(own.expect.outcome === 'rejected' && own.expect.status, 403);
  assert.equal(single(own).device, attack.attackerId);
  assert.equal(recoverReadingSigner(single(own), domain), attack.attackerId);
  assert.ok(!fleet.sensors.some((s) => s.deviceId === attack.attackerId));
  assert.deepEqual(
    attack.expectedStatus().map((s) => s.status),
    ['active', 'none'],
  );
});

test('all five attacks run together on one fleet, on distinct sensors, while the others report normally', () => {
  const { fleet, now } = runningFleet();
  const attacks = createAllAttacks();
  for (const a of attacks) a.start({ fleet });
  const hijacked = fleet.sensors.filter((s) => s.hijackedBy !== undefined);
  assert.equal(hijacked.length, 3);
  assert.equal(new Set(hijacked.map((s) => s.hijackedBy)).size, 3);
  const normal: SignedReading[] = [];
  for (let t = now; t < now + 120 && !attacks.every((a) => a.done); t++) {
    normal.push(...fleet.tick(t));
    for (const a of attacks) a.step(t);
  }
  assert.ok(attacks.every((a) => a.done));
  assert.ok(normal.length > 0 && normal.every((r) => !hijacked.some((h) => h.deviceId === r.device)));
  assert.ok(attacks.every((a) => a.name && a.description && a.expectedOutcome));
});
