import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getContractAddress, keccak256, parseEther, toBytes, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { pythiaRegistryAbi, pythiaRegistryBytecode } from '../contracts/abis.js';
import { startAnvil, type StartAnvilReturnType } from './anvil.js';
import { createChainClients, type ChainClients } from './clients.js';
import { nativeAccount } from './nativeAccount.js';
import { pythiaRegistrationArgs, readPythia } from './pythiaRegistry.js';
import { setAnvilBalance } from './setAnvilBalance.js';
import { createTransactionPlan } from './transactionPlan.js';

const OPERATOR_ROLE = keccak256(toBytes('OPERATOR_ROLE'));

describe('createTransactionPlan (Anvil, a block a second)', { timeout: 60_000 }, () => {
  let anvil: StartAnvilReturnType;
  let clients: ChainClients;
  const funded = async (): Promise<LocalAccount> => {
    const account = nativeAccount(generatePrivateKey());
    await setAnvilBalance({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, address: account.address, value: parseEther('100') });
    return account;
  };
  /** A Pythia key's registerPythia arguments (unattested). */
  const registration = () => {
    const { key, publicKey, fields } = pythiaRegistrationArgs({ publicKey: nativeAccount(generatePrivateKey()).publicKey });
    return [key, publicKey, fields.teeType, fields.measurement, fields.evidenceHash, fields.evidenceUri] as const;
  };

  before(async () => {
    anvil = await startAnvil({ blockTime: 1 });
    clients = createChainClients({ chainId: anvil.chainId, rpcUrl: anvil.rpcUrl });
  });
  after(async () => {
    await anvil?.stop();
  });

  it('sends a deployment and the calls that need it at once: mined in nonce order, each checked, the address known before', async () => {
    const account = await funded();
    const lines: string[] = [];
    const plan = await createTransactionPlan({ clients, account, onProgress: (line) => lines.push(line) });
    const registry = plan.deploy('PythiaRegistry', pythiaRegistryAbi, pythiaRegistryBytecode, [account.address, 0]);
    assert.equal(registry, getContractAddress({ from: account.address, nonce: 0n }));
    assert.equal(plan.creates(registry), true);
    plan.call('granting OPERATOR_ROLE', registry, pythiaRegistryAbi, 'grantRole', [OPERATOR_ROLE, account.address]);
    const args = registration();
    plan.call('registering a key', registry, pythiaRegistryAbi, 'registerPythia', args);
    const receipts = await (await plan.send()).done();
    assert.equal(receipts.length, 3);
    // Sent without waiting: one block, or two if a block was sealed while they were sent (not three).
    assert.ok(new Set(receipts.map((r) => r.blockNumber)).size <= 2, 'three dependent transactions in one or two blocks');
    assert.equal((await readPythia({ publicClient: clients.publicClient, registry }, args[0])).status, 'active');
    assert.deepEqual(
      lines.filter((l) => /nonce/.test(l)),
      ['deploying PythiaRegistry (nonce 0)', 'granting OPERATOR_ROLE (nonce 1)', 'registering a key (nonce 2)'],
    );
    assert.match(lines.at(-1)!, /^3 transactions mined in [12] blocks?$/);
  });

  it('reports the transaction that failed by what it does', async () => {
    const account = await funded();
    const plan = await createTransactionPlan({ clients, account });
    const registry = plan.deploy('PythiaRegistry', pythiaRegistryAbi, pythiaRegistryBytecode, [account.address, 0]);
    // No OPERATOR_ROLE granted: the registry refuses.
    plan.call('registering a key without the role', registry, pythiaRegistryAbi, 'registerPythia', registration());
    const sent = await plan.send();
    await sent.mined(0);
    await assert.rejects(sent.done(), /registering a key without the role failed in transaction 0x[0-9a-f]{64}/);
  });

  it("starts after the sender's transactions still pending (a run killed after sending): both plans end mined", async () => {
    const account = await funded();
    const first = await createTransactionPlan({ clients, account });
    const killed = first.deploy('PythiaRegistry', pythiaRegistryAbi, pythiaRegistryBytecode, [account.address, 0]);
    const orphan = await first.send();
    const next = await createTransactionPlan({ clients, account });
    const registry = next.deploy('PythiaRegistry', pythiaRegistryAbi, pythiaRegistryBytecode, [account.address, 0]);
    assert.equal(registry, getContractAddress({ from: account.address, nonce: 1n }), 'the nonce after the pending one');
    await (await next.send()).done();
    await orphan.done();
    assert.ok(await clients.publicClient.getCode({ address: killed }));
  });
});
