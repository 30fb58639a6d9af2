import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, startAnvil, type StartAnvilReturnType } from '../../chain/anvil.js';
import { callRpc } from '../../chain/anvilRpc.js';
import { createRpcFailover, type RpcSwitch } from './rpcFailover.js';
import { watchLaggingNode } from './watchLaggingNode.js';

/**
 * The watch on two real Anvils that share nothing: one mines (evm_mine), the other stands still,
 * as a node cut off from its peers would. (The gateway itself keeps the watch off on Anvil; the
 * thresholds are given here.) test/network/laggingNode.test.ts runs it on a geth network.
 */
let still: StartAnvilReturnType;
let moving: StartAnvilReturnType;
before(async () => {
  [still, moving] = await Promise.all([startAnvil(), startAnvil()]);
});
after(async () => {
  await Promise.all([still?.stop(), moving?.stop()]);
});

const thresholds = { maxBlocksBehind: 3, graceMs: 300, stalledMs: 60_000, pollMs: 60_000 };
const mine = (rpcUrl: string, blocks: number) => callRpc(rpcUrl, 'anvil_mine', [`0x${blocks.toString(16)}`]);

describe('watchLaggingNode', () => {
  it('leaves the node in use once it stays far behind another past the grace, says why, counts it, and stays put after', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const failover = createRpcFailover({ urls: [still.rpcUrl, dead, moving.rpcUrl], timeoutMs: 2000, retryCount: 0 });
    const switches: RpcSwitch[] = [];
    failover.onSwitch((event) => switches.push(event));
    let limits: typeof thresholds | undefined;
    const watch = watchLaggingNode({ failover, thresholds: () => limits, headTimeoutMs: 1000 });
    try {
      await mine(moving.rpcUrl, 10);
      await watch.check();
      assert.equal(failover.currentUrl(), still.rpcUrl, 'no thresholds yet (the block period is not known): no judgement');
      limits = thresholds;
      await watch.check();
      assert.equal(failover.currentUrl(), still.rpcUrl, 'behind, within the grace');
      await new Promise((resolve) => setTimeout(resolve, 350));
      await watch.check();
      assert.equal(failover.currentUrl(), moving.rpcUrl, 'a node that does not answer is no candidate');
      assert.equal(switches.length, 1);
      assert.equal(switches[0]!.cause, 'behind');
      assert.equal(switches[0]!.from, still.rpcUrl);
      assert.match(switches[0]!.reason, /more than 3 blocks below/);
      assert.deepEqual(failover.switchCounts(), { unreachable: 0, behind: 1, stalled: 0 });
      await watch.check();
      assert.equal(switches.length, 1, 'the node now in use is ahead: it stays');
    } finally {
      await watch.stop();
    }
  });

  it('leaves a node whose head stands still while another one moves on, before it is far behind', async () => {
    const failover = createRpcFailover({ urls: [still.rpcUrl, moving.rpcUrl], timeoutMs: 2000, retryCount: 0 });
    const watch = watchLaggingNode({
      failover,
      thresholds: () => ({ ...thresholds, maxBlocksBehind: 1_000_000, stalledMs: 300 }),
      headTimeoutMs: 1000,
    });
    try {
      await watch.check();
      await new Promise((resolve) => setTimeout(resolve, 350));
      await watch.check();
      assert.equal(failover.currentUrl(), still.rpcUrl, 'neither head moved: a chain standing still everywhere is no reason');
      await mine(moving.rpcUrl, 2);
      await watch.check();
      assert.equal(failover.currentUrl(), moving.rpcUrl);
      assert.deepEqual(failover.switchCounts(), { unreachable: 0, behind: 0, stalled: 1 });
    } finally {
      await watch.stop();
    }
  });
});
