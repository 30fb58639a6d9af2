import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type PublicClient } from 'viem';
import { freePort, startAnvil, type StartAnvilReturnType } from '../../chain/anvil.js';
import { createRpcFailover, type RpcSwitch } from './rpcFailover.js';

/** Failover between RPC endpoints, against a real Anvil and a port where nothing listens. */
let anvil: StartAnvilReturnType;
before(async () => {
  anvil = await startAnvil();
});
after(async () => {
  await anvil?.stop();
});

describe('createRpcFailover', () => {
  it('moves to the next endpoint when one does not answer, once, and stays there', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const failover = createRpcFailover({ urls: [dead, anvil.rpcUrl], timeoutMs: 2000, retryCount: 0 });
    const switches: RpcSwitch[] = [];
    failover.onSwitch((event) => switches.push(event));
    const client = createPublicClient({ transport: failover.transport }) as PublicClient;
    assert.equal(failover.currentUrl(), dead);
    assert.equal(await client.getChainId(), anvil.chainId);
    assert.equal(failover.currentUrl(), anvil.rpcUrl);
    assert.equal(await client.getChainId(), anvil.chainId);
    assert.equal(switches.length, 1, 'one switch; the second request went straight to the live node');
    assert.equal(switches[0]!.from, dead);
    assert.equal(switches[0]!.to, anvil.rpcUrl);
    assert.equal(switches[0]!.cause, 'unreachable');
    assert.deepEqual(failover.switchCounts(), { unreachable: 1, behind: 0, stalled: 0 });
  });

  it('a JSON-RPC error is an answer: no switch', async () => {
    const spare = `http://127.0.0.1:${await freePort()}`;
    const failover = createRpcFailover({ urls: [anvil.rpcUrl, spare], retryCount: 0 });
    const client = createPublicClient({ transport: failover.transport }) as PublicClient;
    await assert.rejects(client.request({ method: 'eth_sendRawTransaction', params: ['0x02'] }));
    assert.equal(failover.currentUrl(), anvil.rpcUrl);
  });

  it('sends a request to every other endpoint, ignoring the dead ones, without switching', async () => {
    const other = await startAnvil();
    try {
      const dead = `http://127.0.0.1:${await freePort()}`;
      const failover = createRpcFailover({ urls: [anvil.rpcUrl, dead, other.rpcUrl], timeoutMs: 2000, retryCount: 0 });
      const current = createPublicClient({ transport: failover.transport }) as PublicClient;
      const otherClient = createPublicClient({ transport: http(other.rpcUrl) }) as PublicClient;
      const [currentBefore, otherBefore] = await Promise.all([
        current.getBlockNumber({ cacheTime: 0 }),
        otherClient.getBlockNumber({ cacheTime: 0 }),
      ]);
      await failover.sendToOthers({ method: 'evm_mine', params: [] });
      assert.equal(await otherClient.getBlockNumber({ cacheTime: 0 }), otherBefore + 1n, 'the other live node got the request');
      assert.equal(await current.getBlockNumber({ cacheTime: 0 }), currentBefore, 'the current node did not');
      assert.equal(failover.currentUrl(), anvil.rpcUrl, 'a dead node among the others is no reason to switch');
    } finally {
      await other.stop();
    }
  });

  it('fails when no endpoint answers, and says why', async () => {
    const failover = createRpcFailover({
      urls: [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`],
      timeoutMs: 2000,
      retryCount: 0,
    });
    const client = createPublicClient({ transport: failover.transport }) as PublicClient;
    await assert.rejects(client.getChainId(), /HTTP request failed/);
  });
});
