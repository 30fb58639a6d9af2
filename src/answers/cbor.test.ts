import { seededRandom as prng } from '../testing/seededRandom.js';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decode, encode, Tag } from 'cbor2';
import { CborReadError, readDeterministic } from './cborReader.js';
import { writeDeterministic } from './cborWriter.js';

const EDGES = [0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -1, -24, -25, -256, -257, -47];

function randomValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 2 ? 5 : 8));
  switch (pick) {
    case 0:
      return EDGES[Math.floor(random() * EDGES.length)]!;
    case 1:
      return BigInt.asUintN(64, BigInt(Math.floor(random() * 2 ** 53)) << BigInt(Math.floor(random() * 12)));
    case 2:
      return Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256));
    case 3:
      return ['', 'Signature1', 'ü€𝄞', 'x'.repeat(Math.floor(random() * 300))][Math.floor(random() * 4)];
    case 4:
      return Math.floor((random() - 0.5) * 2 ** 40);
    case 5:
      return Array.from({ length: Math.floor(random() * 6) }, () => randomValue(random, depth + 1));
    case 6: {
      const keys = [...new Set(Array.from({ length: Math.floor(random() * 9) }, () => EDGES[Math.floor(random() * EDGES.length)]! % 1000))];
      return new Map(keys.map((k) => [k, randomValue(random, depth + 1)]));
    }
    default:
      return new Tag(18, randomValue(random, depth + 1));
  }
}

it('writes exactly the bytes of cbor2 core deterministic encoding, for 3,000 random values', () => {
  const random = prng(7);
  for (let i = 0; i < 3000; i++) {
    const value = randomValue(random);
    const ours = writeDeterministic(value);
    assert.ok(ours, `value ${i} is of a supported shape`);
    assert.deepEqual(ours, encode(value, { cde: true }), `value ${i}`);
  }
});

it('leaves unsupported values (floats, booleans, Buffers, string keys) to cbor2', () => {
  for (const value of [1.5, true, null, Buffer.from([1]), new Map([['a', 1]]), { a: 1 }])
    assert.equal(writeDeterministic(value), undefined);
});

it('reads back exactly what cbor2 decodes, for 3,000 random deterministic encodings', () => {
  const random = prng(11);
  for (let i = 0; i < 3000; i++) {
    const bytes = encode(randomValue(random), { cde: true });
    const ours = readDeterministic(bytes);
    assert.ok(ours, `encoding ${i} is of a supported shape`);
    assert.deepEqual(ours.value, decode(bytes, { preferMap: true }), `encoding ${i}`);
  }
});

it('refuses what is not core deterministic or not whole', () => {
  const refused: Array<[string, number[]]> = [
    ['a non-shortest integer', [0x18, 0x05]],
    ['a non-shortest length', [0x59, 0x00, 0x01, 0xaa]],
    ['an indefinite-length array', [0x9f, 0x01, 0xff]],
    ['unsorted map keys', [0xa2, 0x02, 0x00, 0x01, 0x00]],
    ['a repeated map key', [0xa2, 0x01, 0x00, 0x01, 0x00]],
    ['a truncated byte string', [0x44, 0x01, 0x02]],
    ['trailing bytes', [0x01, 0x02]],
    ['invalid UTF-8', [0x62, 0xc3, 0x28]],
    ['a length past the end', [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
  ];
  for (const [name, bytes] of refused) assert.throws(() => readDeterministic(Uint8Array.from(bytes)), CborReadError, name);
  assert.equal(readDeterministic(Uint8Array.of(0xf9, 0x3c, 0x00)), undefined, 'a float is left to cbor2, which refuses it');
});
