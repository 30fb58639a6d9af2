import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getAddress, zeroHash, type Address } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { canaryRegistryAbi, deviceIdentityAbi, pythiaFleetAbi } from '../../src/contracts/abis.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { generateDeviceKey, saveDeviceKey } from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { advanceAnvilTime } from '../../src/testing/advanceAnvilTime.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';
import { pythiaAt } from './runPythia.js';

const passphrase = 'governance-test-passphrase-not-a-secret';
const DELAY = 3_600;

/**
 * Issue #12, "Administration": a deployment whose timelock has a real delay. Every contract's admin
 * is the timelock under AccessControlDefaultAdminRules; a class manufacturer is (re)assigned only
 * through it: `pythia manufacturer assign` schedules, `pythia admin execute` executes once ready.
 */
describe('administration through the council timelock (CLI, a delay of an hour)', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-governance-'));
  const dataDir = join(dir, 'node');
  let stack: Stack;
  const { json, refused } = pythiaAt(dataDir, passphrase);

  before(async () => {
    stack = await startStack({
      dataDir,
      passphrase,
      chain: 'anvil',
      gatewayPort: 0,
      mqtt: false,
      scryptN: LIGHT_SCRYPT.n,
      timelockDelaySeconds: BigInt(DELAY),
    });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands every admin to the timelock, two-step with the delay; the role keys hold none', async () => {
    const { publicClient } = createChainClients(stack.deployment);
    const c = stack.deployment.contracts;
    const timelock = c.timelock!;
    const governed = [c.fleet, c.deviceIdentity!, c.pythiaRegistry!, c.consentRegistry!, c.accessLog!, c.canaryRegistry!];
    for (const address of governed) {
      const admin = await publicClient.readContract({ address, abi: pythiaFleetAbi, functionName: 'defaultAdmin' });
      const delay = await publicClient.readContract({ address, abi: pythiaFleetAbi, functionName: 'defaultAdminDelay' });
      assert.equal(getAddress(admin), getAddress(timelock), `${address}: the timelock is the admin`);
      assert.equal(Number(delay), DELAY, `${address}: handover delay`);
      for (const role of ['admin', 'operator', 'relayer'] as const) {
        const holds = await publicClient.readContract({
          address,
          abi: pythiaFleetAbi,
          functionName: 'hasRole',
          args: [zeroHash, stack.roles[role].address],
        });
        assert.equal(holds, false, `${address}: the ${role} key is no admin`);
      }
    }
  });

  it('assigns a class manufacturer only through the timelock, after its delay', async () => {
    const manufacturer = generateDeviceKey().deviceId;
    const { publicClient, walletClient } = createChainClients(stack.deployment);
    const identity = stack.deployment.contracts.deviceIdentity!;

    // The operator can no longer do it directly.
    await assert.rejects(
      publicClient.simulateContract({
        account: stack.roles.operator,
        address: identity,
        abi: deviceIdentityAbi,
        functionName: 'assignClassManufacturer',
        args: [1, manufacturer],
      }),
      /AccessControlUnauthorizedAccount/,
    );
    // A stranger's key cannot schedule it.
    const stranger = generateDeviceKey();
    const strangerFile = join(dir, 'stranger.json');
    await saveDeviceKey(strangerFile, stranger, passphrase, { scryptN: LIGHT_SCRYPT.n });
    await fundOnAnvil(publicClient, stranger.deviceId);
    await refused(['manufacturer', 'assign', '1', manufacturer, '--signer-key', strangerFile], 1, /not a proposer/);

    // The council (the admin key, the timelock's proposer) schedules it: public, and waiting.
    const scheduled = await json(['manufacturer', 'assign', '1', manufacturer]);
    assert.equal(scheduled.executed, false);
    assert.equal(scheduled.delay, DELAY);
    assert.equal(scheduled.executeTransaction, null);
    assert.equal((await json(['manufacturer', 'show', '1'])).manufacturer, null, 'not before the delay');
    const operations = (await json(['admin', 'operations'])) as { operationId: string; state: string }[];
    assert.equal(operations.find((o) => o.operationId === scheduled.operationId)?.state, 'waiting');
    await refused(['admin', 'execute', scheduled.operationId], 1, /is not ready before/);

    await advanceAnvilTime(publicClient, DELAY + 1);
    const executed = await json(['admin', 'execute', scheduled.operationId]);
    assert.equal(executed.operationId, scheduled.operationId);
    assert.equal((await json(['manufacturer', 'show', '1'])).manufacturer, manufacturer, 'assigned by the timelock');
    await refused(['admin', 'execute', scheduled.operationId], 1, /was executed already/);

    // A role change the same way: `pythia admin grant` schedules, waits the delay, then holds.
    const arbiter = generateDeviceKey().deviceId;
    const canaries = stack.deployment.contracts.canaryRegistry!;
    const arbiterRole = await publicClient.readContract({ address: canaries, abi: canaryRegistryAbi, functionName: 'ARBITER_ROLE' });
    const hasArbiter = () =>
      publicClient.readContract({ address: canaries, abi: canaryRegistryAbi, functionName: 'hasRole', args: [arbiterRole, arbiter] });
    const grant = await json(['admin', 'grant', 'canaryRegistry', 'ARBITER_ROLE', arbiter]);
    assert.deepEqual(
      [grant.executed, grant.delay, grant.role, getAddress(grant.account as string)],
      [false, DELAY, 'ARBITER_ROLE', arbiter],
    );
    assert.equal(await hasArbiter(), false, 'not before the delay');
    await refused(['admin', 'execute', grant.operationId as string], 1, /is not ready before/);
    await advanceAnvilTime(publicClient, DELAY + 1);
    await json(['admin', 'execute', grant.operationId as string]);
    assert.equal(await hasArbiter(), true, 'granted by the timelock');

    // The admin key itself is no admin of the identity contract either.
    await assert.rejects(
      walletClient(stack.roles.admin).writeContract({
        address: identity,
        abi: deviceIdentityAbi,
        functionName: 'assignClassManufacturer',
        args: [1, stranger.deviceId as Address],
      }),
      /AccessControlUnauthorizedAccount/,
    );
  });
});
