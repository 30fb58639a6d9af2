import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAddress, parseEther, type Address } from 'viem';
import { cliqueExtraData, cliqueGenesis, cliqueSignersOfExtraData } from './cliqueGenesis.js';

const a = '0x00000000000000000000000000000000000000aa' as Address;
const b = '0x00000000000000000000000000000000000000BB' as Address;
const c = '0x0000000000000000000000000000000000000001' as Address;

describe('cliqueGenesis', () => {
  it('lists the signers in ascending order between 32 vanity bytes and a 65-byte empty seal', () => {
    const extra = cliqueExtraData([b, a, c]);
    assert.equal(extra.length, 2 + 2 * (32 + 3 * 20 + 65));
    assert.equal(extra.slice(2, 66), '00'.repeat(32));
    const signers = [0, 1, 2].map((i) => `0x${extra.slice(66 + 40 * i, 106 + 40 * i)}`);
    assert.deepEqual(signers, [c, a, b.toLowerCase()]);
    assert.equal(extra.slice(-130), '00'.repeat(65));
  });

  it('reads the signers back from a Clique extra-data (what `pythia bundle create` writes in a bundle); none from any other', () => {
    assert.deepEqual(
      cliqueSignersOfExtraData(cliqueExtraData([b, a, c])),
      [c, a, b].map((s) => getAddress(s)),
    );
    for (const other of ['0x', `0x${'00'.repeat(97)}`, `0x${'00'.repeat(32 + 19 + 65)}`, '0xzz'] as const)
      assert.equal(cliqueSignersOfExtraData(other as `0x${string}`), undefined, other);
  });

  it('refuses no signers and duplicates', () => {
    assert.throws(() => cliqueExtraData([]), /at least one signer/);
    assert.throws(() => cliqueExtraData([a, a.toUpperCase().replace('0X', '0x') as Address]), /distinct/);
  });

  it('runs every fork up to London and none after it (geth 1.13 Clique refuses Shanghai blocks)', () => {
    const genesis = cliqueGenesis({ chainId: 4242, period: 2, gasLimit: 300_000_000n, signers: [a], timestamp: 1_700_000_000 });
    assert.equal(genesis.config.chainId, 4242);
    assert.deepEqual(genesis.config.clique, { period: 2, epoch: 30_000 });
    assert.equal(genesis.config.londonBlock, 0);
    for (const later of ['shanghaiTime', 'cancunTime', 'pragueTime', 'mergeNetsplitBlock', 'terminalTotalDifficulty']) {
      assert.equal(later in genesis.config, false, later);
    }
    assert.equal(BigInt(genesis.gasLimit), 300_000_000n);
    assert.equal(BigInt(genesis.timestamp), 1_700_000_000n);
    assert.deepEqual(genesis.alloc, {});
    // A small epoch, for tests that need checkpoints within seconds (scripts/write-chain-proof-vectors.ts).
    assert.deepEqual(
      cliqueGenesis({ chainId: 4242, period: 1, gasLimit: 300_000_000n, signers: [a], timestamp: 0, epoch: 8 }).config.clique,
      {
        period: 1,
        epoch: 8,
      },
    );
  });

  it('funds only the accounts it is given', () => {
    const genesis = cliqueGenesis({
      chainId: 1,
      period: 1,
      gasLimit: 30_000_000n,
      signers: [a],
      alloc: { [b]: parseEther('10') },
      timestamp: 0,
    });
    assert.deepEqual(genesis.alloc, { '00000000000000000000000000000000000000bb': { balance: `0x${parseEther('10').toString(16)}` } });
  });
});
