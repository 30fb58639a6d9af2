import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, parseEther, type Address, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { answerQuestion } from '../../answers/answerQuestion.js';
import { firmwareApprovedQuestion } from '../../answers/questions/firmwareApproved.js';
import { localCoseSigner } from '../../answers/signCoseSign1.js';
import { deviceIdentityAbi, firmwareRegistryAbi } from '../../contracts/abis.js';
import { checkFirmwareImage } from '../../sdk/checkFirmwareImage.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { parseProvisioningBundle } from '../../sdk/provisioningBundle.js';
import { signFirmwareReport } from '../../sdk/signFirmwareReport.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { createChainClients, type ChainClients } from '../clients.js';
import { nativeAccount } from '../nativeAccount.js';
import { ContractRefusal } from '../sendContractTransaction.js';
import {
  approveRelease,
  fundUpdate,
  listReleases,
  manifestDigest,
  publishRelease,
  readFirmwareClass,
  readFirmwareState,
  releaseIdOf,
  reportFirmware,
  revokeRelease,
  rotateReleaseKeys,
  rotationTypedData,
  setReleaseKeys,
  setUpdatePolicy,
  signManifest,
  signRotation,
  withdrawCredits,
  type FirmwareManifest,
} from './index.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';

const AIR = 1;

