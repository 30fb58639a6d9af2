import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { gatewayFleetAbi } from '../contracts/gatewayFleetAbi.js';
import { newTestDevice } from '../gateway/testKit.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { type ChainReader, createCachedChainReader } from './cachedChainReader.js';

let chain: TestChain;
before(async () => {
  chain = await startTestChain();
});
after(async () => chain?.stop());

/** The real client, counting the calls that reach the node. */
function counting(client: ChainReader) {
  const calls = { getBlock: 0, readContract: 0 };
  const reader: ChainReader = {
    getBlock: (p) => {
      calls.getBlock++;
      return client.getBlock(p);
    },
    readContract: (p) => {
      calls.readContract++;
      return client.readContract(p);
    },
  };
  return { reader, calls };
}

it('reuses the latest block briefly and memoises reads pinned to a block, exactly', async () => {
  const device = newTestDevice();
  await chain.registerDevice(device.publicKey64);
  const { reader, calls } = counting(chain.publicClient);
  const cached = createCachedChainReader({ publicClient: reader, latestBlockTtlMs: 60_000 });
  const read = (blockNumber: bigint) =>
    cached.readContract({ address: chain.fleetAddress, abi: gatewayFleetAbi, functionName: 'getDevice', args: [device.id], blockNumber });

  const [a, b] = await Promise.all([cached.getBlock({ blockTag: 'latest' }), cached.getBlock({ blockTag: 'latest' })]);
  assert.equal(a.hash, b.hash);
  assert.equal(calls.getBlock, 1, 'one call for concurrent askers');
  const before = await Promise.all([read(a.number!), read(a.number!), read(a.number!)]);
  assert.equal(calls.readContract, 1, 'identical reads at one block share one call');
  assert.equal(before[0]!.status, 1);

  await chain.suspendDevice(device.id);
  const pinned = await read(a.number!);
  assert.equal(pinned.status, 1, 'a read pinned to the old block still says what that block said');
  assert.equal(calls.readContract, 1);
  const head = await chain.publicClient.getBlockNumber();
  assert.equal((await read(head)).status, 2, 'a read at the new block sees the suspension');
  assert.equal(calls.readContract, 2);
});

it('asks the node again once the latest block is older than its time to live', async () => {
  const { reader, calls } = counting(chain.publicClient);
  const cached = createCachedChainReader({ publicClient: reader, latestBlockTtlMs: 50 });
  await cached.getBlock({ blockTag: 'latest' });
  await new Promise((r) => setTimeout(r, 80));
  await cached.getBlock({ blockTag: 'latest' });
  assert.equal(calls.getBlock, 2);
});
