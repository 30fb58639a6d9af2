import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, type Address } from 'viem';
import { deviceOwnershipAbi } from '../contracts/abis.js';
import { generateDeviceKey, ownerAcknowledgementDigest, signOwnerAcknowledgement, type DeviceKey } from '../sdk/index.js';
import { fundedAccount } from '../testing/fundedAccount.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { createChainClients, type ChainClients } from './clients.js';
import { assignClassManufacturer, provisionDevices, rotateDeviceKey } from './deviceIdentity.js';
import {
  acceptTransfer,
  acknowledgeOwner,
  cancelOffer,
  isOwnerOrManager,
  offerTransfer,
  readOwnership,
  setManager,
} from './deviceOwnership.js';
import { ContractRefusal } from './sendContractTransaction.js';

const CLASS_ID = 1;
type Funded = Awaited<ReturnType<typeof fundedAccount>>;

describe('device ownership on a real chain', { timeout: 120_000 }, () => {
  let chain: TestChain;
  let clients: ChainClients;
  let ownership: Address;
  let manufacturer: Funded;
  let alice: Funded;
  let bob: Funded;
  const read = () => ({ publicClient: clients.publicClient, ownership });
  const refusal = (name: string) => (error: unknown) => {
    assert.ok(error instanceof ContractRefusal, `expected ContractRefusal ${name}, got ${error}`);
    assert.equal(error.errorName, name);
    return true;
  };
  /** A device provisioned by the manufacturer (its first owner). */
  const newDevice = async (): Promise<DeviceKey> => {
    const key = generateDeviceKey();
    await provisionDevices({
      clients,
      account: manufacturer,
      address: chain.identityAddress,
      classId: CLASS_ID,
      publicKeys: [key.publicKey],
      manufacturerKey: manufacturer.privateKey,
    });
    return key;
  };
  const transfer = async (device: Address, from: Funded, to: Funded) => {
    await offerTransfer({ clients, account: from, address: ownership, device, to: to.address });
    await acceptTransfer({ clients, account: to, address: ownership, device });
  };

  before(async () => {
    chain = await startTestChain();
    clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    ownership = chain.ownershipAddress;
    manufacturer = await fundedAccount(clients.publicClient);
    alice = await fundedAccount(clients.publicClient);
    bob = await fundedAccount(clients.publicClient);
    await assignClassManufacturer({
      clients,
      account: chain.admin,
      identity: chain.identityAddress,
      timelock: chain.timelock,
      classId: CLASS_ID,
      manufacturer: manufacturer.address,
    });
  });
  after(async () => {
    await chain?.stop();
  });

  it('moves a device manufacturer → first owner → second owner by offer and accept, one epoch each', async () => {
    const { deviceId: device } = await newDevice();
    await offerTransfer({ clients, account: manufacturer, address: ownership, device, to: alice.address });
    const offered = await readOwnership(read(), device);
    assert.equal(offered.owner, manufacturer.address);
    assert.equal(offered.pendingOffer, alice.address);
    assert.equal(offered.epoch, 1n);

    await acceptTransfer({ clients, account: alice, address: ownership, device });
    const first = await readOwnership(read(), device);
    assert.deepEqual(
      { owner: first.owner, epoch: first.epoch, pendingOffer: first.pendingOffer },
      { owner: alice.address, epoch: 2n, pendingOffer: null },
    );
    await assert.rejects(acceptTransfer({ clients, account: alice, address: ownership, device }), refusal('NoPendingOffer'));

    await transfer(device, alice, bob);
    const second = await readOwnership(read(), device);
    assert.equal(second.owner, bob.address);
    assert.equal(second.epoch, 3n);
  });

  it('refuses transfers by non-owners, to the wrong party, of unknown devices, and double accepts', async () => {
    const { deviceId: device } = await newDevice();
    await assert.rejects(
      offerTransfer({ clients, account: alice, address: ownership, device, to: alice.address }),
      refusal('NotDeviceOwner'),
    );
    await assert.rejects(
      offerTransfer({ clients, account: manufacturer, address: ownership, device, to: manufacturer.address }),
      refusal('InvalidRecipient'),
    );
    const unknown = generateDeviceKey().deviceId;
    await assert.rejects(
      offerTransfer({ clients, account: manufacturer, address: ownership, device: unknown, to: alice.address }),
      refusal('UnknownDeviceToken'),
    );
    await assert.rejects(cancelOffer({ clients, account: manufacturer, address: ownership, device }), refusal('NoPendingOffer'));

    await offerTransfer({ clients, account: manufacturer, address: ownership, device, to: alice.address });
    await assert.rejects(acceptTransfer({ clients, account: bob, address: ownership, device }), refusal('NotOfferedTo'));
    await assert.rejects(cancelOffer({ clients, account: alice, address: ownership, device }), refusal('NotDeviceOwner'));
    await cancelOffer({ clients, account: manufacturer, address: ownership, device });
    await assert.rejects(acceptTransfer({ clients, account: alice, address: ownership, device }), refusal('NoPendingOffer'));

    await transfer(device, manufacturer, alice);
    await assert.rejects(acceptTransfer({ clients, account: alice, address: ownership, device }), refusal('NoPendingOffer'));
    const state = await readOwnership(read(), device);
    assert.equal(state.owner, alice.address);
    assert.equal(state.epoch, 2n, 'a refused accept changes nothing');
    // Plain ERC-721 transfers are disabled.
    await assert.rejects(
      // transferFrom is `pure` (it always reverts), so it is a read.
      clients.publicClient.readContract({
        address: ownership,
        abi: deviceOwnershipAbi,
        functionName: 'transferFrom',
        args: [alice.address, bob.address, BigInt(device)],
      }),
      /UseOfferAndAccept/,
    );
  });

  it('refuses to offer or accept a suspended or revoked device (theft resistance)', async () => {
    const { deviceId: suspended } = await newDevice();
    await offerTransfer({ clients, account: manufacturer, address: ownership, device: suspended, to: alice.address });
    await chain.suspendDevice(suspended, 'reported stolen');
    await assert.rejects(acceptTransfer({ clients, account: alice, address: ownership, device: suspended }), refusal('DeviceNotActive'));
    await assert.rejects(
      offerTransfer({ clients, account: manufacturer, address: ownership, device: suspended, to: bob.address }),
      (error: unknown) => refusal('DeviceNotActive')(error) && (error as ContractRefusal).errorArgs[1] === 2,
    );
    const { deviceId: revoked } = await newDevice();
    await chain.revokeDevice(revoked, 'banned');
    await assert.rejects(
      offerTransfer({ clients, account: manufacturer, address: ownership, device: revoked, to: alice.address }),
      (error: unknown) => refusal('DeviceNotActive')(error) && (error as ContractRefusal).errorArgs[1] === 3,
    );
    assert.equal((await readOwnership(read(), suspended)).owner, manufacturer.address);
  });

  it('voids manager delegations at a transfer: the new owner starts clean', async () => {
    const { deviceId: device } = await newDevice();
    await transfer(device, manufacturer, alice);
    const manager = await fundedAccount(clients.publicClient);
    await setManager({ clients, account: alice, address: ownership, device, manager: manager.address, allowed: true });
    assert.equal(await isOwnerOrManager(read(), device, manager.address), true);
    await assert.rejects(
      setManager({ clients, account: bob, address: ownership, device, manager: bob.address, allowed: true }),
      refusal('NotDeviceOwner'),
    );

    await transfer(device, alice, bob);
    assert.equal(await isOwnerOrManager(read(), device, manager.address), false, 'the delegation ended with the transfer');
    assert.equal(await isOwnerOrManager(read(), device, alice.address), false);
    assert.equal(await isOwnerOrManager(read(), device, bob.address), true);
  });

  it('signs the owner acknowledgement exactly as the contract expects; current epoch accepted, old one refused', async () => {
    const key = await newDevice();
    const device = key.deviceId;
    const chainId = chain.chainId;
    const onChain = await clients.publicClient.readContract({
      address: ownership,
      abi: deviceOwnershipAbi,
      functionName: 'ownerAcknowledgementDigest',
      args: [device, alice.address, 7n],
    });
    assert.equal(
      bytesToHex(ownerAcknowledgementDigest({ chainId, ownershipContract: ownership, device, owner: alice.address, epoch: 7 })),
      onChain,
    );

    const first = signOwnerAcknowledgement({ key, chainId, ownershipContract: ownership, owner: manufacturer.address, epoch: 1 });
    assert.equal(first.device, device);
    assert.equal(first.epoch, '1');
    await transfer(device, manufacturer, alice);
    // The acknowledgement of the previous owner's epoch is stale now.
    await assert.rejects(
      acknowledgeOwner({ clients, account: chain.relayer, address: ownership, device, epoch: 1, signature: first.signature }),
      refusal('WrongEpoch'),
    );
    // Signed by someone other than the device.
    const forged = signOwnerAcknowledgement({
      key: { privateKey: alice.privateKey, deviceId: device },
      chainId,
      ownershipContract: ownership,
      owner: alice.address,
      epoch: 2,
    });
    await assert.rejects(
      acknowledgeOwner({ clients, account: chain.relayer, address: ownership, device, epoch: 2, signature: forged.signature }),
      refusal('InvalidDeviceSignature'),
    );
    // Naming another owner than the current one does not verify either.
    const wrongOwner = signOwnerAcknowledgement({ key, chainId, ownershipContract: ownership, owner: bob.address, epoch: 2 });
    await assert.rejects(
      acknowledgeOwner({ clients, account: chain.relayer, address: ownership, device, epoch: 2, signature: wrongOwner.signature }),
      refusal('InvalidDeviceSignature'),
    );

    const current = signOwnerAcknowledgement({ key, chainId, ownershipContract: ownership, owner: alice.address, epoch: 2 });
    await acknowledgeOwner({ clients, account: chain.relayer, address: ownership, device, epoch: 2, signature: current.signature });
    const state = await readOwnership(read(), device);
    assert.equal(state.acknowledgedEpoch, 2n);
    assert.equal(state.acknowledged, true);
    await assert.rejects(
      acknowledgeOwner({ clients, account: chain.relayer, address: ownership, device, epoch: 2, signature: current.signature }),
      refusal('AlreadyAcknowledged'),
    );

    // After a key rotation the device acknowledges with its new key, under its unchanged id.
    const next = generateDeviceKey();
    await rotateDeviceKey({ clients, account: alice, address: chain.identityAddress, device, oldKey: key, newKey: next });
    await transfer(device, alice, bob);
    assert.equal((await readOwnership(read(), device)).acknowledged, false, 'a new owner is not acknowledged yet');
    const withOldKey = signOwnerAcknowledgement({ key, chainId, ownershipContract: ownership, owner: bob.address, epoch: 3 });
    await assert.rejects(
      acknowledgeOwner({ clients, account: chain.relayer, address: ownership, device, epoch: 3, signature: withOldKey.signature }),
      refusal('InvalidDeviceSignature'),
    );
    const withNewKey = signOwnerAcknowledgement({ key: next, device, chainId, ownershipContract: ownership, owner: bob.address, epoch: 3 });
    await acknowledgeOwner({ clients, account: chain.relayer, address: ownership, device, epoch: 3, signature: withNewKey.signature });
    assert.equal((await readOwnership(read(), device)).acknowledged, true);
  });
});
