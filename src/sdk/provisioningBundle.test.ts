import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateDeviceKey } from './generateDeviceKey.js';
import { cliqueTrustOf, parseProvisioningBundle, ProvisioningBundleError, trustedKeysOf } from './provisioningBundle.js';

const attestedKey = generateDeviceKey();
const plainKey = generateDeviceKey();
const revokedKey = generateDeviceKey();
const measurement = `0x${'33'.repeat(32)}`;
const good = () => ({
  version: 1,
  chainId: 20601,
  contracts: { fleet: '0x00000000000000000000000000000000000f1ee7' },
  pythiaKeys: [
    { address: attestedKey.deviceId, publicKey: attestedKey.publicKey, attested: true, measurement },
    { address: plainKey.deviceId, publicKey: plainKey.publicKey, attested: false },
    { address: revokedKey.deviceId, publicKey: revokedKey.publicKey, attested: true, measurement, revoked: true },
  ],
  attestationPolicy: { requireAttested: false },
  freshness: { maxAgeSeconds: 300, maxAgeBlocks: 100 },
  gatewayUrls: ['http://127.0.0.1:8780'],
});

describe('parseProvisioningBundle', () => {
  it('accepts a good bundle, as an object or as JSON text', () => {
    assert.equal(parseProvisioningBundle(good()).pythiaKeys.length, 3);
    assert.deepEqual(parseProvisioningBundle(JSON.stringify(good())), parseProvisioningBundle(good()));
  });

  const refusals: Array<[string, (b: ReturnType<typeof good>) => unknown, RegExp]> = [
    ['not JSON', () => '{', /is not JSON/],
    ['an array', () => [], /must be a JSON object/],
    ['an unknown field', (b) => ({ ...b, extra: 1 }), /extra is not a bundle field/],
    ['another version', (b) => ({ ...b, version: 2 }), /version must be 1/],
    ['a chain id of 0', (b) => ({ ...b, chainId: 0 }), /chainId must be an integer ≥ 1/],
    ['a bad fleet address', (b) => ({ ...b, contracts: { fleet: '0x12' } }), /contracts.fleet must be an address/],
    [
      'a bad ownership address',
      (b) => ({ ...b, contracts: { ...b.contracts, deviceOwnership: 'owner' } }),
      /contracts.deviceOwnership must be an address/,
    ],
    [
      'an unknown contract',
      (b) => ({ ...b, contracts: { ...b.contracts, consent: b.contracts.fleet } }),
      /contracts.consent is not a bundle field/,
    ],
    ['no Pythia keys', (b) => ({ ...b, pythiaKeys: [] }), /pythiaKeys must be a non-empty array/],
    [
      'a public key of another address',
      (b) => ({ ...b, pythiaKeys: [{ ...b.pythiaKeys[0], address: plainKey.deviceId }] }),
      /pythiaKeys\[0\].publicKey is not the key of/,
    ],
    ['a short public key', (b) => ({ ...b, pythiaKeys: [{ ...b.pythiaKeys[1], publicKey: '0x1234' }] }), /must be 64 or 65 bytes/],
    [
      'a measurement on an unattested key',
      (b) => ({ ...b, pythiaKeys: [{ ...b.pythiaKeys[1], measurement }] }),
      /is given for an unattested key/,
    ],
    ['attested not a boolean', (b) => ({ ...b, pythiaKeys: [{ ...b.pythiaKeys[1], attested: 'yes' }] }), /attested must be true or false/],
    ['a missing policy', (b) => ({ ...b, attestationPolicy: undefined }), /attestationPolicy must be an object/],
    [
      'a bad allowed measurement',
      (b) => ({ ...b, attestationPolicy: { requireAttested: true, allowedMeasurements: ['0x01'] } }),
      /must be 32 or 48 bytes/,
    ],
    ['a zero freshness bound', (b) => ({ ...b, freshness: { maxAgeSeconds: 0, maxAgeBlocks: 1 } }), /maxAgeSeconds must be an integer ≥ 1/],
    ['a non-http gateway', (b) => ({ ...b, gatewayUrls: ['mqtt://127.0.0.1'] }), /gatewayUrls\[0\] must be an http\(s\) URL/],
  ];
  for (const [name, mutate, message] of refusals) {
    it(`refuses ${name}, naming the field`, () => {
      assert.throws(
        () => parseProvisioningBundle(mutate(good())),
        (error: unknown) => error instanceof ProvisioningBundleError && message.test(error.message),
      );
    });
  }
});

describe('cliqueTrustOf', () => {
  it("a bundle naming the chain's Clique validators gives the genesis trust (checkpoint 0); without them, none", () => {
    const validators = [plainKey.deviceId, attestedKey.deviceId.toLowerCase()];
    const bundle = parseProvisioningBundle({ ...good(), clique: { epoch: 30000, validators } });
    assert.deepEqual(cliqueTrustOf(bundle), { validators: [plainKey.deviceId, attestedKey.deviceId], checkpoint: 0n, epoch: 30000n });
    assert.equal(cliqueTrustOf(parseProvisioningBundle(good())), undefined);
    assert.throws(
      () => parseProvisioningBundle({ ...good(), clique: { epoch: 8, validators: [plainKey.deviceId, plainKey.deviceId.toLowerCase()] } }),
      /clique.validators must not repeat a validator/,
    );
  });
});

describe('trustedKeysOf', () => {
  const addresses = (bundle: unknown) => trustedKeysOf(parseProvisioningBundle(bundle)).map((k) => (typeof k === 'string' ? k : k.address));

  it('never trusts a revoked key; trusts unattested keys only when the policy allows', () => {
    assert.deepEqual(addresses(good()), [attestedKey.deviceId, plainKey.deviceId]);
    assert.deepEqual(addresses({ ...good(), attestationPolicy: { requireAttested: true } }), [attestedKey.deviceId]);
  });

  it('with allowed measurements, trusts only attested keys running them', () => {
    assert.deepEqual(addresses({ ...good(), attestationPolicy: { requireAttested: true, allowedMeasurements: [measurement] } }), [
      attestedKey.deviceId,
    ]);
    assert.deepEqual(
      addresses({ ...good(), attestationPolicy: { requireAttested: true, allowedMeasurements: [`0x${'44'.repeat(32)}`] } }),
      [],
    );
  });
});
