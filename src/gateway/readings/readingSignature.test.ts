import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readingDomainSeparator } from '../../protocol/eip712.js';
import { isReadingProblem, parseReading, type ParsedReading } from './readingShape.js';
import { isSignedByDevice } from './readingSignature.js';
import { newTestDevice, signedReading } from '../testKit.js';

const domain = { chainId: 20601, verifyingContract: '0x1000000000000000000000000000000000000001' as const };
const separator = readingDomainSeparator(domain);
const device = newTestDevice();
const publicKey65 = Buffer.from(device.account.publicKey.slice(2), 'hex');

const parse = (item: unknown): ParsedReading => {
  const parsed = parseReading(item);
  if (isReadingProblem(parsed)) assert.fail(parsed.message);
  return parsed;
};

describe('isSignedByDevice', () => {
  it("accepts the device's EIP-712 signature (viem signTypedData) for this chain and contract", async () => {
    assert.equal(isSignedByDevice(separator, parse(await signedReading(device, domain, { sequence: 7 })), publicKey65), true);
  });
  it('refuses a signature made for another chain id', async () => {
    const other = await signedReading(device, { ...domain, chainId: 1 }, { sequence: 7 });
    assert.equal(isSignedByDevice(separator, parse(other), publicKey65), false);
  });
  it('refuses a signature made for another contract', async () => {
    const other = await signedReading(
      device,
      { ...domain, verifyingContract: '0x2000000000000000000000000000000000000002' },
      { sequence: 7 },
    );
    assert.equal(isSignedByDevice(separator, parse(other), publicKey65), false);
  });
  it('refuses an altered reading (payload, sequence, timestamp)', async () => {
    const reading = await signedReading(device, domain, { sequence: 7, timestamp: 1000 });
    assert.equal(isSignedByDevice(separator, parse({ ...reading, payload: '0x0001' }), publicKey65), false);
    assert.equal(isSignedByDevice(separator, parse({ ...reading, sequence: 8 }), publicKey65), false);
    assert.equal(isSignedByDevice(separator, parse({ ...reading, timestamp: 1001 }), publicKey65), false);
  });
  it('refuses the right r ‖ s with the wrong v (the contract would recover another signer)', async () => {
    const reading = await signedReading(device, domain, { sequence: 7 });
    const v = parseInt(reading.signature.slice(130), 16);
    const flipped = `${reading.signature.slice(0, 130)}${(v === 27 ? 28 : 27).toString(16)}`;
    assert.equal(isSignedByDevice(separator, parse({ ...reading, signature: flipped }), publicKey65), false);
  });
  it("refuses another device's key", async () => {
    const reading = await signedReading(device, domain, { sequence: 7 });
    const other = Buffer.from(newTestDevice().account.publicKey.slice(2), 'hex');
    assert.equal(isSignedByDevice(separator, parse(reading), other), false);
  });
});
