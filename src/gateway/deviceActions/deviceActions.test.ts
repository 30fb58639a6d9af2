import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import secp256k1 from 'secp256k1';
import { encodeFunctionData, hexToBytes, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { deviceOwnershipAbi, firmwareRegistryAbi, pythiaFleetAbi } from '../../contracts/abis.js';
import { SECP256K1_N } from '../../protocol/signature.js';
import {
  acknowledgeOwner,
  createQuestionSequence,
  GatewayRejection,
  generateDeviceKey,
  parseProvisioningBundle,
  sendFirmwareReport,
  signFirmwareReport,
  type DeviceKey,
} from '../../sdk/index.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { startTestGateway } from '../../testing/testGateway.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';
import { createChainClients } from '../../chain/clients.js';
import { acceptTransfer, offerTransfer } from '../../chain/deviceOwnership.js';

/** Device actions (owner acknowledgements) through a real gateway, relayer and Anvil. */
let chain: TestChain;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const pythiaKey = generatePrivateKey();

const post = (device: string, body: unknown, url = gateway.url) =>
  fetch(`${url}/v1/devices/${device}/owner-acknowledgements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** A registered device, transferred from the operator to a fresh owner: ownership epoch 2, unacknowledged. */
async function transferredDevice(): Promise<{ key: DeviceKey; owner: LocalAccount }> {
  const key = generateDeviceKey();
  await chain.registerDevice(key.publicKey);
  const owner = privateKeyToAccount(generatePrivateKey());
  await fundOnAnvil(chain.publicClient, owner.address, '1');
  const clients = createChainClients(chain);
  await offerTransfer({ clients, account: chain.operator, address: chain.ownershipAddress, device: key.deviceId, to: owner.address });
  await acceptTransfer({ clients, account: owner, address: chain.ownershipAddress, device: key.deviceId });
  return { key, owner };
}

async function acknowledgement(key: DeviceKey, owner: string, epoch: bigint, { highS = false } = {}): Promise<Hex> {
  const digest = await chain.publicClient.readContract({
    address: chain.ownershipAddress,
    abi: deviceOwnershipAbi,
    functionName: 'ownerAcknowledgementDigest',
    args: [key.deviceId, owner as Hex, epoch],
  });
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(digest), hexToBytes(key.privateKey));
  let s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`);
  let v = 27 + recid;
  if (highS) {
    s = SECP256K1_N - s;
    v = v === 27 ? 28 : 27;
  }
  return `0x${Buffer.from(signature.subarray(0, 32)).toString('hex')}${s.toString(16).padStart(64, '0')}${v.toString(16)}`;
}

async function settled(id: number) {
  for (let i = 0; i < 100; i++) {
    const action = (await (await fetch(`${gateway.url}/v1/device-actions/${id}`)).json()) as {
      status: string;
      error: string | null;
      txHash: string | null;
      blockNumber: number | null;
    };
    if (action.status !== 'pending') return action;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`action ${id} still pending`);
}

before(async () => {
  chain = await startTestChain();
  gateway = await startTestGateway(chain, { answerSigner: { privateKey: pythiaKey }, answerBlockTtlMs: 0 });
});

after(async () => {
  await gateway?.close();
  await chain?.stop();
});

