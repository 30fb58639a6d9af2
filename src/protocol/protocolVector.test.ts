import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { bytesToHex, type Address, type Hex } from 'viem';
import {
  createRegistrationRequest,
  deviceKeyFromPrivateKey,
  signReading,
  verifyRegistrationRequest,
  type RegistrationRequest,
} from '../sdk/index.js';
import { deviceIdFromPublicKey } from './deviceId.js';
import { readingDigest, readingDomainSeparator, readingStructHash } from './eip712.js';
import { encodeMetrics } from './payload.js';
import { rejectionReasons } from './reasons.js';
import { registrationMessage } from './registrationMessage.js';

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

it('the registration request in docs/protocol.md is what a device makes with the test key, and it verifies', () => {
  const block = /```json registration-request\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/protocol.md defines the registration request with a test vector');
  const documented = JSON.parse(block[1]!) as RegistrationRequest;
  const vector = JSON.parse(/```json test-vector\n([\s\S]*?)```/.exec(doc)![1]!) as { privateKey: string };
  const key = deviceKeyFromPrivateKey(Buffer.from(vector.privateKey.slice(2), 'hex'));
  assert.deepEqual(createRegistrationRequest(key, { classId: documented.classId, metadata: documented.metadata! }), documented);
  assert.deepEqual(verifyRegistrationRequest(documented), { ...documented, publicKey: documented.publicKey.toLowerCase() });
  const signedText = /The proof signs this text[\s\S]*?```\n([\s\S]*?)\n```/.exec(doc);
  assert.ok(signedText, 'docs/protocol.md shows the signed text');
  assert.equal(signedText[1], registrationMessage(documented.deviceId, documented.classId));
  assert.throws(() => verifyRegistrationRequest({ ...documented, classId: 2 }), /proof is not signed by the device key/);
});
