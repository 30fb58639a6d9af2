import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newTestDevice } from '../../gateway/testKit.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import type { OperatorEvent } from './operatorEvent.js';
import { watchChainEvents } from './chainEvents.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchChainEvents on a real Anvil', { timeout: 120_000 }, () => {
  let chain: TestChain;
  before(async () => {
    chain = await startTestChain();
  });
  after(async () => {
    await chain?.stop();
  });

  it('tells a status change only once its block is final, and only once', async () => {
    const device = newTestDevice();
    await chain.registerDevice(device.publicKey64);
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    const CONFIRMATIONS = 3;
    const told: OperatorEvent[] = [];
    const watcher = watchChainEvents({
      publicClient: chain.publicClient,
      fleet: chain.fleetAddress,
      fromBlock,
      finalBlockAt: (head) => head - CONFIRMATIONS + 1,
      pollIntervalMs: 50,
      onEvent: (event) => told.push(event),
    });
    try {
      await chain.suspendDevice(device.id, 'looked wrong');
      const suspendedAt = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
      await sleep(600);
      assert.equal(told.length, 0, 'one confirmation of three: not told yet');
      for (let i = 1; i < CONFIRMATIONS; i++) await chain.publicClient.request({ method: 'evm_mine' } as never);
      for (const deadline = Date.now() + 10_000; told.length === 0 && Date.now() < deadline; ) await sleep(50);
      await sleep(300);
      assert.equal(told.length, 1, JSON.stringify(told));
      const event = told[0] as OperatorEvent & { block: number; reason: string };
      assert.equal(event.event, 'device_suspended');
      assert.equal(event.block, Number(suspendedAt));
      assert.equal(event.reason, 'looked wrong');
    } finally {
      await watcher.stop();
    }
  });

  it('tells at the head without a finality rule', async () => {
    const device = newTestDevice();
    await chain.registerDevice(device.publicKey64);
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    const told: OperatorEvent[] = [];
    const watcher = watchChainEvents({
      publicClient: chain.publicClient,
      fleet: chain.fleetAddress,
      fromBlock,
      pollIntervalMs: 50,
      onEvent: (event) => told.push(event),
    });
    try {
      await chain.revokeDevice(device.id, 'stolen');
      for (const deadline = Date.now() + 10_000; told.length === 0 && Date.now() < deadline; ) await sleep(50);
      assert.deepEqual(
        told.map((e) => e.event),
        ['device_revoked'],
      );
    } finally {
      await watcher.stop();
    }
  });
});