describe('firmware chain module on a real chain', { timeout: 180_000 }, () => {
  let chain: TestChain;
  let manufacturer: LocalAccount;
  let keys: LocalAccount[];
  let write: (account: LocalAccount) => { clients: ChainClients; account: LocalAccount; address: Address };
  const device = generateDeviceKey();
  const image = new Uint8Array(randomBytes(2048));
  const imageDigest = bytesToHex(createHash('sha256').update(image).digest()) as Hex;

  const manifestOf = async (sequence: bigint, extra: Partial<FirmwareManifest> = {}): Promise<FirmwareManifest> => {
    const block = await chain.publicClient.getBlock();
    return {
      classId: AIR,
      sequence,
      digest: imageDigest,
      size: BigInt(image.length),
      location: `https://firmware.example/air/${sequence}.bin`,
      issuedAt: block.timestamp,
      ...extra,
    };
  };
  const sign = (manifest: FirmwareManifest, signers: LocalAccount[]) =>
    Promise.all(signers.map((key) => signManifest({ key, chainId: chain.chainId, registry: chain.firmwareAddress, manifest })));

  before(async () => {
    chain = await startTestChain();
    manufacturer = nativeAccount(generatePrivateKey());
    keys = [0, 1, 2].map(() => nativeAccount(generatePrivateKey()));
    await fundOnAnvil(chain.publicClient, manufacturer.address, '100');
    // The class manufacturer is assigned by the council's timelock (its delay is 0 on a test chain).
    await chain.govern(chain.identityAddress, deviceIdentityAbi, 'assignClassManufacturer', [AIR, manufacturer.address]);
    await chain.registerDevice(device.publicKey); // owned by the operator
    const clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    write = (account) => ({ clients, account, address: chain.firmwareAddress });
  });
  after(async () => {
    await chain?.stop();
  });

  it('hashes a manifest and a rotation exactly as the contract does', async () => {
    const manifest = await manifestOf(1n);
    const onChain = await chain.publicClient.readContract({
      address: chain.firmwareAddress,
      abi: firmwareRegistryAbi,
      functionName: 'manifestDigest',
      args: [manifest],
    });
    assert.equal(manifestDigest({ chainId: chain.chainId, registry: chain.firmwareAddress, manifest }), onChain);
    const rotation = { classId: AIR, version: 2n, keys: keys.map((k) => k.address), threshold: 2 };
    const rotationOnChain = await chain.publicClient.readContract({
      address: chain.firmwareAddress,
      abi: firmwareRegistryAbi,
      functionName: 'rotationDigest',
      args: [rotation.classId, rotation.version, rotation.keys, rotation.threshold],
    });
    const { hashTypedData } = await import('viem');
    assert.equal(hashTypedData(rotationTypedData({ chainId: chain.chainId, registry: chain.firmwareAddress, rotation })), rotationOnChain);
  });

  it('sets keys (manufacturer), publishes a TS-signed manifest in any signature order, refuses too few signatures', async () => {
    await assert.rejects(
      setReleaseKeys({ ...write(chain.operator), classId: AIR, keys: keys.map((k) => k.address), threshold: 2 }),
      (e: unknown) => e instanceof ContractRefusal && e.errorName === 'NotClassManufacturer',
    );
    await setReleaseKeys({ ...write(manufacturer), classId: AIR, keys: keys.map((k) => k.address), threshold: 2 });
    const manifest = await manifestOf(1n);
    await assert.rejects(
      publishRelease({ ...write(manufacturer), manifest, signatures: await sign(manifest, [keys[0]!]) }),
      (e: unknown) => e instanceof ContractRefusal && e.errorName === 'ThresholdNotMet',
    );
    // Given in descending signer order: publishRelease sorts them as the contract requires.
    const descending = [keys[2]!, keys[0]!].sort((a, b) => (BigInt(a.address) > BigInt(b.address) ? -1 : 1));
    const published = await publishRelease({ ...write(chain.relayer), manifest, signatures: await sign(manifest, descending) });
    assert.equal(published.releaseId, releaseIdOf(AIR, 1n));
    const klass = await readFirmwareClass({ publicClient: chain.publicClient, registry: chain.firmwareAddress, classId: AIR });
    assert.equal(klass.latestSequence, 1n);
    assert.equal(klass.threshold, 2);
  });

  it('rotates the keys with a threshold of the current keys', async () => {
    const next = [nativeAccount(generatePrivateKey()), nativeAccount(generatePrivateKey())];
    const rotation = { classId: AIR, version: 2n, keys: next.map((k) => k.address), threshold: 1 };
    const signatures = await Promise.all(
      [keys[1]!, keys[2]!].map((key) => signRotation({ key, chainId: chain.chainId, registry: chain.firmwareAddress, rotation })),
    );
    await rotateReleaseKeys({ ...write(chain.relayer), ...rotation, signatures });
    const klass = await readFirmwareClass({ publicClient: chain.publicClient, registry: chain.firmwareAddress, classId: AIR });
    assert.equal(klass.keysVersion, 2n);
    assert.deepEqual(klass.keys, rotation.keys);
    keys = next;
  });

  it('answers firmware_approved, which the device checks with its image; owner policy and approval change it', async () => {
    const manifest = await manifestOf(2n);
    const { releaseId } = await publishRelease({ ...write(manufacturer), manifest, signatures: await sign(manifest, [keys[0]!]) });
    const pythiaKey = generateDeviceKey();
    const bundle = parseProvisioningBundle({
      version: 1,
      chainId: chain.chainId,
      contracts: { fleet: chain.fleetAddress },
      pythiaKeys: [{ address: pythiaKey.deviceId, publicKey: pythiaKey.publicKey, attested: false }],
      attestationPolicy: { requireAttested: false },
      freshness: { maxAgeSeconds: 60, maxAgeBlocks: 100 },
      gatewayUrls: ['http://127.0.0.1:1'],
    });
    const ask = async () => {
      const challenge = new Uint8Array(randomBytes(8));
      const { answer, value } = await answerQuestion({
        publicClient: chain.publicClient,
        fleetAddress: chain.fleetAddress,
        contracts: { firmwareRegistry: chain.firmwareAddress },
        chainId: chain.chainId,
        signer: localCoseSigner(pythiaKey.privateKey),
        question: firmwareApprovedQuestion,
        params: { device: device.deviceId, classId: AIR, sequence: 2n },
        challenge,
      });
      return { answer, challenge, value };
    };
    const before = await ask();
    assert.deepEqual(before.value, {
      approved: false,
      reason: 'owner_approval_missing',
      sequence: 2n,
      digest: imageDigest,
      size: BigInt(image.length),
    });

    await approveRelease({ ...write(chain.operator), device: device.deviceId, releaseId });
    const asked = await ask();
    assert.equal((asked.value as { approved: boolean }).approved, true);
    const checked = await checkFirmwareImage({
      ...asked,
      bundle,
      device: device.deviceId,
      classId: AIR,
      runningSequence: 1n,
      release: { classId: AIR, sequence: 2n },
      image,
    });
    assert.equal(checked.sequence, 2n);

    await setUpdatePolicy({ ...write(chain.operator), device: device.deviceId, policy: 'automatic' });
    const state = await readFirmwareState({ publicClient: chain.publicClient, registry: chain.firmwareAddress, device: device.deviceId });
    assert.equal(state.policy, 'automatic');
  });

  it('records a device-signed install report (sdk signFirmwareReport) and releases a paid update', async () => {
    const releaseId = releaseIdOf(AIR, 2n);
    const block = await chain.publicClient.getBlock();
    const { escrowId } = await fundUpdate({
      ...write(chain.operator),
      device: device.deviceId,
      releaseId,
      value: parseEther('1'),
      deadline: block.timestamp + 86_400n,
    });
    assert.equal(escrowId, 1n);
    const report = signFirmwareReport({
      key: device,
      chainId: chain.chainId,
      registry: chain.firmwareAddress,
      sequence: 2n,
      digest: imageDigest,
      nonce: 1n,
    });
    const { verdict } = await reportFirmware({ ...write(chain.relayer), ...report });
    assert.equal(verdict, 'installed');
    const state = await readFirmwareState({ publicClient: chain.publicClient, registry: chain.firmwareAddress, device: device.deviceId });
    assert.equal(state.installedSequence, 2n);
    assert.equal(state.lastNonce, 1n);
    assert.deepEqual(state.openEscrows, []);
    const credit = await chain.publicClient.readContract({
      address: chain.firmwareAddress,
      abi: firmwareRegistryAbi,
      functionName: 'credits',
      args: [manufacturer.address],
    });
    assert.equal(credit, parseEther('1'));
    await withdrawCredits(write(manufacturer));
  });

  it('revokes a release; a report of it flags the device; listReleases shows both releases', async () => {
    const manifest = await manifestOf(3n, { digest: `0x${'33'.repeat(32)}` });
    const { releaseId } = await publishRelease({ ...write(manufacturer), manifest, signatures: await sign(manifest, [keys[1]!]) });
    await revokeRelease({ ...write(manufacturer), releaseId, reason: 'CVE-2026-0042' });
    const report = signFirmwareReport({
      key: device,
      chainId: chain.chainId,
      registry: chain.firmwareAddress,
      sequence: 3n,
      digest: manifest.digest,
      nonce: 2n,
    });
    assert.equal((await reportFirmware({ ...write(chain.relayer), ...report })).verdict, 'revoked_build');
    const releases = await listReleases({ publicClient: chain.publicClient, registry: chain.firmwareAddress, classId: AIR });
    assert.deepEqual(
      releases.map((r) => [r.sequence, r.revoked, r.revokedReason]),
      [
        [1n, false, null],
        [2n, false, null],
        [3n, true, 'CVE-2026-0042'],
      ],
    );
    assert.equal(releases[2]!.location, 'https://firmware.example/air/3.bin');
    assert.deepEqual(await listReleases({ publicClient: chain.publicClient, registry: chain.firmwareAddress, classId: 9 }), []);
  });
});
