import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Profile } from '../protocol/profile.js';
import { applyReading, unknownDevice } from './applyReading.js';
import { newTestKey, signItem, testProfile, typicalValues } from './testKit.js';
import type { BlockModel, DeviceModel } from './types.js';

const profile: Profile = { ...testProfile, flagThreshold: 2 };
const domain = { chainId: 20601, fleetAddress: '0x00000000000000000000000000000000000F1EE7' as const };
const T = 1_700_000_000n;
const key = newTestKey();
const outOfRange = typicalValues.map((v, i) => (i === 0 ? 6000 : v));

function model(device: Partial<DeviceModel> = {}): BlockModel {
  const state: DeviceModel = { ...unknownDevice(key.address), status: 'active', classId: 1, ...device };
  return { devices: new Map([[key.address.toLowerCase(), state]]), classProfiles: new Map([[1, profile]]), relayers: new Map() };
}

const apply = (
  m: BlockModel,
  sequence: number,
  options: { values?: number[]; signer?: `0x${string}` | undefined; timestamp?: bigint } = {},
) =>
  applyReading({
    model: m,
    reading: signItem(domain, key, {
      device: key.address,
      sequence,
      timestamp: options.timestamp ?? T + 60n * BigInt(sequence),
      ...(options.values ? { values: options.values } : {}),
    }),
    signer: 'signer' in options ? options.signer : key.address,
    blockTime: T + 10_000n,
  });

describe('applyReading (attribution, inspection and response of one batch item)', () => {
  it('skips in the contract order: signature first, then status, then sequence', () => {
    const other = newTestKey().address;
    assert.deepEqual(apply(model({ status: 'suspended' }), 1, { signer: other }).outcome, { status: 'skipped', reason: 'BadSignature' });
    assert.deepEqual(apply(model(), 1, { signer: undefined }).outcome, { status: 'skipped', reason: 'BadSignature' });
    assert.deepEqual(apply(model({ status: 'none' }), 1).outcome, { status: 'skipped', reason: 'UnknownDevice' });
    assert.deepEqual(apply(model({ status: 'suspended' }), 1).outcome, { status: 'skipped', reason: 'DeviceSuspended' });
    assert.deepEqual(apply(model({ status: 'revoked', lastSequence: 9n }), 1).outcome, { status: 'skipped', reason: 'DeviceRevoked' });
    assert.deepEqual(apply(model({ lastSequence: 1n }), 1).outcome, { status: 'skipped', reason: 'Replayed' });
  });

  it('after a key rotation only the new key signs for the device id', () => {
    const next = newTestKey().address;
    assert.deepEqual(apply(model({ signer: next }), 1).outcome, { status: 'skipped', reason: 'BadSignature' });
    assert.deepEqual(apply(model({ signer: next }), 1, { signer: next }).outcome, { status: 'accepted' });
  });

  it('records every attributed reading, flagged or not, for the next one to be judged against', () => {
    const m = model();
    assert.deepEqual(apply(m, 1).outcome, { status: 'accepted' });
    assert.deepEqual(apply(m, 2, { values: outOfRange }).outcome, {
      status: 'flagged',
      reasons: ['OutOfRange', 'ExcessiveChange'],
      metric: 0,
      value: 6000,
    });
    const device = m.devices.get(key.address.toLowerCase())!;
    assert.deepEqual([device.lastSequence, device.lastTimestamp, device.lastValues], [2n, T + 120n, outOfRange]);
    assert.deepEqual([device.flags, device.flagsInWindow, device.flagWindowStart], [1, 1, T + 10_000n]);
  });

  it('suspends at the threshold, then the device is skipped; revokes at the suspension limit', () => {
    const m = model({ autoSuspensions: 1 });
    apply(m, 1, { values: outOfRange });
    const second = apply(m, 2, { values: outOfRange });
    assert.deepEqual(second.response, { previous: 'active', current: 'revoked' });
    assert.deepEqual(apply(m, 3).outcome, { status: 'skipped', reason: 'DeviceRevoked' });
    const n = model();
    apply(n, 1, { values: outOfRange });
    assert.deepEqual(apply(n, 2, { values: outOfRange }).response, { previous: 'active', current: 'suspended' });
    assert.deepEqual(apply(n, 3).outcome, { status: 'skipped', reason: 'DeviceSuspended' });
  });

  it("judges by the device's own profile when it has one", () => {
    const m = model({ ownProfile: { ...profile, maxValue: profile.maxValue.map((v, i) => (i === 0 ? 100 : v)) } });
    assert.deepEqual(apply(m, 1).outcome, { status: 'flagged', reasons: ['OutOfRange'], metric: 0, value: 120 });
  });

  it('treats a batch item for a device the model has never seen as an unknown device', () => {
    const m: BlockModel = { devices: new Map(), classProfiles: new Map(), relayers: new Map() };
    assert.deepEqual(apply(m, 1).outcome, { status: 'skipped', reason: 'UnknownDevice' });
  });
});
