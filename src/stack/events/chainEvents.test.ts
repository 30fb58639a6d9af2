import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedChain } from '../../chain/embeddedChain.js';
import { newTestDevice } from '../../gateway/testKit.js';
import { deployTestChain, startTestChain, type TestChain } from '../../testing/testChain.js';
import type { OperatorEvent } from './operatorEvent.js';
import { watchChainEvents } from './chainEvents.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waitFor = async (done: () => boolean, ms = 10_000) => {
  for (const deadline = Date.now() + ms; !done() && Date.now() < deadline; ) await sleep(50);
};
/** What a test compares: the event, its device and block, or where the chain went back. */
const summary = (event: OperatorEvent) =>
  event.event === 'chain_went_back'
    ? `back ${event.fromBlock}->${event.toBlock} undone ${event.undoneEvents}${event.deeperThanRemembered ? ' deeper' : ''}`
    : `${event.event} ${'device' in event ? event.device : ''} @${'block' in event ? event.block : ''}`;

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

  const rpc = (method: string, params: unknown[] = []) => chain.publicClient.request({ method, params } as never) as Promise<unknown>;
  const registered = async (count: number) => {
    const devices = Array.from({ length: count }, () => newTestDevice());
    for (const device of devices) await chain.registerDevice(device.publicKey64);
    return devices;
  };
  it('after a revert, tells the event of a block re-made at a height already told, and says once that the chain went back', async () => {
    const [d0, d1, d2, d3, d4] = await registered(5);
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
      await chain.suspendDevice(d0!.id, 'kept');
      const kept = Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
      await waitFor(() => told.length === 1);
      const snapshot = await rpc('evm_snapshot');
      for (const device of [d1, d2, d3]) await chain.suspendDevice(device!.id, 'undone');
      await waitFor(() => told.length === 4);
      assert.equal(told.length, 4, JSON.stringify(told));
      await rpc('evm_revert', [snapshot]);
      await chain.suspendDevice(d4!.id, 're-made');
      const remade = Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
      assert.equal(remade, kept + 1, 'the new transaction is in a re-made block, at a height already told');
      await waitFor(() => told.length >= 6, 5_000);
      await sleep(300); // a few more polls: nothing told twice
      assert.deepEqual(told.map(summary), [
        `device_suspended ${d0!.id} @${kept}`,
        `device_suspended ${d1!.id} @${kept + 1}`,
        `device_suspended ${d2!.id} @${kept + 2}`,
        `device_suspended ${d3!.id} @${kept + 3}`,
        `back ${kept + 3}->${kept} undone 3`,
        `device_suspended ${d4!.id} @${kept + 1}`,
      ]);
      const back = told[4]!;
      assert.equal(back.level, 'warn');
    } finally {
      await watcher.stop();
    }
  });

  it('with confirmations, a height re-made with other events: the new events told once, the going back said once', async () => {
    const [device] = await registered(1);
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
    const mine = async (blocks: number) => {
      for (let i = 0; i < blocks; i++) await rpc('evm_mine');
    };
    try {
      const snapshot = await rpc('evm_snapshot');
      await chain.suspendDevice(device!.id, 'first');
      const at = Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
      await mine(CONFIRMATIONS - 1);
      await waitFor(() => told.length === 1);
      assert.deepEqual(told.map(summary), [`device_suspended ${device!.id} @${at}`]);
      await rpc('evm_revert', [snapshot]);
      await chain.revokeDevice(device!.id, 'second');
      assert.equal(Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 })), at, 'the same height, re-made');
      await mine(CONFIRMATIONS - 1);
      await waitFor(() => told.length >= 3);
      await sleep(300);
      assert.deepEqual(told.map(summary), [
        `device_suspended ${device!.id} @${at}`,
        `back ${at}->${at - 1} undone 1`,
        `device_revoked ${device!.id} @${at}`,
      ]);
    } finally {
      await watcher.stop();
    }
  });

  it('a chain gone back below every told block it remembers says so, deeper than remembered, and tells again above the newest it forgot', async () => {
    const devices = await registered(3);
    const fromBlock = (await chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    const told: OperatorEvent[] = [];
    const watcher = watchChainEvents({
      publicClient: chain.publicClient,
      fleet: chain.fleetAddress,
      fromBlock,
      pollIntervalMs: 50,
      rememberedBlocks: 2,
      onEvent: (event) => told.push(event),
    });
    try {
      const snapshot = await rpc('evm_snapshot');
      for (const [i, device] of devices.entries()) {
        await chain.suspendDevice(device.id, 'gone');
        await waitFor(() => told.length === i + 1);
      }
      const top = Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
      await rpc('evm_revert', [snapshot]);
      await waitFor(() => told.length === 4);
      await sleep(300);
      // Blocks top−2 … top were told, one a poll; the last two are remembered: top−2 is the newest forgotten.
      assert.deepEqual(told.slice(3).map(summary), [`back ${top}->${top - 2} undone 2 deeper`]);
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

describe('watchChainEvents on an embedded Anvil killed (kill -9) and restored from its last save', { timeout: 120_000 }, () => {
  it('says the chain went back, and tells the event of a block re-made at a height already told', async () => {
    const chainDir = mkdtempSync(join(tmpdir(), 'pythia-chain-events-'));
    const messages: string[] = [];
    const embedded = await startEmbeddedChain({ chainDir, saveIntervalMs: 3_600_000, onProgress: (m) => messages.push(m) });
    const chain = await deployTestChain(embedded);
    try {
      const [lost, remade] = [newTestDevice(), newTestDevice()];
      for (const device of [lost, remade]) await chain.registerDevice(device.publicKey64);
      const saved = Number((await embedded.save()).number);
      const told: OperatorEvent[] = [];
      // As `pythia watch` on Anvil: final at the head (one confirmation); it cannot see the save.
      const watcher = watchChainEvents({
        publicClient: chain.publicClient,
        fleet: chain.fleetAddress,
        fromBlock: BigInt(saved + 1),
        pollIntervalMs: 50,
        onEvent: (event) => told.push(event),
        onError: () => {},
      });
      try {
        await chain.suspendDevice(lost.id, 'lost with the crash');
        await waitFor(() => told.length === 1);
        const killed = embedded.pid();
        process.kill(killed, 'SIGKILL');
        for (const deadline = Date.now() + 30_000; embedded.pid() === killed || !messages.some((m) => /restarting it/.test(m)); ) {
          assert.ok(Date.now() < deadline, `no restart: ${messages.join('\n')}`);
          await sleep(50);
        }
        for (const deadline = Date.now() + 30_000; ; await sleep(50)) {
          if ((await chain.publicClient.getBlockNumber({ cacheTime: 0 }).catch(() => -1n)) === BigInt(saved)) break;
          assert.ok(Date.now() < deadline, 'the restored chain answers at its saved block');
        }
        await chain.suspendDevice(remade.id, 're-made');
        await waitFor(() => told.length >= 3);
        await sleep(300);
        assert.deepEqual(told.map(summary), [
          `device_suspended ${lost.id} @${saved + 1}`,
          `back ${saved + 1}->${saved} undone 1`,
          `device_suspended ${remade.id} @${saved + 1}`,
        ]);
      } finally {
        await watcher.stop();
      }
    } finally {
      await chain.stop();
      rmSync(chainDir, { recursive: true, force: true });
    }
  });
});
