import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AbiFunctionNotFoundError, BaseError } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { generateDeviceKey } from '../sdk/index.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { createChainClients } from './clients.js';
import { contractEvent } from './contractEvent.js';
import { ContractRefusal, sendContractTransaction, type WriteContext } from './sendContractTransaction.js';

describe('sendContractTransaction', { timeout: 60_000 }, () => {
  let chain: TestChain;
  let context: WriteContext;
  before(async () => {
    chain = await startTestChain();
    context = { clients: createChainClients(chain), account: chain.operator, address: chain.fleetAddress };
  });
  after(async () => chain?.stop());

  it('sends a call checked against the ABI and returns the receipt logs, typed for contractEvent', async () => {
    const key = generateDeviceKey();
    const sent = await sendContractTransaction({
      ...context,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [key.publicKey, 1],
    });
    const registered = contractEvent({ abi: pythiaFleetAbi, address: chain.fleetAddress, eventName: 'DeviceRegistered', logs: sent.logs });
    assert.equal(registered?.device, key.deviceId);
    assert.equal(registered?.classId, 1);
  });

  it("turns a refusal into the contract's custom error, before anything is sent", async () => {
    const unknown = generateDeviceKey().deviceId;
    const nonce = await chain.publicClient.getTransactionCount({ address: chain.operator.address });
    await assert.rejects(
      sendContractTransaction({ ...context, abi: pythiaFleetAbi, functionName: 'suspendDevice', args: [unknown, 'test'] }),
      (e: unknown) => e instanceof ContractRefusal && e.errorName === 'UnknownDevice',
    );
    assert.equal(await chain.publicClient.getTransactionCount({ address: chain.operator.address }), nonce, 'nothing was sent');
  });

  it('does not compile a misspelt function, wrong argument types or a view function (viem refuses the first two at run time too)', async () => {
    const device = generateDeviceKey().deviceId;
    await assert.rejects(
      // @ts-expect-error: the fleet has no function suspendDevise
      sendContractTransaction({ ...context, abi: pythiaFleetAbi, functionName: 'suspendDevise', args: [device, 'test'] }),
      (e: unknown) => e instanceof BaseError && e.walk((inner) => inner instanceof AbiFunctionNotFoundError) !== null,
    );
    await assert.rejects(
      // @ts-expect-error: suspendDevice takes (address, string), not (address, number)
      sendContractTransaction({ ...context, abi: pythiaFleetAbi, functionName: 'suspendDevice', args: [device, 42] }),
    );
    // Only tsc stands in the way of this one: a view can be sent as a transaction, to no purpose. Never run.
    const viewAsTransaction = () =>
      // @ts-expect-error: getDevice is a view: no transaction calls it
      sendContractTransaction({ ...context, abi: pythiaFleetAbi, functionName: 'getDevice', args: [device] });
    assert.equal(typeof viewAsTransaction, 'function');
  });
});
