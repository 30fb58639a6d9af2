import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hex } from 'viem';
import { decodeReadingsCalldata, SUBMIT_READINGS_SELECTOR } from './decodeReadingsCalldata.js';
import { newTestKey, signItem, submitReadingsData } from './testKit.js';

const domain = { chainId: 20601, fleetAddress: '0x00000000000000000000000000000000000F1EE7' as const };
const key = newTestKey();
const items = [
  signItem(domain, key, { device: key.address, sequence: 1, timestamp: 1_700_000_000 }),
  signItem(domain, key, { device: key.address, sequence: 2n ** 64n - 1n, timestamp: 2n ** 64n - 1n, payload: '0x' }),
  signItem(domain, key, { device: key.address, sequence: 3, timestamp: 0, payload: `0x${'ab'.repeat(256)}` }),
];
/** Hex offset of word `n` of the arguments (after the selector). */
const word = (n: number) => 10 + 64 * n;
const replaceWord = (data: Hex, n: number, value: string): Hex =>
  `${data.slice(0, word(n))}${value.padStart(64, '0')}${data.slice(word(n) + 64)}` as Hex;

describe('decodeReadingsCalldata (the batch as the contract reads it)', () => {
  it('decodes what the ABI encodes: every field, empty and 256-byte payloads, extreme numbers', () => {
    assert.deepEqual(decodeReadingsCalldata(submitReadingsData(items)), { ok: true, readings: items });
    assert.deepEqual(decodeReadingsCalldata(submitReadingsData([])), { ok: true, readings: [] });
  });

  it('predicts MalformedReading for dirty high bits and payloads past the calldata, naming the item', () => {
    const data = submitReadingsData(items.slice(0, 1));
    // words: 0 array offset, 1 length, 2 item offset, 3 device, 4 sequence, 5 timestamp, 6 payload offset, 7 r, 8 vs, 9 payload length
    assert.deepEqual(decodeReadingsCalldata(replaceWord(data, 3, `01${key.address.slice(2)}`)), {
      ok: false,
      index: 0,
      reason: 'item 0: device has dirty high bits',
    });
    assert.equal(decodeReadingsCalldata(replaceWord(data, 4, `01${'0'.repeat(16)}`)).ok, false);
    assert.match(
      String((decodeReadingsCalldata(replaceWord(data, 5, `01${'0'.repeat(16)}`)) as { reason: string }).reason),
      /timestamp over 64 bits/,
    );
    assert.match(
      String((decodeReadingsCalldata(replaceWord(data, 9, 'ffff')) as { reason: string }).reason),
      /payload ends past the calldata/,
    );
    assert.match(
      String((decodeReadingsCalldata(replaceWord(data, 9, `1${'0'.repeat(8)}`)) as { reason: string }).reason),
      /payload length over 2\^32/,
    );
    const second = submitReadingsData([items[0]!, items[0]!]);
    // words: 0 array offset, 1 length, 2-3 item offsets, item 0 in words 4-11 (12-byte payload), item 1 from word 12
    const dirtySecond = decodeReadingsCalldata(replaceWord(second, 12, `01${key.address.slice(2)}`));
    assert.equal(dirtySecond.ok ? -1 : dirtySecond.index, 1);
  });

  it("predicts Solidity's own reverts on a bad array head, and never allocates past the calldata", () => {
    const data = submitReadingsData(items.slice(0, 1));
    assert.match(String((decodeReadingsCalldata(SUBMIT_READINGS_SELECTOR) as { reason: string }).reason), /shorter than the argument head/);
    assert.match(
      String((decodeReadingsCalldata(replaceWord(data, 0, 'ffffffffffffffffff')) as { reason: string }).reason),
      /offset out of range/,
    );
    assert.match(String((decodeReadingsCalldata(replaceWord(data, 0, 'ffff')) as { reason: string }).reason), /offset past the calldata/);
    assert.match(
      String((decodeReadingsCalldata(replaceWord(data, 1, 'ffffffff')) as { reason: string }).reason),
      /longer than the calldata/,
    );
    assert.match(String((decodeReadingsCalldata('0x12345678') as { reason: string }).reason), /not a submitReadings call/);
  });

  it('reads items through their offsets, as the contract does (not in order, shared, zeros past the end)', () => {
    const two = submitReadingsData([items[0]!, items[2]!]);
    // Point both items at the second one: the contract would read it twice.
    const shared = replaceWord(two, 2, BigInt(`0x${two.slice(word(3), word(3) + 64)}`).toString(16));
    const decoded = decodeReadingsCalldata(shared);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.readings, [items[2], items[2]]);
  });
});
