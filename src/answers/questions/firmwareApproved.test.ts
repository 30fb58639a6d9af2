import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode, decode } from 'cbor2';
import { getAddress, hexToBytes, type Hex } from 'viem';
import { encodeDeterministic } from '../cbor.js';
import { firmwareApprovedQuestion as q, type FirmwareApprovedAnswer } from './firmwareApproved.js';
import { questionById, questionOf, reservedQuestionIds } from './registry.js';

const device = '0x00000000000000000000000000000000000000D1' as const;
const digest = `0x${'ab'.repeat(32)}` as Hex;
const approved: FirmwareApprovedAnswer = { approved: true, reason: 'approved', sequence: 7n, digest, size: 300_000n };

/** Through deterministic CBOR and back, as on the wire. */
const wire = (value: unknown) => decode(encodeDeterministic(value));

describe('firmware_approved (question 3)', () => {
  it('is registered as id 3, needs the firmware registry, and is no longer reserved', () => {
    assert.equal(questionById(3), q);
    assert.equal(questionOf('firmware_approved'), q);
    assert.equal(q.requires, 'firmwareRegistry');
    assert.equal((reservedQuestionIds as Record<string, number>).firmware_approved, undefined);
  });

  it('round-trips params from JSON through CBOR, small', () => {
    const params = q.parseParams({ device: device.toLowerCase(), classId: 1, sequence: 7 });
    assert.deepEqual(params, { device: getAddress(device), classId: 1, sequence: 7n });
    const bytes = encodeDeterministic(q.encodeParams(params));
    assert.ok(bytes.length <= 26, `params are ${bytes.length} bytes`);
    assert.deepEqual(q.decodeParams(decode(bytes)), params);
    assert.deepEqual(q.parseParams({ device, classId: 65535, sequence: '18446744073709551615' }).sequence, 2n ** 64n - 1n);
  });

  it('round-trips answers: approved, refused, and an unknown release', () => {
    for (const answer of [
      approved,
      { ...approved, approved: false, reason: 'owner_approval_missing' as const },
      { approved: false, reason: 'unknown_release' as const, sequence: 0n, digest: `0x${'00'.repeat(32)}` as Hex, size: 0n },
    ]) {
      assert.deepEqual(q.decodeAnswer(wire(q.encodeAnswer(answer))), answer);
    }
  });

  const badParams: Array<[string, unknown]> = [
    ['not an object', 'x'],
    ['no device', { classId: 1, sequence: 1 }],
    ['a bad device', { device: '0x12', classId: 1, sequence: 1 }],
    ['a class out of range', { device, classId: 65536, sequence: 1 }],
    ['a negative class', { device, classId: -1, sequence: 1 }],
    ['sequence 0', { device, classId: 1, sequence: 0 }],
    ['a fractional sequence', { device, classId: 1, sequence: 1.5 }],
    ['a sequence above uint64', { device, classId: 1, sequence: '18446744073709551616' }],
    ['an extra field', { device, classId: 1, sequence: 1, digest }],
  ];
  for (const [what, json] of badParams) {
    it(`refuses JSON params with ${what}`, () => assert.throws(() => q.parseParams(json), Error));
  }

  const badCborParams: Array<[string, unknown]> = [
    ['a bare device id', hexToBytes(device)],
    ['two fields', [hexToBytes(device), 1]],
    ['a 19-byte device', [new Uint8Array(19), 1, 1n]],
    ['a text class', [hexToBytes(device), '1', 1]],
    ['sequence 0', [hexToBytes(device), 1, 0]],
  ];
  for (const [what, value] of badCborParams) {
    it(`refuses CBOR params: ${what}`, () => assert.throws(() => q.decodeParams(wire(value)), Error));
  }

  const badAnswers: Array<[string, unknown]> = [
    ['not an array', { approved: true }],
    ['four fields', [true, 0, 7, hexToBytes(digest)]],
    ['approved as an integer', [1, 0, 7, hexToBytes(digest), 300]],
    ['an unknown reason', [false, 7, 7, hexToBytes(digest), 300]],
    ['approved with a no reason', [true, 4, 7, hexToBytes(digest), 300]],
    ['refused with reason 0', [false, 0, 7, hexToBytes(digest), 300]],
    ['a short digest', [true, 0, 7, new Uint8Array(31), 300]],
    ['an approved release of size 0', [true, 0, 7, hexToBytes(digest), 0]],
    ['a negative size', [true, 0, 7, hexToBytes(digest), -1]],
    ['a size above uint64', [true, 0, 7, hexToBytes(digest), 2n ** 64n]],
  ];
  for (const [what, value] of badAnswers) {
    it(`refuses an answer with ${what}`, () => assert.throws(() => q.decodeAnswer(decode(encode(value))), Error));
  }
});