describe('POST /v1/devices/{id}/owner-acknowledgements', () => {
  it('relays a device-signed acknowledgement of its new owner; the chain records it; a second one is refused', async () => {
    const { key, owner } = await transferredDevice();
    const body = { epoch: 2, signature: await acknowledgement(key, owner.address, 2n) };
    const response = await post(key.deviceId, body);
    assert.equal(response.status, 202, await response.clone().text());
    const action = (await response.json()) as { id: number; status: string; kind: string };
    assert.equal(action.kind, 'owner_acknowledgement');
    const done = await settled(action.id);
    assert.equal(done.status, 'done');
    assert.match(done.txHash ?? '', /^0x[0-9a-f]{64}$/);
    const onChain = await chain.publicClient.readContract({
      address: chain.ownershipAddress,
      abi: deviceOwnershipAbi,
      functionName: 'acknowledgedEpoch',
      args: [key.deviceId],
    });
    assert.equal(onChain, 2n);
    const again = await post(key.deviceId, body);
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: string }).error, 'already_acknowledged');
  });

  it('SDK acknowledgeOwner: the device learns its new owner from a signed answer, acknowledges once, then is up to date', async () => {
    const { key, owner } = await transferredDevice();
    const pythia = privateKeyToAccount(pythiaKey);
    const bundle = parseProvisioningBundle({
      version: 1,
      chainId: chain.chainId,
      contracts: { fleet: chain.fleetAddress, deviceOwnership: chain.ownershipAddress },
      pythiaKeys: [{ address: pythia.address, publicKey: pythia.publicKey, attested: false }],
      attestationPolicy: { requireAttested: false },
      freshness: { maxAgeSeconds: 60, maxAgeBlocks: 50 },
      gatewayUrls: [gateway.url],
    });
    const questions = createQuestionSequence();
    const first = await acknowledgeOwner({ key, bundle, sequence: questions });
    assert.equal(first.outcome, 'sent');
    assert.equal(first.owner, owner.address);
    assert.equal(first.epoch, 2n);
    assert.equal((await settled(first.actionId!)).status, 'done');
    const second = await acknowledgeOwner({ key, bundle, sequence: questions });
    assert.deepEqual(second, { owner: owner.address, epoch: 2n, outcome: 'up_to_date' });
    await assert.rejects(
      acknowledgeOwner({ key, bundle: { ...bundle, contracts: { fleet: chain.fleetAddress } }, sequence: questions }),
      /no deviceOwnership/,
    );
  });

  it('refuses, with nothing stored or sent: a stale epoch, another key, high s, bad bodies, unknown devices', async () => {
    const { key, owner } = await transferredDevice();
    const expect = async (response: Response, status: number, reason: string) => {
      assert.equal(response.status, status, await response.clone().text());
      assert.equal(((await response.json()) as { error: string }).error, reason);
    };
    await expect(await post(key.deviceId, { epoch: 1, signature: await acknowledgement(key, owner.address, 1n) }), 409, 'stale_epoch');
    const stranger = generateDeviceKey();
    await expect(
      await post(key.deviceId, { epoch: 2, signature: await acknowledgement(stranger, owner.address, 2n) }),
      401,
      'bad_signature',
    );
    await expect(
      await post(key.deviceId, { epoch: 2, signature: await acknowledgement(key, chain.operator.address, 2n) }),
      401,
      'bad_signature',
    );
    await expect(
      await post(key.deviceId, { epoch: 2, signature: await acknowledgement(key, owner.address, 2n, { highS: true }) }),
      400,
      'high_s_signature',
    );
    await expect(await post(key.deviceId, { epoch: 2, signature: '0x1234' }), 400, 'bad_signature_format');
    await expect(await post(key.deviceId, { epoch: 0, signature: '0x' }), 400, 'invalid_body');
    await expect(await post(key.deviceId, { epoch: 2 }), 400, 'invalid_body');
    await expect(await post('0x1234', { epoch: 2, signature: await acknowledgement(key, owner.address, 2n) }), 400, 'invalid_request');
    await expect(
      await post(stranger.deviceId, { epoch: 2, signature: await acknowledgement(stranger, owner.address, 2n) }),
      403,
      'unknown_device',
    );
    await expect(await fetch(`${gateway.url}/v1/device-actions/999999`), 404, 'unknown_action');
    const epoch = await chain.publicClient.readContract({
      address: chain.ownershipAddress,
      abi: deviceOwnershipAbi,
      functionName: 'acknowledgedEpoch',
      args: [key.deviceId],
    });
    assert.equal(epoch, 0n, 'nothing reached the chain');
  });

  it('marks an action the chain refuses as failed with the contract error, and keeps relaying', async () => {
    const { key, owner } = await transferredDevice();
    // Stored as if accepted, then made stale: the relayer's gas estimate meets the refusal.
    const stale = gateway.app.pythia.queue.enqueueAction({
      device: key.deviceId,
      kind: 'owner_acknowledgement',
      target: chain.ownershipAddress,
      calldata: encodeFunctionData({
        abi: deviceOwnershipAbi,
        functionName: 'acknowledgeOwner',
        args: [key.deviceId, 1n, await acknowledgement(key, owner.address, 1n)],
      }),
      dedupeKey: `test:${key.deviceId}:1`,
    });
    gateway.app.pythia.relayer.notify();
    const failed = await settled(stale.action.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /^WrongEpoch\(/);

    const good = await post(key.deviceId, { epoch: 2, signature: await acknowledgement(key, owner.address, 2n) });
    assert.equal(good.status, 202);
    assert.equal((await settled(((await good.json()) as { id: number }).id)).status, 'done');
  });
});

