import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, type Hex, type PublicClient } from 'viem';
import { startAnvil, type StartAnvilReturnType } from '../../chain/anvil.js';
import {
  cliqueConfirmations,
  cliqueSignersInExtraData,
  detectFinalityPolicy,
  finalityHorizon,
  measureBlockPeriodMs,
} from './finalityPolicy.js';

let anvil: StartAnvilReturnType;
before(async () => {
  anvil = await startAnvil();
});
after(async () => {
  await anvil?.stop();
});

describe('finality policy', () => {
  it('Clique: a majority of signers and one more block', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 7].map(cliqueConfirmations), [2, 3, 3, 4, 4, 5]);
  });

  it('reads the signer list of a Clique checkpoint header, and refuses other extraData', () => {
    const vanity = '00'.repeat(32);
    const seal = '00'.repeat(65);
    const signers = ['11', '22', '33'].map((b) => b.repeat(20)).join('');
    assert.equal(cliqueSignersInExtraData(`0x${vanity}${signers}${seal}` as Hex), 3);
    assert.equal(cliqueSignersInExtraData(`0x${vanity}${seal}` as Hex), undefined, 'not a checkpoint');
    assert.equal(cliqueSignersInExtraData('0x' as Hex), undefined);
    assert.equal(cliqueSignersInExtraData(`0x${vanity}${'ab'.repeat(21)}${seal}` as Hex), undefined);
  });

  it('depth, delay and the last saved block each bound what is final', () => {
    const policy = { confirmations: 3, delayMs: 1000 };
    assert.deepEqual(finalityHorizon(policy, 100, 50_000), { maxBlock: 98, includedBefore: 49_000 });
    assert.deepEqual(finalityHorizon(policy, 100, 50_000, 90), { maxBlock: 90, includedBefore: 49_000 });
    assert.deepEqual(
      finalityHorizon({ confirmations: 0, delayMs: 0 }, 100, 1),
      { maxBlock: 100, includedBefore: 1 },
      'at least the block itself',
    );
  });

  it('measures the block period over the last blocks (whole seconds of timestamps, at least 1 s); none on a chain too young', async () => {
    const young = await startAnvil();
    try {
      const client = createPublicClient({ transport: http(young.rpcUrl) }) as PublicClient;
      assert.equal(await measureBlockPeriodMs(client), undefined, 'the genesis alone');
      await client.request({ method: 'anvil_mine', params: ['0x14', '0x3'] } as never); // 20 blocks, 3 s apart
      assert.equal(await measureBlockPeriodMs(client), 3000);
      await client.request({ method: 'anvil_mine', params: ['0x14', '0x0'] } as never); // 20 in the same second
      assert.equal(await measureBlockPeriodMs(client), 1000);
    } finally {
      await young.stop();
    }
  });

  it('detects Anvil: one confirmation and a delay, or none when the saved block is known; configured values win', async () => {
    const client = createPublicClient({ transport: http(anvil.rpcUrl) }) as PublicClient;
    assert.deepEqual(await detectFinalityPolicy(client), {
      confirmations: 1,
      delayMs: 30_000,
      chain: 'anvil',
      source: 'default',
      savedBlock: false,
    });
    assert.deepEqual(await detectFinalityPolicy(client, { savedBlockKnown: true }), {
      confirmations: 1,
      delayMs: 0,
      chain: 'anvil',
      source: 'default',
      savedBlock: true,
    });
    assert.deepEqual(await detectFinalityPolicy(client, { confirmations: 4 }), {
      confirmations: 4,
      delayMs: 30_000,
      chain: 'anvil',
      source: 'configured',
      savedBlock: false,
    });
  });
});
