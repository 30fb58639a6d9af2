import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAddressEqual, type Address, type Hex } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import {
  deviceIdentityAbi,
  deviceOwnershipAbi,
  firmwareRegistryAbi,
  pythiaFleetAbi,
  pythiaRegistryAbi,
  pythiaTimelockAbi,
} from '../contracts/abis.js';
import { readOperation } from './timelock.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';

/** 64-byte X ‖ Y public key (without the 0x04 prefix) of a fresh key. */
const freshPublicKey = (): { publicKey: Hex; address: Address } => {
  const account = privateKeyToAccount(generatePrivateKey());
  return { publicKey: `0x${account.publicKey.slice(4)}` as Hex, address: account.address };
};

describe('deployPythia wires device identity and ownership', { timeout: 120_000 }, () => {
  let chain: TestChain;
  before(async () => {
    chain = await startTestChain();
  });
  after(async () => {
    await chain?.stop();
  });

  it('records both contracts and wires them to the fleet and the operator', async () => {
    const { publicClient, fleetAddress, identityAddress, ownershipAddress } = chain;
    assert.ok(identityAddress && ownershipAddress);
    assert.ok(
      isAddressEqual(
        await publicClient.readContract({ address: fleetAddress, abi: pythiaFleetAbi, functionName: 'deviceOwnership' }),
        ownershipAddress,
      ),
    );
    assert.ok(
      isAddressEqual(
        await publicClient.readContract({ address: ownershipAddress, abi: deviceOwnershipAbi, functionName: 'fleet' }),
        fleetAddress,
      ),
    );
    assert.ok(
      isAddressEqual(
        await publicClient.readContract({ address: identityAddress, abi: deviceIdentityAbi, functionName: 'fleet' }),
        fleetAddress,
      ),
    );
    assert.ok(
      isAddressEqual(
        await publicClient.readContract({ address: identityAddress, abi: deviceIdentityAbi, functionName: 'ownership' }),
        ownershipAddress,
      ),
    );
    for (const role of ['IDENTITY_ROLE', 'MANUFACTURER_ROLE'] as const) {
      const id = await publicClient.readContract({ address: fleetAddress, abi: pythiaFleetAbi, functionName: role });
      assert.equal(
        await publicClient.readContract({
          address: fleetAddress,
          abi: pythiaFleetAbi,
          functionName: 'hasRole',
          args: [id, identityAddress],
        }),
        true,
        role,
      );
    }
    const operatorRole = await publicClient.readContract({
      address: identityAddress,
      abi: deviceIdentityAbi,
      functionName: 'OPERATOR_ROLE',
    });
    assert.equal(
      await publicClient.readContract({
        address: identityAddress,
        abi: deviceIdentityAbi,
        functionName: 'hasRole',
        args: [operatorRole, chain.operator.address],
      }),
      true,
    );
  });

  it("deploys the firmware registry over them with the fleet's INSPECTOR_ROLE", async () => {
    const { publicClient, fleetAddress, identityAddress, ownershipAddress, firmwareAddress } = chain;
    assert.ok(firmwareAddress);
    assert.equal(chain.deployment.contracts.firmwareRegistry, firmwareAddress);
    assert.ok(
      isAddressEqual(
        await publicClient.readContract({ address: firmwareAddress, abi: firmwareRegistryAbi, functionName: 'fleet' }),
        fleetAddress,
      ),
    );
    assert.ok(
      isAddressEqual(
        await publicClient.readContract({ address: firmwareAddress, abi: firmwareRegistryAbi, functionName: 'ownership' }),
        ownershipAddress,
      ),
    );
    assert.ok(
      isAddressEqual(
        await publicClient.readContract({ address: firmwareAddress, abi: firmwareRegistryAbi, functionName: 'identity' }),
        identityAddress,
      ),
    );
    const inspector = await publicClient.readContract({ address: fleetAddress, abi: pythiaFleetAbi, functionName: 'INSPECTOR_ROLE' });
    assert.equal(
      await publicClient.readContract({
        address: fleetAddress,
        abi: pythiaFleetAbi,
        functionName: 'hasRole',
        args: [inspector, firmwareAddress],
      }),
      true,
    );
  });

  it('puts every role change behind the council timelock (no delay on a local chain) and binds the relayer to the Pythia key', async () => {
    const { publicClient, fleetAddress, identityAddress, timelock } = chain;
    const read = <T>(address: Address, abi: unknown, functionName: string, args: unknown[] = []) =>
      publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>;
    const admin = `0x${'00'.repeat(32)}` as Hex;
    assert.equal(
      await read<boolean>(fleetAddress, pythiaFleetAbi, 'hasRole', [admin, timelock]),
      true,
      'the timelock administers the fleet',
    );
    assert.equal(
      await read<boolean>(fleetAddress, pythiaFleetAbi, 'hasRole', [admin, chain.admin.address]),
      false,
      'the admin key does not',
    );
    assert.ok(isAddressEqual(await read<Address>(identityAddress, deviceIdentityAbi, 'defaultAdmin'), timelock));
    assert.equal(await read<bigint>(timelock, pythiaTimelockAbi, 'getMinDelay'), 0n, 'a local deployment: no delay');
    const proposer = await read<Hex>(timelock, pythiaTimelockAbi, 'PROPOSER_ROLE');
    assert.equal(
      await read<boolean>(timelock, pythiaTimelockAbi, 'hasRole', [proposer, chain.admin.address]),
      true,
      'the admin key proposes',
    );
    assert.equal(
      await read<boolean>(timelock, pythiaTimelockAbi, 'hasRole', [admin, chain.admin.address]),
      false,
      'nobody administers the timelock',
    );
    // every wiring step went through the timelock, executed
    const scheduled = await publicClient.getContractEvents({
      address: timelock,
      abi: pythiaTimelockAbi,
      eventName: 'CallScheduled',
      fromBlock: 0n,
    });
    assert.ok(scheduled.length >= 10, `${scheduled.length} calls scheduled`);
    const first = await readOperation({ publicClient, timelock, operationId: (scheduled[0]!.args as { id: Hex }).id });
    assert.equal(first.state, 'done');

    const registry = chain.deployment.contracts.pythiaRegistry!;
    assert.ok(isAddressEqual(await read<Address>(registry, pythiaRegistryAbi, 'relayerOf', [chain.pythia.address]), chain.relayer.address));
    assert.equal(await read<boolean>(registry, pythiaRegistryAbi, 'isTrustedRelayer', [chain.relayer.address]), true);
    assert.ok(isAddressEqual(await read<Address>(fleetAddress, pythiaFleetAbi, 'relayerTrust'), registry), 'the fleet asks the registry');
  });

  it('mints the token of an operator-registered device to the operator', async () => {
    const { publicKey, address } = freshPublicKey();
    await chain.registerDevice(publicKey);
    const owner = await chain.publicClient.readContract({
      address: chain.ownershipAddress,
      abi: deviceOwnershipAbi,
      functionName: 'ownerOfDevice',
      args: [address],
    });
    assert.equal(owner, chain.operator.address);
    const did = await chain.publicClient.readContract({
      address: chain.identityAddress,
      abi: deviceIdentityAbi,
      functionName: 'didDocument',
      args: [address],
    });
    assert.equal(did.controller, chain.operator.address);
    assert.equal(did.signer, address);
    assert.equal(did.manufacturer, '0x0000000000000000000000000000000000000000');
    assert.equal(did.ownershipEpoch, 1n);
  });
});
