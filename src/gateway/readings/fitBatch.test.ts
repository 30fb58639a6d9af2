import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFunctionData, size } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import { encodeMetrics } from '../../protocol/payload.js';
import { splitSignature, toCompact } from '../../protocol/signature.js';
import { deviceKeyFromPrivateKey } from '../../sdk/index.js';
import { signReading } from '../../sdk/signReading.js';
import { fitBatch, MAX_BATCH_CALLDATA_BYTES } from './fitBatch.js';

const key = deviceKeyFromPrivateKey(generatePrivateKey());
const domain = { chainId: 20601, verifyingContract: '0x1111111111111111111111111111111111111111' } as const;
/** A device-signed reading as submitReadings takes it; `payloadBytes` of payload (2 bytes a metric). */
const reading = (sequence: number, metrics = 6) => {
  const signed = signReading({
    key,
    domain,
    sequence,
    timestamp: 1_760_000_000 + 10 * sequence,
    payload: encodeMetrics(Array(metrics).fill(7)),
  });
  return {
    device: signed.device,
    sequence: BigInt(signed.sequence),
    timestamp: BigInt(signed.timestamp),
    payload: signed.payload,
    ...toCompact(splitSignature(signed.signature)),
  };
};
const encode = (items: readonly ReturnType<typeof reading>[]) =>
  encodeFunctionData({ abi: gatewayFleetAbi, functionName: 'submitReadings', args: [[...items]] });

describe('fitBatch', () => {
  it('keeps a batch that fits whole', () => {
    const items = Array.from({ length: 200 }, (_, i) => reading(i + 1));
    const fitted = fitBatch(items, encode);
    assert.equal(fitted.items.length, 200);
    assert.ok(size(fitted.data) <= MAX_BATCH_CALLDATA_BYTES, `${size(fitted.data)} bytes`);
    assert.equal(fitted.data, encode(items));
  });

  it('cuts a batch that would exceed geth’s 128 KiB transaction limit to the longest prefix that fits', () => {
    const items = Array.from({ length: 600 }, (_, i) => reading(i + 1, i % 2 === 0 ? 6 : 64));
    assert.ok(size(encode(items)) > MAX_BATCH_CALLDATA_BYTES, 'the whole batch is too large');
    const fitted = fitBatch(items, encode);
    const n = fitted.items.length;
    assert.ok(n > 0 && n < items.length);
    assert.deepEqual(fitted.items, items.slice(0, n), 'a prefix, in order');
    assert.ok(size(fitted.data) <= MAX_BATCH_CALLDATA_BYTES);
    assert.ok(size(encode(items.slice(0, n + 1))) > MAX_BATCH_CALLDATA_BYTES, 'one more would not fit');
    assert.equal(fitted.data, encode(fitted.items));
  });

  it('sends one reading alone even above the limit given', () => {
    const fitted = fitBatch([reading(1)], encode, 10);
    assert.equal(fitted.items.length, 1);
  });
});
