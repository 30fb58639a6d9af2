import assert from 'node:assert/strict';
import { it } from 'node:test';
import { encodeAbiParameters, encodeEventTopics, keccak256, stringToHex, type Log } from 'viem';
import { policyRegistryAbi } from '../contracts/abis.js';
import { contractEvent, requireContractEvent } from './contractEvent.js';

const registry = '0x00000000000000000000000000000000000000aa';
const impostor = '0x00000000000000000000000000000000000000bb';
const transactionHash = keccak256(stringToHex('a transaction'));
const policyId = keccak256(stringToHex('a policy'));

/** A PolicyPublished log as the registry at `address` would emit it. */
function publishedLog(address: `0x${string}`): Log {
  const topics = encodeEventTopics({
    abi: policyRegistryAbi,
    eventName: 'PolicyPublished',
    args: { policyId, policyKey: policyId, publisher: registry },
  });
  const data = encodeAbiParameters(
    [{ type: 'uint32' }, { type: 'string' }, { type: 'bytes32' }, { type: 'string' }],
    [1, 'a policy', policyId, 'https://example.org/policy'],
  );
  return {
    address,
    topics: topics as Log['topics'],
    data,
    blockHash: null,
    blockNumber: null,
    logIndex: null,
    transactionHash: null,
    transactionIndex: null,
    removed: false,
  } as Log;
}

it('finds the event only in the logs of the contract asked for', () => {
  const found = contractEvent({ abi: policyRegistryAbi, address: registry, eventName: 'PolicyPublished', logs: [publishedLog(registry)] });
  assert.equal(found?.policyId, policyId);
  assert.equal(
    contractEvent({ abi: policyRegistryAbi, address: registry, eventName: 'PolicyPublished', logs: [publishedLog(impostor)] }),
    undefined,
  );
});

it('requireContractEvent returns the event, or says which transaction lacked which event from which contract', () => {
  const found = requireContractEvent({
    abi: policyRegistryAbi,
    address: registry,
    eventName: 'PolicyPublished',
    logs: [publishedLog(registry)],
    transactionHash,
  });
  assert.equal(found.policyId, policyId);
  assert.throws(
    () =>
      requireContractEvent({
        abi: policyRegistryAbi,
        address: registry,
        eventName: 'PolicyPublished',
        logs: [publishedLog(impostor)],
        transactionHash,
      }),
    new RegExp(`transaction ${transactionHash} emitted no PolicyPublished from ${registry}`),
  );
});
