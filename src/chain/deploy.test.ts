import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isAddressEqual, type Address, type Hex } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { deviceIdentityAbi, deviceOwnershipAbi, firmwareRegistryAbi, pythiaFleetAbi } from '../contracts/abis.js';
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
