import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeAbiParameters, getAddress, keccak256, type Address, type Hex } from 'viem';
import { airQualityProfile } from './airQuality.js';
import {
  CanaryError,
  canaryCommitment,
  canaryOffset,
  canaryReadingKey,
  canarySalt,
  canaryValue,
  isCanaryReading,
  makeCanary,
} from './canary.js';

const secret: Hex = `0x${'5e'.repeat(32)}`;
const bob: Address = '0x0000000000000000000000000000000000000b0b';
const carol: Address = '0x00000000000000000000000000000000000ca401';
const device: Address = '0x00000000000000000000000000000000000000d1';
const base = { secret, recipient: bob, consentId: 1n, device, stream: 0, sequence: 77n };

describe('canary values', () => {
  it('are deterministic per (secret, recipient, device, stream, sequence)', () => {
    const a = makeCanary({ ...base, reading: 1233, min: 0, max: 10_000 });
    const b = makeCanary({ ...base, reading: 1233, min: 0, max: 10_000 });
    assert.deepEqual(a, b);
    const other = makeCanary({ ...base, secret: `0x${'5f'.repeat(32)}`, reading: 1233, min: 0, max: 10_000 });
    assert.notEqual(other.salt, a.salt, 'another secret, another salt');
  });

  it('move a reading by 1 or 2 LSB, never 0, and spread over the four offsets', () => {
    const seen = new Map<number, number>();
    for (let sequence = 0n; sequence < 400n; sequence++) {
      const { value, offset } = canaryValue({ ...base, sequence, reading: 500, min: 0, max: 1000 });
      assert.ok([-2, -1, 1, 2].includes(offset), `offset ${offset}`);
      assert.equal(value, 500 + offset);
      seen.set(offset, (seen.get(offset) ?? 0) + 1);
    }
    assert.equal(seen.size, 4);
    for (const count of seen.values()) assert.ok(count > 50, 'roughly uniform');
  });

  it('stay within ±1 LSB when asked', () => {
    for (let sequence = 0n; sequence < 100n; sequence++) {
      assert.equal(Math.abs(canaryOffset({ ...base, sequence, maxOffset: 1 })), 1);
    }
  });

  it('differ between recipients (a leaked series names its recipient)', () => {
    let differ = 0;
    for (let sequence = 0n; sequence < 100n; sequence++) {
      const b = canaryValue({ ...base, sequence, reading: 500, min: 0, max: 1000 }).value;
      const c = canaryValue({ ...base, recipient: carol, sequence, reading: 500, min: 0, max: 1000 }).value;
      if (b !== c) differ++;
    }
    assert.ok(differ > 60, `${differ} of 100 readings differ`);
  });

  it('never leave the profile bounds, for every air-quality metric and at its edges', () => {
    const { minValue, maxValue } = airQualityProfile;
    for (let stream = 0; stream < minValue.length; stream++) {
      const min = minValue[stream]!;
      const max = maxValue[stream]!;
      for (const reading of [min, min + 1, Math.trunc((min + max) / 2), max - 1, max]) {
        for (let sequence = 0n; sequence < 40n; sequence++) {
          const { value, offset } = canaryValue({ ...base, stream, sequence, reading, min, max });
          assert.ok(value >= min && value <= max, `metric ${stream}: ${value} outside [${min}, ${max}]`);
          assert.notEqual(offset, 0);
        }
      }
    }
    // a one-LSB range: the only other value
    assert.equal(canaryValue({ ...base, reading: 5, min: 5, max: 6 }).value, 6);
    assert.equal(canaryValue({ ...base, reading: 6, min: 5, max: 6 }).value, 5);
    // int16 edges
    assert.ok(canaryValue({ ...base, reading: 32767, min: -32768, max: 32767 }).value < 32767);
    assert.ok(canaryValue({ ...base, reading: -32768, min: -32768, max: 32767 }).value > -32768);
  });

  it('refuse bad input with a reason', () => {
    assert.throws(() => canaryValue({ ...base, reading: 2000, min: 0, max: 1000 }), /outside the profile bounds/);
    assert.throws(() => canaryValue({ ...base, reading: 5, min: 5, max: 5 }), /no room/);
    assert.throws(() => canaryValue({ ...base, reading: 1.5, min: 0, max: 5 }), /int16/);
    assert.throws(() => canaryOffset({ ...base, secret: '0x1234' }), /at least 16 bytes/);
    assert.throws(() => canaryOffset({ ...base, stream: 256 }), /0\.\.255/);
    assert.throws(() => canaryOffset({ ...base, sequence: 1n << 64n }), /uint64/);
    assert.throws(() => canaryOffset({ ...base, consentId: 0n }), CanaryError);
    assert.throws(() => canaryCommitment({ ...base, value: 40_000, salt: canarySalt(base) }), /int16/);
    assert.throws(() => isCanaryReading(base, 0), /positive/);
  });

  it('commit with keccak256(abi.encode(recipient, consentId, device, uint8 stream, int16 value, uint64 sequence, salt))', () => {
    const c = makeCanary({ ...base, reading: 3, min: -10, max: 10 });
    const expected = keccak256(
      encodeAbiParameters(
        [
          { type: 'address' },
          { type: 'uint256' },
          { type: 'address' },
          { type: 'uint8' },
          { type: 'int16' },
          { type: 'uint64' },
          { type: 'bytes32' },
        ],
        [bob, 1n, device, 0, c.value, 77n, c.salt],
      ),
    );
    assert.equal(c.commitment, expected);
    // the reveal carries checksummed addresses whatever the input's case
    assert.equal(c.recipient, getAddress(bob));
    assert.equal(canaryReadingKey(c).length, 66);
  });

  it('select about one reading in `every`', () => {
    let selected = 0;
    for (let sequence = 0n; sequence < 1000n; sequence++) if (isCanaryReading({ ...base, sequence }, 10)) selected++;
    assert.ok(selected > 60 && selected < 140, `${selected} of 1000`);
    assert.ok(isCanaryReading(base, 1));
  });
});
