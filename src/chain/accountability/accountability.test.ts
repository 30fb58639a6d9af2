import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEther, type Address, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { accessLogAbi, canaryRegistryAbi, consentRegistryAbi, recipientBondsAbi } from '../../contracts/abis.js';
import { canaryCommitment, makeCanary } from '../../protocol/canary.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { createChainClients, type ChainClients } from '../clients.js';
import type { ConsentSuiteAddresses } from '../deploy.js';
import { nativeAccount } from '../nativeAccount.js';
import { ContractRefusal } from '../sendContractTransaction.js';
import { claimPenalty, depositBond, readBond, requestBondWithdrawal, withdrawBond } from './index.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';
import { advanceAnvilTime } from '../../testing/advanceAnvilTime.js';

const secret: Hex = `0x${'c4'.repeat(32)}`;

describe('accountability chain modules on a real chain', { timeout: 180_000 }, () => {
  let chain: TestChain;
  let clients: ChainClients;
  let contracts: Pick<ConsentSuiteAddresses, 'recipientBonds' | 'sharingLog' | 'canaryRegistry' | 'deletionRequests'>;
  let recipient: LocalAccount;

  before(async () => {
    chain = await startTestChain();
    clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    const { recipientBonds, sharingLog, canaryRegistry, deletionRequests } = chain.deployment.contracts;
    contracts = {
      recipientBonds: recipientBonds!,
      sharingLog: sharingLog!,
      canaryRegistry: canaryRegistry!,
      deletionRequests: deletionRequests!,
    };
    recipient = nativeAccount(generatePrivateKey());
    await fundOnAnvil(clients.publicClient, recipient.address, '10');
  });

  after(async () => {
    await chain?.stop();
  });

  it('computes the same canary commitment as CanaryRegistry', async () => {
    const device: Address = '0x00000000000000000000000000000000000000d1';
    for (const [reading, sequence, stream] of [
      [1233, 77n, 0],
      [-3999, 1n, 4],
      [0, (1n << 64n) - 1n, 255],
    ] as const) {
      const canary = makeCanary({
        secret,
        recipient: recipient.address,
        consentId: 12n,
        device,
        stream,
        sequence,
        reading,
        min: -4000,
        max: 6000,
      });
      const onChain = await clients.publicClient.readContract({
        address: contracts.canaryRegistry,
        abi: canaryRegistryAbi,
        functionName: 'canaryCommitment',
        args: [
          {
            recipient: canary.recipient,
            consentId: canary.consentId,
            device: canary.device,
            stream: canary.stream,
            value: canary.value,
            sequence: canary.sequence,
            salt: canary.salt,
          },
        ],
      });
      assert.equal(onChain, canary.commitment);
      assert.equal(canaryCommitment(canary), onChain);
    }
  });

  it('wires the roles: the gateway (its relayer account) commits and logs, the penalty contracts pay, deletion is the revocation hook', async () => {
    const read = clients.publicClient.readContract as (p: unknown) => Promise<unknown>;
    const hasRole = async (address: Address, abi: readonly unknown[], roleName: string, account: Address) =>
      read({ address, abi, functionName: 'hasRole', args: [await read({ address, abi, functionName: roleName }), account] });
    assert.equal(await hasRole(contracts.canaryRegistry, canaryRegistryAbi, 'COMMITTER_ROLE', chain.relayer.address), true);
    assert.equal(await hasRole(chain.accessLogAddress, accessLogAbi, 'LOGGER_ROLE', chain.relayer.address), true);
    for (const payer of [contracts.canaryRegistry, contracts.deletionRequests]) {
      assert.equal(await hasRole(contracts.recipientBonds, recipientBondsAbi, 'PENALTY_ROLE', payer), true);
    }
    for (const stranger of [contracts.sharingLog, chain.relayer.address, chain.operator.address]) {
      assert.equal(await hasRole(contracts.recipientBonds, recipientBondsAbi, 'PENALTY_ROLE', stranger), false);
    }
    const hook = await read({ address: chain.consentAddress, abi: consentRegistryAbi, functionName: 'revocationHook' });
    assert.equal(String(hook).toLowerCase(), contracts.deletionRequests.toLowerCase());
  });

  it('deposits, unbonds and withdraws a bond; refusals keep their custom error', async () => {
    const write = { clients, account: recipient, address: contracts.recipientBonds };
    await depositBond({ ...write, value: parseEther('2') });
    await requestBondWithdrawal({ ...write, amount: parseEther('0.5') });
    let state = await readBond({ publicClient: clients.publicClient, address: contracts.recipientBonds, recipient: recipient.address });
    assert.equal(state.bond, parseEther('1.5'));
    assert.equal(state.pending, parseEther('0.5'));
    assert.equal(state.unbondingDelay, 30n * 86_400n);
    assert.ok(state.availableAt > 0n);

    await assert.rejects(withdrawBond(write), (e: unknown) => e instanceof ContractRefusal && e.errorName === 'WithdrawalNotReady');
    await assert.rejects(
      requestBondWithdrawal({ ...write, amount: parseEther('5') }),
      (e: unknown) => e instanceof ContractRefusal && e.errorName === 'InsufficientBond',
    );
    await assert.rejects(claimPenalty(write), (e: unknown) => e instanceof ContractRefusal && e.errorName === 'NothingToClaim');

    await advanceAnvilTime(clients.publicClient, 30 * 86_400 + 1);
    await withdrawBond(write);
    state = await readBond({ publicClient: clients.publicClient, address: contracts.recipientBonds, recipient: recipient.address });
    assert.equal(state.pending, 0n);
    assert.equal(state.bond, parseEther('1.5'));
  });
});