describe('POST /v1/devices/{id}/firmware-reports', () => {
  const report = (key: DeviceKey, nonce: number, digest: Hex = `0x${'ab'.repeat(32)}`) => {
    const signed = signFirmwareReport({ key, chainId: chain.chainId, registry: chain.firmwareAddress, sequence: 5, digest, nonce });
    return { sequence: 5, digest, nonce, signature: signed.signature };
  };
  const postReport = (device: string, body: unknown) =>
    fetch(`${gateway.url}/v1/devices/${device}/firmware-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('relays a report of an unknown build: on chain it is the evidence that flags the device; a replayed nonce is refused', async () => {
    const key = generateDeviceKey();
    await chain.registerDevice(key.publicKey);
    const response = await postReport(key.deviceId, report(key, 1));
    assert.equal(response.status, 202, await response.clone().text());
    const action = (await response.json()) as { id: number; kind: string };
    assert.equal(action.kind, 'firmware_report');
    assert.equal((await settled(action.id)).status, 'done');
    const [, lastNonce] = await chain.publicClient.readContract({
      address: chain.firmwareAddress,
      abi: firmwareRegistryAbi,
      functionName: 'installedFirmware',
      args: [key.deviceId],
    });
    assert.equal(lastNonce, 1n);
    const device = await chain.publicClient.readContract({
      address: chain.fleetAddress,
      abi: pythiaFleetAbi,
      functionName: 'getDevice',
      args: [key.deviceId],
    });
    assert.equal(device.flags, 1, 'the unknown build flagged the device');

    const replayed = await postReport(key.deviceId, report(key, 1));
    assert.equal(replayed.status, 409);
    assert.equal(((await replayed.json()) as { error: string }).error, 'replayed_nonce');
  });

  it('SDK sendFirmwareReport: signs and hands the report to the gateway; a replayed nonce is a GatewayRejection', async () => {
    const key = generateDeviceKey();
    await chain.registerDevice(key.publicKey);
    const pythia = privateKeyToAccount(pythiaKey);
    const bundle = parseProvisioningBundle({
      version: 1,
      chainId: chain.chainId,
      contracts: { fleet: chain.fleetAddress, firmwareRegistry: chain.firmwareAddress },
      pythiaKeys: [{ address: pythia.address, publicKey: pythia.publicKey, attested: false }],
      attestationPolicy: { requireAttested: false },
      freshness: { maxAgeSeconds: 60, maxAgeBlocks: 50 },
      gatewayUrls: [gateway.url],
    });
    const digest: Hex = `0x${'cd'.repeat(32)}`;
    const { actionId } = await sendFirmwareReport({ key, bundle, sequence: 3, digest, nonce: 1 });
    assert.equal((await settled(actionId)).status, 'done');
    await assert.rejects(
      sendFirmwareReport({ key, bundle, sequence: 3, digest, nonce: 1 }),
      (error: unknown) => error instanceof GatewayRejection && error.reason === 'replayed_nonce',
    );
  });

  it('refuses a report signed by another key or malformed, before anything is stored', async () => {
    const key = generateDeviceKey();
    await chain.registerDevice(key.publicKey);
    const other = generateDeviceKey();
    const forged = await postReport(key.deviceId, report(other, 1));
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { error: string }).error, 'bad_signature');
    const bad = await postReport(key.deviceId, { ...report(key, 1), digest: '0x1234' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_body');
    const unknown = await postReport(other.deviceId, report(other, 1));
    assert.equal(unknown.status, 403);
  });
});
