import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { bytesToHex, type Address, type Hex } from 'viem';
import { deviceKeyFromPrivateKey, signReading } from '../sdk/index.js';
import { deviceIdFromPublicKey } from './deviceId.js';
import { readingDigest, readingDomainSeparator, readingStructHash } from './eip712.js';
import { encodeMetrics } from './payload.js';
import { rejectionReasons } from './reasons.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

it('the test vector in docs/protocol.md is what the code computes', () => {
  const block = /```json test-vector\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/protocol.md has a test-vector block');
  const v = JSON.parse(block[1]!) as Record<string, unknown>;
  const key = deviceKeyFromPrivateKey(Buffer.from((v.privateKey as string).slice(2), 'hex'));
  assert.equal(key.publicKey, v.publicKey);
  assert.equal(deviceIdFromPublicKey(v.publicKey as Hex), v.deviceId);
  const payload = encodeMetrics(v.metrics as number[]);
  assert.equal(payload, v.payload);
  const domain = { chainId: v.chainId as number, verifyingContract: v.verifyingContract as Address };
  const reading = {
    device: v.deviceId as Address,
    sequence: BigInt(v.sequence as string),
    timestamp: BigInt(v.timestamp as number),
    payload,
  };
  const separator = readingDomainSeparator(domain);
  assert.equal(bytesToHex(separator), v.domainSeparator);
  assert.equal(bytesToHex(readingStructHash(reading)), v.structHash);
  assert.equal(bytesToHex(readingDigest(separator, reading)), v.digest);
  const signed = signReading({ key, domain, sequence: reading.sequence, timestamp: Number(reading.timestamp), payload });
  assert.equal(signed.signature, v.signature);
});

it('docs/protocol.md gives the status of every refusal a device can receive, as the gateway does', () => {
  for (const match of doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)) {
    const reason = match[1] as keyof typeof rejectionReasons;
    assert.ok(reason in rejectionReasons, `${reason} is not a gateway reason`);
    assert.equal(rejectionReasons[reason].status, Number(match[2]), reason);
  }
});
