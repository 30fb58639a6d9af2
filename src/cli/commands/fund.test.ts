import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseEther } from 'viem';
import { nodeRunsItsChain, parseEthAmount } from './fund.js';

describe('pythia fund', () => {
  it('takes an amount in ETH, with or without its unit, and refuses anything else', () => {
    assert.equal(parseEthAmount('1'), parseEther('1'));
    assert.equal(parseEthAmount('0.5'), parseEther('0.5'));
    assert.equal(parseEthAmount('2ETH'), parseEther('2'));
    assert.equal(parseEthAmount('2 eth'), parseEther('2'));
    for (const bad of ['0', '-1', 'lots', '1 gwei', '1e18', ''])
      assert.throws(() => parseEthAmount(bad), /<amount> (must be an amount in ether|must be above 0)/, bad);
  });

  const dataDir = mkdtempSync(join(tmpdir(), 'pythia-fund-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("gives only on a chain the node runs: the embedded Anvil, or its own geth validator's IPC socket", () => {
    assert.equal(nodeRunsItsChain(dataDir, { embeddedChain: true, rpcUrl: 'http://127.0.0.1:40000' }), true);
    const ipc = join(dataDir, 'chain', 'validator-1', 'data', 'geth.ipc');
    assert.equal(nodeRunsItsChain(dataDir, { embeddedChain: false, rpcUrl: ipc }), false, 'no network folder: not its own');
    mkdirSync(join(dataDir, 'chain'), { recursive: true });
    writeFileSync(join(dataDir, 'chain', 'network.json'), '{}');
    assert.equal(nodeRunsItsChain(dataDir, { embeddedChain: false, rpcUrl: ipc }), true);
    assert.equal(nodeRunsItsChain(dataDir, { embeddedChain: false, rpcUrl: 'http://127.0.0.1:8545' }), false, 'any --rpc-url node');
    assert.equal(nodeRunsItsChain(dataDir, { embeddedChain: false, rpcUrl: join(tmpdir(), 'net', 'geth.ipc') }), false, 'a network node');
  });
});
