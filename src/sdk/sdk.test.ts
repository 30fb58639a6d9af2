import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverTypedDataAddress, verifyMessage, verifyTypedData, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { READING_DOMAIN_NAME, READING_DOMAIN_VERSION, readingTypes } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import { splitSignature, SECP256K1_HALF_N } from '../protocol/signature.js';
import { KeystoreError } from '../keystore/types.js';
import {
  createRegistrationRequest,
  deviceKeyFromPrivateKey,
  generateDeviceKey,
  InvalidRegistrationRequestError,
  loadDeviceKey,
  recoverReadingSigner,
  registrationMessage,
  saveDeviceKey,
  signReading,
  verifyRegistrationRequest,
} from './index.js';

const domain = { chainId: 31337, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
const viemDomain = { name: READING_DOMAIN_NAME, version: READING_DOMAIN_VERSION, ...domain };

test('generateDeviceKey: 64-byte public key, device id = Ethereum address of the key', () => {
  const key = generateDeviceKey();
  assert.match(key.privateKey, /^0x[0-9a-f]{64}$/);
  assert.match(key.publicKey, /^0x[0-9a-f]{128}$/);
  const account = privateKeyToAccount(key.privateKey);
  assert.equal(key.deviceId, account.address);
  assert.equal(`0x04${key.publicKey.slice(2)}`, account.publicKey);
  assert.notEqual(generateDeviceKey().privateKey, key.privateKey);
  assert.deepEqual(deviceKeyFromPrivateKey(key.privateKey), key);
  assert.throws(() => deviceKeyFromPrivateKey(`0x${'ff'.repeat(32)}`), RangeError);
});

test('saveDeviceKey / loadDeviceKey: encrypted at rest, 0600, wrong passphrase refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pythia-sdk-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const key = generateDeviceKey();
  const path = join(dir, 'device.key.json');
  await saveDeviceKey(path, key, 'hunter2', { scryptN: 1024 });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await loadDeviceKey(path, 'hunter2'), key);
  await assert.rejects(loadDeviceKey(path, 'hunter3'), (e: unknown) => e instanceof KeystoreError && e.code === 'mac_mismatch');
});

test('registration request: proof of possession verifies, as personal_sign, and tampering is caught', async () => {
  const key = generateDeviceKey();
  const request = createRegistrationRequest(key, { classId: 1, metadata: { site: 'Market Square' } });
  assert.deepEqual(Object.keys(request).sort(), ['classId', 'deviceId', 'metadata', 'proof', 'publicKey']);
  assert.deepEqual(verifyRegistrationRequest(JSON.parse(JSON.stringify(request))), request);
  assert.ok(await verifyMessage({ address: key.deviceId, message: registrationMessage(key.deviceId, 1), signature: request.proof }));
  assert.equal(await privateKeyToAccount(key.privateKey).signMessage({ message: registrationMessage(key.deviceId, 1) }), request.proof);

  const other = generateDeviceKey();
  const cases: Array<[unknown, RegExp]> = [
    [{ ...request, classId: 2 }, /not signed by the device key/],
    [{ ...request, publicKey: other.publicKey }, /does not belong to publicKey/],
    [{ ...request, deviceId: other.deviceId }, /does not belong to publicKey/],
    [{ ...request, deviceId: other.deviceId, publicKey: other.publicKey }, /not signed by the device key/],
    [{ ...request, publicKey: `0x${'11'.repeat(64)}` }, /not a point/],
    [{ ...request, proof: '0x1234' }, /proof/],
    [{ ...request, classId: 70000 }, /uint16/],
    ['nope', /JSON object/],
  ];
  for (const [input, reason] of cases) {
    assert.throws(
      () => verifyRegistrationRequest(input),
      (e: unknown) => e instanceof InvalidRegistrationRequestError && reason.test(e.reason),
    );
  }
});

test('signReading: the JSON the gateway takes, and viem verifies it with the protocol types', async () => {
  const key = generateDeviceKey();
  const payload = encodeMetrics([123, 245, 402, 611, 1875, 6420]);
  const reading = signReading({ key, domain, sequence: 42n, timestamp: 1_700_000_000, payload });
  assert.deepEqual(Object.keys(reading), ['device', 'sequence', 'timestamp', 'payload', 'signature']);
  assert.equal(reading.sequence, '42');
  assert.equal(reading.timestamp, 1_700_000_000);
  assert.match(reading.signature, /^0x[0-9a-f]{128}(1b|1c)$/);
  const message = { device: key.deviceId, sequence: 42n, timestamp: 1_700_000_000n, payload };
  assert.ok(
    await verifyTypedData({
      address: key.deviceId,
      domain: viemDomain,
      types: readingTypes,
      primaryType: 'Reading',
      message,
      signature: reading.signature,
    }),
  );
  assert.equal(
    await recoverTypedDataAddress({
      domain: viemDomain,
      types: readingTypes,
      primaryType: 'Reading',
      message,
      signature: reading.signature,
    }),
    key.deviceId,
  );
  // viem's own signer (noble, RFC 6979) produces the very same bytes.
  assert.equal(
    await privateKeyToAccount(key.privateKey).signTypedData({ domain: viemDomain, types: readingTypes, primaryType: 'Reading', message }),
    reading.signature,
  );
  assert.equal(recoverReadingSigner(reading, domain), key.deviceId);
  assert.notEqual(recoverReadingSigner(reading, { ...domain, chainId: 1 }), key.deviceId, 'worthless on another chain');
  assert.notEqual(recoverReadingSigner({ ...reading, sequence: '43' }, domain), key.deviceId);
});

test('signReading: always low s (EIP-2), many signatures', () => {
  const key = generateDeviceKey();
  for (let i = 1; i <= 200; i++) {
    const { signature } = signReading({ key, domain, sequence: i, timestamp: 1_700_000_000 + i, payload: encodeMetrics([i, -i]) });
    assert.ok(BigInt(splitSignature(signature).s) <= SECP256K1_HALF_N);
  }
});

test('signReading: refuses out-of-range fields', () => {
  const key = generateDeviceKey();
  assert.throws(() => signReading({ key, domain, sequence: 1n << 64n, timestamp: 1, payload: '0x' }), /uint64/);
  assert.throws(() => signReading({ key, domain, sequence: -1, timestamp: 1, payload: '0x' }), /uint64/);
  assert.throws(() => signReading({ key, domain, sequence: 1, timestamp: 1, payload: '0x123' as `0x${string}` }), /even-length/);
});
