import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { releaseIdOf } from '../../protocol/firmwareTypedData.js';
import { parseBytes32, parseDeviceOrDid, parseId, parseInteger, parseRelease, parseUint64 } from './ids.js';

const refused = (fn: () => unknown, pattern: RegExp, label: string) =>
  assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && pattern.test(e.message), label);

describe('the id grammar', () => {
  it('counter ids (consent, feed, escrow, deletion request): positive decimal integers', () => {
    assert.equal(parseId('<consentId>', '1'), 1n);
    assert.equal(parseId('<consentId>', '42'), 42n);
    assert.equal(parseId('<consentId>', ((1n << 256n) - 1n).toString()), (1n << 256n) - 1n);
    for (const bad of ['0', '007', '-3', '1.5', '1e3', 'x', '', ' 1', '0x10', (1n << 256n).toString()]) {
      refused(() => parseId('<consentId>', bad), /^<consentId> must be a positive integer, got /, bad);
    }
  });

  it('uint64 sequences: 0 to 2^64 - 1 in decimal', () => {
    assert.equal(parseUint64('--sequence', '0'), 0n);
    assert.equal(parseUint64('--sequence', '18446744073709551615'), (1n << 64n) - 1n);
    for (const bad of ['18446744073709551616', '01', '-1', '1.0', 'x'])
      refused(() => parseUint64('--sequence', bad), /--sequence must be an integer 0\.\.2\^64-1/, bad);
    refused(() => parseUint64('--sequence', '0', { min: 1n }), /--sequence must be an integer 1\.\.2\^64-1/, 'min');
  });

  it('32-byte ids (policy versions, hashes): 0x + 64 hex digits, lowercased', () => {
    const id = `0x${'Ab'.repeat(32)}`;
    assert.equal(parseBytes32('--policy', id), id.toLowerCase());
    for (const bad of ['0x1234', 'ab'.repeat(32), `0x${'ab'.repeat(33)}`, `0x${'zz'.repeat(32)}`]) {
      refused(() => parseBytes32('--policy', bad), /--policy must be 32 bytes of hex \(0x \+ 64 hex digits\)/, bad);
    }
    refused(() => parseBytes32('--evidence-hash', `0x${'00'.repeat(32)}`, { nonZero: true }), /--evidence-hash must not be zero/, 'zero');
  });

  it('release ids: a 32-byte id or <class>:<sequence>', () => {
    assert.equal(parseRelease('<release>', '1:2'), releaseIdOf(1, 2n));
    assert.equal(parseRelease('<release>', '65535:18446744073709551615'), releaseIdOf(65535, (1n << 64n) - 1n));
    const id = `0x${'cd'.repeat(32)}`;
    assert.equal(parseRelease('<release>', id), id);
    refused(() => parseRelease('<release>', 'not-a-release'), /<class>:<sequence>/, 'word');
    refused(() => parseRelease('<release>', '70000:1'), /<release> class must be between 0 and 65535/, 'class');
    refused(() => parseRelease('<release>', '1:0'), /<release> sequence must be an integer 1\.\.2\^64-1/, 'sequence 0');
    refused(() => parseRelease('<release>', '1:2:3'), /<class>:<sequence>/, 'three parts');
  });

  it('device ids: an address, or a did:pythia DID that may name the chain', () => {
    const device = '0xbd9302f395cd8356bb228dBB2e118893FE6D45d7';
    assert.deepEqual(parseDeviceOrDid('<id>', device.toLowerCase()), { device });
    assert.deepEqual(parseDeviceOrDid('<id>', `did:pythia:20601:${device}`), { device, chainId: 20601 });
    refused(() => parseDeviceOrDid('<id>', 'did:example:123'), /not a did:pythia/, 'other method');
    refused(() => parseDeviceOrDid('<id>', '0xabc'), /not a device id \/ address/, 'short');
  });

  it('bounded integers (class ids, counts)', () => {
    assert.equal(parseInteger('--class', '65535', 0, 65535), 65535);
    refused(() => parseInteger('--class', '70000', 0, 65535), /--class must be between 0 and 65535, got 70000/, 'range');
    refused(() => parseInteger('class', 'one', 0, 65535), /class must be an integer, got "one"/, 'word');
  });
});
