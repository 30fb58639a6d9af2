import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode } from 'cbor2';
import { getAddress, hexToBytes } from 'viem';
import { encodeDeterministic } from '../cbor.js';
import { consentQuestion as q, type ConsentAnswer } from './consent.js';
import { questionById, questionOf, reservedQuestionIds } from './registry.js';

const device = '0x00000000000000000000000000000000000000D1' as const;
const recipient = '0x00000000000000000000000000000000000000A1' as const;
const wire = (value: unknown) => decode(encodeDeterministic(value));

describe('consent (question 4)', () => {
  it('is registered as id 4, needs the consent registry, and is no longer reserved', () => {
    assert.equal(questionById(4), q);
    assert.equal(questionOf('consent'), q);
    assert.equal(q.requires, 'consentRegistry');
    assert.equal((reservedQuestionIds as Record<string, number>).consent, undefined);
  });

  it('round-trips params from JSON through CBOR, small', () => {
    const params = q.parseParams({ device: device.toLowerCase(), recipient, consentId: '7', streams: 0, commands: 8 });
    assert.deepEqual(params, { device: getAddress(device), recipient: getAddress(recipient), consentId: 7n, streams: 0, commands: 8 });
    const bytes = encodeDeterministic(q.encodeParams(params));
    assert.ok(bytes.length <= 50, `params are ${bytes.length} bytes`);
    assert.deepEqual(q.decodeParams(decode(bytes)), params);
  });

  it('round-trips answers: permitted and refused, in a few bytes', () => {
    const permitted: ConsentAnswer = { permitted: true, refusal: 'none', consentId: 7n, expiry: 1_800_000_000n };
    const revoked: ConsentAnswer = { permitted: false, refusal: 'revoked', consentId: 7n, expiry: 1_800_000_000n };
    const unknown: ConsentAnswer = { permitted: false, refusal: 'unknown-consent', consentId: 9n, expiry: 0n };
    for (const answer of [permitted, revoked, unknown]) assert.deepEqual(q.decodeAnswer(wire(q.encodeAnswer(answer))), answer);
    assert.ok(encodeDeterministic(q.encodeAnswer(permitted)).length <= 10);
  });

  const badParams: Array<[string, unknown]> = [
    ['not an object', 'x'],
    ['no recipient', { device, consentId: 1, commands: 1 }],
    ['consent 0', { device, recipient, consentId: 0, commands: 1 }],
    ['nothing to check', { device, recipient, consentId: 1, streams: 0, commands: 0 }],
    ['a mask above uint32', { device, recipient, consentId: 1, commands: 2 ** 32 }],
    ['an extra field', { device, recipient, consentId: 1, commands: 1, purpose: 'x' }],
  ];
  for (const [what, json] of badParams) it(`refuses JSON params with ${what}`, () => assert.throws(() => q.parseParams(json), Error));

  const badCbor: Array<[string, unknown]> = [
    ['four fields', [hexToBytes(device), hexToBytes(recipient), 1, 0]],
    ['a 19-byte recipient', [hexToBytes(device), new Uint8Array(19), 1, 0, 1]],
    ['a text consent id', [hexToBytes(device), hexToBytes(recipient), '1', 0, 1]],
  ];
  for (const [what, value] of badCbor) it(`refuses CBOR params: ${what}`, () => assert.throws(() => q.decodeParams(wire(value)), Error));

  const badAnswers: Array<[string, unknown]> = [
    ['three fields', [true, 0, 7]],
    ['permitted with a refusal', [true, 4, 7, 100]],
    ['refused with refusal 0', [false, 0, 7, 100]],
    ['an unknown refusal', [false, 10, 7, 100]],
    ['permitted without expiry', [true, 0, 7, 0]],
    ['consent id 0', [false, 1, 0, 0]],
  ];
  for (const [what, value] of badAnswers)
    it(`refuses an answer with ${what}`, () => assert.throws(() => q.decodeAnswer(decode(encode(value))), Error));
});
