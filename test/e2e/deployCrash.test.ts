import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getContractAddress, isAddressEqual, keccak256, toBytes, zeroHash, type Abi, type Address } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { deploymentPath, parseDeployment, type Deployment } from '../../src/chain/deployment.js';
import { readPythia } from '../../src/chain/pythiaRegistry.js';
import { loadOrCreateRoleKeys } from '../../src/chain/roleKeys.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import {
  accessLogAbi,
  canaryRegistryAbi,
  consentRegistryAbi,
  deviceIdentityAbi,
  pythiaFleetAbi,
  pythiaRegistryAbi,
  pythiaTimelockAbi,
  recipientBondsAbi,
  recipientTermsAbi,
} from '../../src/contracts/abis.js';
import { COUNCIL_TIMELOCK_DELAY_SECONDS } from '../../src/chain/deploy.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';

const passphrase = 'deploy-crash-test-passphrase-not-a-secret';
const role = (name: string) => keccak256(toBytes(name));

/**
 * `pythia up --json` on its default chain (its own geth validator, a block a second) in a process
 * group of its own. Resolves when stderr matches `killAt` (then kills the whole group with SIGKILL:
 * the node and its geth, as when the machine dies) or, without it, with the deployment it prints.
 */
function up(dataDir: string, killAt?: RegExp): Promise<{ deployment?: Deployment; stderr: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [pythiaBin(), 'up', '--json', '--port', '0', '--no-mqtt', '--data-dir', dataDir], {
    env: { ...process.env, PYTHIA_PASSPHRASE: passphrase },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    await exited;
  };
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pythia up: neither ${killAt} nor up within 180 s: ${stderr}`)), 180_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (killAt?.test(stderr)) {
        clearTimeout(timer);
        stop().then(() => resolve({ stderr, stop }), reject);
      }
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        const deployment = parseDeployment(JSON.parse(stdout));
        clearTimeout(timer);
        resolve({ deployment, stderr, stop });
      } catch {
        // not the whole document yet
      }
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') return;
      clearTimeout(timer);
      reject(new Error(`pythia up exited (${code ?? signal}): ${stderr}`));
    });
  });
}

describe('pythia up killed (kill -9, with its geth) while it deploys the contracts', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-deploy-crash-'));
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const stop of stops) await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the next start deploys again after what the killed ones sent and ends with a whole, wired deployment', async () => {
    const dataDir = join(dir, 'node');
    // The role keys made beforehand with a light scrypt: each start decrypts them in milliseconds, not seconds.
    const roles = await loadOrCreateRoleKeys({ dataDir, passphrase, scryptN: LIGHT_SCRYPT.n });
    // Once the admin's transactions are all sent (none mined yet: they are in geth's pool and its
    // journal), and while the operator registers the gateway's key (the admin's all mined).
    const moments = [/\d+ transactions sent; waiting for their blocks/, /registering this gateway's Pythia key/];
    for (const killAt of moments) {
      const killed = await up(dataDir, killAt);
      stops.push(killed.stop);
      assert.equal(existsSync(deploymentPath(dataDir)), false, `no deployment recorded by a start killed at ${killAt}`);
    }
    const started = await up(dataDir);
    stops.push(started.stop);
    const deployment = started.deployment!;
    assert.match(started.stderr, /transactions mined in \d+ blocks?/);

    const { publicClient } = createChainClients({ chainId: deployment.chainId, rpcUrl: deployment.rpcUrl });
    const admin = deployment.roles.admin;
    const firstTimelock = getContractAddress({ from: admin, nonce: 0n });
    assert.ok(!isAddressEqual(deployment.contracts.timelock!, firstTimelock), 'deployed again, after the killed starts');
    const adminNonce = await publicClient.getTransactionCount({ address: admin });
    assert.ok(adminNonce > 31, `the killed starts' transactions came first (admin nonce ${adminNonce})`);

    for (const [name, address] of Object.entries(deployment.contracts)) {
      assert.ok(((await publicClient.getCode({ address: address as Address })) ?? '0x') !== '0x', `${name} has code`);
    }
    const c = deployment.contracts;
    const read = <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
      publicClient.readContract({ address, abi, functionName, args }) as Promise<T>;
    const { operator, relayer } = deployment.roles;
    const granted: Array<[string, Address, Abi, string, Address]> = [
      ['fleet', c.fleet, pythiaFleetAbi, 'OPERATOR_ROLE', operator],
      ['fleet', c.fleet, pythiaFleetAbi, 'RELAYER_ROLE', relayer],
      ['fleet', c.fleet, pythiaFleetAbi, 'IDENTITY_ROLE', c.deviceIdentity!],
      ['fleet', c.fleet, pythiaFleetAbi, 'MANUFACTURER_ROLE', c.deviceIdentity!],
      ['fleet', c.fleet, pythiaFleetAbi, 'INSPECTOR_ROLE', c.firmwareRegistry!],
      ['identity', c.deviceIdentity!, deviceIdentityAbi, 'OPERATOR_ROLE', operator],
      ['registry', c.pythiaRegistry!, pythiaRegistryAbi, 'OPERATOR_ROLE', operator],
      ['registry', c.pythiaRegistry!, pythiaRegistryAbi, 'GOVERNANCE_ROLE', admin],
      ['access log', c.accessLog!, accessLogAbi, 'LOGGER_ROLE', relayer],
      ['canary registry', c.canaryRegistry!, canaryRegistryAbi, 'COMMITTER_ROLE', relayer],
      ['canary registry', c.canaryRegistry!, canaryRegistryAbi, 'ARBITER_ROLE', admin],
    ];
    for (const [what, address, abi, name, account] of granted) {
      assert.equal(await read<boolean>(address, abi, 'hasRole', [role(name), account]), true, `${what}: ${name} of ${account}`);
      assert.equal(await read<boolean>(address, abi, 'hasRole', [zeroHash, c.timelock!]), true, `${what}: administered by the timelock`);
    }
    assert.ok(isAddressEqual(await read<Address>(c.fleet, pythiaFleetAbi, 'deviceOwnership'), c.deviceOwnership!));
    assert.ok(isAddressEqual(await read<Address>(c.recipientTerms!, recipientTermsAbi, 'feedMarket'), c.feedMarket!));
    assert.ok(isAddressEqual(await read<Address>(c.consentRegistry!, consentRegistryAbi, 'revocationHook'), c.deletionRequests!));
    for (const slasher of [c.canaryRegistry!, c.deletionRequests!]) {
      assert.equal(await read<boolean>(c.recipientBonds!, recipientBondsAbi, 'isSlasher', [slasher]), true);
    }
    // The plan's last transaction: the council's delay, set once everything was wired through the timelock.
    assert.equal(await read<bigint>(c.timelock!, pythiaTimelockAbi, 'getMinDelay'), COUNCIL_TIMELOCK_DELAY_SECONDS);
    const key = await readPythia({ publicClient, registry: c.pythiaRegistry! }, roles.pythia.address);
    assert.equal(key.status, 'active');
    assert.ok(key.relayer && isAddressEqual(key.relayer, relayer), 'the relayer bound to the gateway key');
  });
});
