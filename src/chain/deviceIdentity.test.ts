import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, getAddress, parseEventLogs, type Address, type Hex } from 'viem';
import { pythiaFleetAbi, deviceIdentityAbi } from '../contracts/abis.js';
import { encodeMetrics } from '../protocol/payload.js';
import { splitSignature, toCompact } from '../protocol/signature.js';
import {
  deviceProvenanceDigest,
  generateDeviceKey,
  keyRotationDigest,
  signDeviceProvenance,
  signReading,
  type DeviceKey,
} from '../sdk/index.js';
import { fundedAccount } from '../testing/fundedAccount.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { createChainClients, type ChainClients } from './clients.js';
import {
  assignClassManufacturer,
  provisionDevices,
  readClassManufacturer,
  readKeyRotations,
  revokeCompromisedKey,
  rotateDeviceKey,
  setDefaultServiceEndpoint,
  setServiceEndpoint,
} from './deviceIdentity.js';
import { readOwnership } from './deviceOwnership.js';
import { parseDeviceDid, resolveDid, UnknownDeviceDidError } from './resolveDid.js';
import { ContractRefusal } from './sendContractTransaction.js';

const CLASS_ID = 1;

describe('device identity on a real chain', { timeout: 120_000 }, () => {
  let chain: TestChain;
  let clients: ChainClients;
  let identity: Address;
  let manufacturer: Awaited<ReturnType<typeof fundedAccount>>;
  const read = () => ({ publicClient: clients.publicClient, identity });
  const refusal = (name: string) => (error: unknown) => {
    assert.ok(error instanceof ContractRefusal, `expected ContractRefusal ${name}, got ${error}`);
    assert.equal(error.errorName, name);
    return true;
  };
  const provision = async (keys: DeviceKey[]) =>
    provisionDevices({
      clients,
      account: manufacturer,
      address: identity,
      classId: CLASS_ID,
      publicKeys: keys.map((k) => k.publicKey),
      manufacturerKey: manufacturer.privateKey,
    });

  before(async () => {
    chain = await startTestChain();
    clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    identity = chain.identityAddress;
    manufacturer = await fundedAccount(clients.publicClient);
    await assignClassManufacturer({
      clients,
      account: chain.admin,
      identity,
      timelock: chain.timelock,
      classId: CLASS_ID,
      manufacturer: manufacturer.address,
    });
  });
  after(async () => {
    await chain?.stop();
  });

  it('computes the provenance and key-rotation digests exactly as the contract does', async () => {
    const key = generateDeviceKey();
    const next = generateDeviceKey();
    const onChain = await clients.publicClient.readContract({
      address: identity,
      abi: deviceIdentityAbi,
      functionName: 'provenanceDigest',
      args: [key.publicKey, CLASS_ID],
    });
    const local = deviceProvenanceDigest({
      chainId: chain.chainId,
      identityContract: identity,
      publicKey: key.publicKey,
      classId: CLASS_ID,
    });
    assert.equal(bytesToHex(local), onChain);
    // The 65-byte uncompressed form hashes the same 64 bytes.
    const sec1 = `0x04${key.publicKey.slice(2)}` as Hex;
    assert.equal(
      bytesToHex(deviceProvenanceDigest({ chainId: chain.chainId, identityContract: identity, publicKey: sec1, classId: CLASS_ID })),
      onChain,
    );

    await provision([key]);
    const rotationOnChain = await clients.publicClient.readContract({
      address: identity,
      abi: deviceIdentityAbi,
      functionName: 'keyRotationDigest',
      args: [key.deviceId, next.publicKey],
    });
    const rotationLocal = keyRotationDigest({
      chainId: chain.chainId,
      identityContract: identity,
      device: key.deviceId,
      newPublicKey: next.publicKey,
      nonce: 0,
    });
    assert.equal(bytesToHex(rotationLocal), rotationOnChain);
  });

  it('provisions devices in bulk under the manufacturer signature: the manufacturer is first owner, provenance recorded', async () => {
    assert.equal(await readClassManufacturer(read(), CLASS_ID), manufacturer.address);
    const keys = [generateDeviceKey(), generateDeviceKey(), generateDeviceKey()];
    const result = await provision(keys);
    assert.deepEqual(
      result.devices.map((d) => d.device),
      keys.map((k) => k.deviceId),
    );
    for (const [i, key] of keys.entries()) {
      const ownership = await readOwnership({ publicClient: clients.publicClient, ownership: chain.ownershipAddress }, key.deviceId);
      assert.equal(ownership.owner, manufacturer.address);
      assert.equal(ownership.epoch, 1n);
      const [provenanceManufacturer, signature] = await clients.publicClient.readContract({
        address: identity,
        abi: deviceIdentityAbi,
        functionName: 'provenanceOf',
        args: [key.deviceId],
      });
      assert.equal(provenanceManufacturer, manufacturer.address);
      assert.equal(signature, result.devices[i]!.signature);
    }
  });

  it('refuses a forged provenance signature (another key than the class manufacturer), all or nothing', async () => {
    const forger = await fundedAccount(clients.publicClient);
    const good = generateDeviceKey();
    const forged = generateDeviceKey();
    const signature = (privateKey: Hex, publicKey: Hex) =>
      signDeviceProvenance({
        manufacturerKey: privateKey,
        chainId: chain.chainId,
        identityContract: identity,
        publicKey,
        classId: CLASS_ID,
      });
    await assert.rejects(
      provisionDevices({
        clients,
        account: forger,
        address: identity,
        classId: CLASS_ID,
        publicKeys: [good.publicKey, forged.publicKey],
        signatures: [signature(manufacturer.privateKey, good.publicKey), signature(forger.privateKey, forged.publicKey)],
      }),
      (error: unknown) => refusal('InvalidProvenanceSignature')(error) && (error as ContractRefusal).errorArgs[0] === 1n,
    );
    // A signature for another class does not carry over either.
    await assert.rejects(
      provisionDevices({
        clients,
        account: forger,
        address: identity,
        classId: 2,
        publicKeys: [good.publicKey],
        signatures: [signature(manufacturer.privateKey, good.publicKey)],
      }),
      refusal('NoClassManufacturer'),
    );
    const view = await clients.publicClient.readContract({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      functionName: 'getDevice',
      args: [good.deviceId],
    });
    assert.equal(Number(view.status), 0, 'nothing was registered');
  });

  it('resolves the DID document: id, controller, keys, service, provenance and ownership metadata', async () => {
    const key = generateDeviceKey();
    await provision([key]);
    await setDefaultServiceEndpoint({ clients, account: chain.operator, address: identity, endpoint: 'https://pythia.example/' });
    const resolved = await resolveDid({ ...read(), fleet: chain.fleetAddress }, key.deviceId);
    const { didDocument: doc, didDocumentMetadata: meta } = resolved;
    const did = `did:pythia:${chain.chainId}:${key.deviceId}`;
    assert.equal(doc.id, did);
    assert.deepEqual(parseDeviceDid(did), { chainId: chain.chainId, device: key.deviceId });
    assert.equal(doc.controller, `did:pkh:eip155:${chain.chainId}:${manufacturer.address}`);
    assert.equal(doc.verificationMethod.length, 2);
    const [recovery, jwk] = doc.verificationMethod;
    assert.equal(recovery!.id, `${did}#key-0`);
    assert.equal(recovery!.type, 'EcdsaSecp256k1RecoveryMethod2020');
    assert.equal(
      recovery!.type === 'EcdsaSecp256k1RecoveryMethod2020' && recovery!.blockchainAccountId,
      `eip155:${chain.chainId}:${key.deviceId}`,
    );
    assert.equal(jwk!.type, 'JsonWebKey2020');
    if (jwk!.type === 'JsonWebKey2020') {
      const x = Buffer.from(jwk!.publicKeyJwk.x, 'base64url');
      const y = Buffer.from(jwk!.publicKeyJwk.y, 'base64url');
      assert.equal(`0x${x.toString('hex')}${y.toString('hex')}`, key.publicKey);
      assert.equal(jwk!.publicKeyJwk.crv, 'secp256k1');
    }
    assert.deepEqual(doc.authentication, [`${did}#key-0`, `${did}#key-0-jwk`]);
    assert.deepEqual(doc.assertionMethod, doc.authentication);
    assert.deepEqual(doc.service, [{ id: `${did}#pythia`, type: 'PythiaGateway', serviceEndpoint: 'https://pythia.example/' }]);
    assert.equal(meta.deactivated, false);
    assert.equal(meta.pythia.status, 'active');
    assert.equal(meta.pythia.classId, CLASS_ID);
    assert.equal(meta.pythia.manufacturer, manufacturer.address);
    assert.match(meta.pythia.provenanceSignature ?? '', /^0x[0-9a-f]{130}$/);
    assert.equal(meta.pythia.registrar, getAddress(identity), 'provisioned devices are registered by the identity contract');
    assert.equal(meta.pythia.ownershipEpoch, '1');
    assert.equal(meta.pythia.ownerAcknowledged, false);
    assert.equal(meta.pythia.keyRotations, '0');
    assert.deepEqual(meta.pythia.previousSigners, []);

    // The owner's own endpoint wins over the default.
    await setServiceEndpoint({
      clients,
      account: manufacturer,
      address: identity,
      device: key.deviceId,
      endpoint: 'https://factory.example/pythia',
    });
    const own = await resolveDid(read(), key.deviceId);
    assert.equal(own.didDocument.service?.[0]?.serviceEndpoint, 'https://factory.example/pythia');
    await assert.rejects(
      setServiceEndpoint({ clients, account: chain.operator, address: identity, device: key.deviceId, endpoint: 'https://x.example' }),
      refusal('NotDeviceOwner'),
    );

    // A device registered directly by the operator has no manufacturer provenance.
    const direct = generateDeviceKey();
    await chain.registerDevice(direct.publicKey);
    const directDid = await resolveDid({ ...read(), fleet: chain.fleetAddress }, direct.deviceId);
    assert.equal(directDid.didDocumentMetadata.pythia.manufacturer, null);
    assert.equal(directDid.didDocumentMetadata.pythia.provenanceSignature, null);
    assert.equal(directDid.didDocumentMetadata.pythia.registrar, chain.operator.address);
    assert.equal(directDid.didDocument.controller, `did:pkh:eip155:${chain.chainId}:${chain.operator.address}`);

    await assert.rejects(resolveDid(read(), generateDeviceKey().deviceId), UnknownDeviceDidError);
  });

  it('rotates a key with both signatures: readings signed by the new key are accepted, by the old one skipped', async () => {
    const key = generateDeviceKey();
    const next = generateDeviceKey();
    const stranger = generateDeviceKey();
    await provision([key]);

    await assert.rejects(
      rotateDeviceKey({ clients, account: chain.operator, address: identity, device: key.deviceId, oldKey: key, newKey: next }),
      refusal('NotDeviceOwner'),
    );
    await assert.rejects(
      rotateDeviceKey({ clients, account: manufacturer, address: identity, device: key.deviceId, oldKey: stranger, newKey: next }),
      refusal('InvalidOldKeySignature'),
    );
    await assert.rejects(
      rotateDeviceKey({
        clients,
        account: manufacturer,
        address: identity,
        device: key.deviceId,
        oldKey: key,
        newKey: { privateKey: stranger.privateKey, publicKey: next.publicKey },
      }),
      refusal('InvalidNewKeySignature'),
    );

    const rotated = await rotateDeviceKey({
      clients,
      account: manufacturer,
      address: identity,
      device: key.deviceId,
      oldKey: key,
      newKey: next,
    });
    assert.equal(rotated.nonce, 0n);
    assert.equal(await readKeyRotations(read(), key.deviceId), 1n);
    const signer = await clients.publicClient.readContract({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      functionName: 'deviceSigner',
      args: [key.deviceId],
    });
    assert.equal(signer, next.deviceId);

    const resolved = await resolveDid({ ...read(), fleet: chain.fleetAddress }, key.deviceId);
    assert.equal(resolved.didDocument.id, `did:pythia:${chain.chainId}:${key.deviceId}`, 'the DID stays');
    assert.equal(resolved.didDocument.verificationMethod[0]!.id.endsWith('#key-1'), true);
    assert.equal(resolved.didDocumentMetadata.pythia.signer, next.deviceId);
    assert.equal(resolved.didDocumentMetadata.pythia.publicKey, next.publicKey);
    assert.deepEqual(resolved.didDocumentMetadata.pythia.previousSigners, [key.deviceId]);

    const domain = { chainId: chain.chainId, verifyingContract: chain.fleetAddress };
    const now = Math.floor(Date.now() / 1000);
    const byNew = signReading({
      key: { privateKey: next.privateKey, deviceId: key.deviceId },
      domain,
      sequence: 1,
      timestamp: now,
      payload: encodeMetrics([120, 250, 300, 450, 2150, 5500]),
    });
    const byOld = signReading({ key, domain, sequence: 2, timestamp: now + 60, payload: encodeMetrics([120, 250, 300, 450, 2150, 5500]) });
    const batch = [byNew, byOld].map((r) => ({
      device: r.device,
      sequence: BigInt(r.sequence),
      timestamp: BigInt(r.timestamp),
      payload: r.payload,
      ...toCompact(splitSignature(r.signature)),
    }));
    const hash = await chain.walletClient(chain.relayer).writeContract({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      functionName: 'submitReadings',
      args: [batch],
    });
    const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
    const accepted = parseEventLogs({ abi: pythiaFleetAbi, logs: receipt.logs, eventName: 'ReadingAccepted' });
    const skipped = parseEventLogs({ abi: pythiaFleetAbi, logs: receipt.logs, eventName: 'ReadingSkipped' });
    assert.deepEqual(
      accepted.map((l) => l.args.sequence),
      [1n],
    );
    assert.deepEqual(
      skipped.map((l) => [l.args.sequence, l.args.reason]),
      [[2n, 0]],
      'the old key is BadSignature',
    );

    // The rotation nonce moved on: a replay of the same signatures is refused.
    await assert.rejects(
      rotateDeviceKey({
        clients,
        account: manufacturer,
        address: identity,
        device: key.deviceId,
        oldKey: key,
        newKey: generateDeviceKey(),
      }),
      refusal('InvalidOldKeySignature'),
    );
  });

  it('revokes a compromised key by the owner or an operator; the DID is deactivated', async () => {
    const [a, b] = [generateDeviceKey(), generateDeviceKey()];
    await provision([a, b]);
    const stranger = await fundedAccount(clients.publicClient);
    await assert.rejects(
      revokeCompromisedKey({ clients, account: stranger, address: identity, device: a.deviceId, reason: 'mine now' }),
      refusal('NotOwnerOrOperator'),
    );
    await assert.rejects(
      revokeCompromisedKey({ clients, account: manufacturer, address: identity, device: a.deviceId, reason: '' }),
      refusal('InvalidReason'),
    );
    await revokeCompromisedKey({ clients, account: manufacturer, address: identity, device: a.deviceId, reason: 'key leaked' });
    await revokeCompromisedKey({ clients, account: chain.operator, address: identity, device: b.deviceId, reason: 'key extracted' });
    for (const device of [a.deviceId, b.deviceId]) {
      const { didDocument, didDocumentMetadata } = await resolveDid(read(), device);
      assert.equal(didDocumentMetadata.deactivated, true);
      assert.equal(didDocumentMetadata.pythia.status, 'revoked');
      assert.deepEqual(didDocument.verificationMethod, []);
      assert.deepEqual(didDocument.authentication, []);
      assert.equal(didDocument.service, undefined);
    }
    await assert.rejects(
      revokeCompromisedKey({ clients, account: chain.operator, address: identity, device: a.deviceId, reason: 'again' }),
      (error: unknown) => error instanceof ContractRefusal,
    );
  });
});
