import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseAddress, parseAmount } from './addresses.js';

const refused = (fn: () => unknown, pattern: RegExp, label: string) =>
  assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && pattern.test(e.message), label);

describe('addresses and amounts', () => {
  it('reads an address in any letter case and returns it checksummed', () => {
    const address = '0xbd9302f395cd8356bb228dBB2e118893FE6D45d7';
    assert.equal(parseAddress('--to', address.toLowerCase()), address);
    assert.equal(parseAddress('--to', address.toUpperCase().replace('0X', '0x')), address);
  });

  it('refuses what is not 20 bytes of hex, and the zero address where it means nobody', () => {
    for (const bad of ['0x1234', 'nonsense', '', `0x${'g'.repeat(40)}`, `0x${'a'.repeat(41)}`]) {
      refused(() => parseAddress('--to', bad), /^--to is not a device id \/ address \(0x \+ 40 hex digits\)/, bad);
    }
    assert.equal(parseAddress('--to', `0x${'0'.repeat(40)}`), `0x${'0'.repeat(40)}`);
    refused(() => parseAddress('--to', `0x${'0'.repeat(40)}`, { nonZero: true }), /--to may not be the zero address/, 'zero');
  });

  it('reads amounts of ether down to one wei', () => {
    assert.equal(parseAmount('--value', '1.5'), 1_500_000_000_000_000_000n);
    assert.equal(parseAmount('--value', '0.000000000000000001'), 1n);
    assert.equal(parseAmount('--value', '2'), 2_000_000_000_000_000_000n);
  });

  it('refuses other amounts, zero and what is over a bound', () => {
    for (const bad of ['-1', '1e3', 'abc', '0.0000000000000000001', '1,5', '.5', '1.', '']) {
      refused(() => parseAmount('--value', bad), /--value must be an amount in ether, e\.g\. 0\.05/, bad);
    }
    refused(() => parseAmount('--value', '0'), /--value must be above 0/, 'zero');
    refused(
      () => parseAmount('--price', '0.0', { zeroReason: 'must be above zero (free sharing is a plain consent)' }),
      /free sharing/,
      'zero reason',
    );
    refused(() => parseAmount('--price', '2', { max: 10n ** 18n }), /--price must be at most 1000000000000000000 wei/, 'max');
  });
});
