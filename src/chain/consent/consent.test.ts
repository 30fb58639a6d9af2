import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Address, LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { deviceOwnershipAbi } from '../../contracts/abis.js';
import { buildConsentReceipt, parseConsentReceipt, receiptTermsHash, verifyConsentReceipt } from './receipt.js';
import { commandsToMask, streamsToMask } from '../../protocol/consentScope.js';
import { generateDeviceKey } from '../../sdk/generateDeviceKey.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { createChainClients, type ChainClients } from '../clients.js';
import { nativeAccount } from '../nativeAccount.js';
import { ContractRefusal } from '../sendContractTransaction.js';
import { checkConsent, grantConsent, listConsents, readConsent, revokeAllConsents, revokeConsent } from './index.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';

describe('consent chain module and receipts on a real chain', { timeout: 180_000 }, () => {
  let chain: TestChain;
  let clients: ChainClients;
  let registry: Address;
  let owner: LocalAccount;
  const recipient = nativeAccount(generatePrivateKey());
  const buyer = nativeAccount(generatePrivateKey());
  const devices = [generateDeviceKey(), generateDeviceKey()];
  const now = async () => (await chain.publicClient.getBlock()).timestamp;

  before(async () => {
    chain = await startTestChain();
    clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    owner = chain.operator; // registerDevice mints the token to the operator
    for (const d of devices) await chain.registerDevice(d.publicKey);
    await fundOnAnvil(chain.publicClient, buyer.address, '10');
    registry = chain.consentAddress;
  });
  after(async () => {
    await chain?.stop();
  });

  const write = () => ({ clients, account: owner, address: registry });

  it('grants, reads, lists and checks a consent', async () => {
    const expiry = (await now()) + 30n * 86_400n;
    const granted = await grantConsent({
      ...write(),
      recipient: recipient.address,
      devices: devices.map((d) => d.deviceId),
      streams: streamsToMask(['pm25', 'no2']),
      commands: commandsToMask(['identify']),
      purpose: 'air-quality research',
      expiry,
    });
    assert.equal(granted.consentId, 1n);
    const c = await readConsent({ publicClient: chain.publicClient, registry, consentId: 1n });
    assert.equal(c.owner, owner.address);
    assert.equal(c.recipient, recipient.address);
    assert.equal(c.purpose, 'air-quality research');
    assert.equal(c.status, 'live');
    assert.equal(c.expiry, expiry);
    assert.deepEqual(
      c.devices.map((d) => [d.device, d.epoch]),
      devices.map((d) => [d.deviceId, 1n]),
    );
    assert.equal(c.transactionHash, granted.hash);
    const byOwner = await listConsents({ publicClient: chain.publicClient, registry, owner: owner.address });
    assert.deepEqual(
      byOwner.map((r) => r.consentId),
      [1n],
    );
    const byRecipient = await listConsents({ publicClient: chain.publicClient, registry, recipient: recipient.address });
    assert.equal(byRecipient.length, 1);
    const check = (streams: number) =>
      checkConsent({
        publicClient: chain.publicClient,
        registry,
        consentId: 1n,
        device: devices[0]!.deviceId,
        recipient: recipient.address,
        streams,
      });
    assert.deepEqual(await check(0x5), { permitted: true, refusal: 'none' });
    assert.deepEqual(await check(0x2), { permitted: false, refusal: 'stream-not-covered' });
  });

  it('refuses a grant by a non-owner with the custom error, and changes nothing', async () => {
    await assert.rejects(
      grantConsent({
        clients,
        account: recipient,
        address: registry,
        recipient: buyer.address,
        devices: [devices[0]!.deviceId],
        streams: 1,
        commands: 0,
        purpose: 'x',
        expiry: (await now()) + 3600n,
      }),
      (e: unknown) => e instanceof ContractRefusal && e.errorName === 'NotDeviceOwner',
    );
    const all = await listConsents({ publicClient: chain.publicClient, registry, recipient: recipient.address });
    assert.equal(all.length, 1);
  });

  it('builds a receipt that verifies against the chain, and catches a tampered one', async () => {
    const c = await readConsent({ publicClient: chain.publicClient, registry, consentId: 1n });
    const receipt = buildConsentReceipt({ consent: c, chainId: chain.chainId, registry });
    assert.equal(receipt.version, 'KI-CR-v1.1.0');
    assert.equal(receipt.piiPrincipalId, owner.address);
    assert.equal(receipt.piiControllers[0]!.piiController, recipient.address);
    assert.deepEqual(receipt.pythia.streamNames, ['pm25', 'no2']);
    assert.deepEqual(receipt.pythia.commandNames, ['identify']);
    const roundTrip = parseConsentReceipt(JSON.parse(JSON.stringify(receipt)));
    assert.equal(receiptTermsHash(roundTrip), c.termsHash);
    const ok = await verifyConsentReceipt({ publicClient: chain.publicClient, receipt: roundTrip });
    assert.equal(ok.valid, true, ok.problems.join('; '));
    assert.equal(ok.status, 'live');

    const tampered = structuredClone(roundTrip);
    tampered.services[0]!.purposes[0]!.purpose = 'marketing';
    const bad = await verifyConsentReceipt({ publicClient: chain.publicClient, receipt: tampered });
    assert.equal(bad.valid, false);
    assert.match(bad.problems.join(' '), /altered/);
  });

  it('a transfer voids the consent for the device that changed hands', async () => {
    const device = devices[0]!.deviceId;
    const offer = await chain.walletClient(owner).writeContract({
      address: chain.ownershipAddress,
      abi: deviceOwnershipAbi,
      functionName: 'offerTransfer',
      args: [device, buyer.address],
    });
    await chain.publicClient.waitForTransactionReceipt({ hash: offer });
    const accept = await chain.walletClient(buyer).writeContract({
      address: chain.ownershipAddress,
      abi: deviceOwnershipAbi,
      functionName: 'acceptTransfer',
      args: [device],
    });
    await chain.publicClient.waitForTransactionReceipt({ hash: accept });
    const check = await checkConsent({
      publicClient: chain.publicClient,
      registry,
      consentId: 1n,
      device,
      recipient: recipient.address,
      streams: 1,
    });
    assert.deepEqual(check, { permitted: false, refusal: 'ownership-changed' });
    const c = await readConsent({ publicClient: chain.publicClient, registry, consentId: 1n });
    assert.equal(c.status, 'live', 'still live for the device kept');
    const receipt = buildConsentReceipt({ consent: c, chainId: chain.chainId, registry });
    const v = await verifyConsentReceipt({ publicClient: chain.publicClient, receipt });
    assert.deepEqual(v.ownershipChanged, [device]);
  });

  it('revokes one, then all of a recipient; a revoked receipt still verifies and says so', async () => {
    const expiry = (await now()) + 86_400n;
    const second = await grantConsent({
      ...write(),
      recipient: recipient.address,
      devices: [devices[1]!.deviceId],
      streams: 1,
      commands: 0,
      purpose: 'b',
      expiry,
    });
    const third = await grantConsent({
      ...write(),
      recipient: recipient.address,
      devices: [devices[1]!.deviceId],
      streams: 2,
      commands: 0,
      purpose: 'c',
      expiry,
    });
    await revokeConsent({ ...write(), consentId: second.consentId });
    await assert.rejects(
      revokeConsent({ ...write(), consentId: second.consentId }),
      (e: unknown) => e instanceof ContractRefusal && e.errorName === 'AlreadyRevoked',
    );
    const pages: bigint[] = [];
    const all = await revokeAllConsents({ ...write(), recipient: recipient.address, onPage: (p) => pages.push(p.remaining) });
    assert.deepEqual(all.revoked, [third.consentId, 1n], 'newest first');
    assert.deepEqual(pages, [0n], 'one page');
    const list = await listConsents({ publicClient: chain.publicClient, registry, owner: owner.address });
    assert.deepEqual(
      list.map((r) => r.status),
      ['revoked', 'revoked', 'revoked'],
    );
    const receipt = buildConsentReceipt({ consent: list[0]!, chainId: chain.chainId, registry });
    const v = await verifyConsentReceipt({ publicClient: chain.publicClient, receipt });
    assert.equal(v.valid, true);
    assert.equal(v.status, 'revoked');
    assert.ok(v.revokedAt);
  });
});
