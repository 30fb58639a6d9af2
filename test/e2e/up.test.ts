import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAnvil } from '../../src/chain/anvil.js';
import { createChainClients } from '../../src/chain/clients.js';
import { parseDeployment } from '../../src/chain/deployment.js';
import { loadOrCreateRoleKeys } from '../../src/chain/roleKeys.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';

const bin = fileURLToPath(new URL('../../bin/pythia.js', import.meta.url));
const passphrase = 'up-test-passphrase-not-a-secret';

/** Starts `pythia up --json` and resolves with the deployment it prints once it is up. */
function up(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; deployment: ReturnType<typeof parseDeployment>; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, 'up', '--json', '--chain-port', '0', '--port', '0', ...args], {
    env: { ...process.env, PYTHIA_PASSPHRASE: passphrase },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      stdout += c;
      try {
        resolve({ child, deployment: parseDeployment(JSON.parse(stdout)), stderr: () => stderr });
      } catch {
        // not the whole document yet
      }
    });
    child.on('exit', (code) => reject(new Error(`pythia up exited with ${code}: ${stderr}`)));
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('pythia up', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-up-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts the embedded chain, deploys once, keeps state across restarts, and keys stay encrypted', async () => {
    const dataDir = join(dir, 'embedded');
    const first = await up(['--data-dir', dataDir]);
    assert.equal(first.deployment.embeddedChain, true);
    assert.equal(first.deployment.chainId, 20601);
    assert.match(first.stderr(), /created encrypted keys for admin, operator, relayer/);
    const health = await (await fetch(`${first.deployment.gatewayUrl}/healthz`)).json();
    assert.equal(health.ok, true);
    assert.equal((await fetch(`${first.deployment.gatewayUrl}/openapi.json`)).status, 200);
    assert.equal(await stop(first.child), 0);

    for (const role of ['admin', 'operator', 'relayer']) {
      const file = join(dataDir, 'keys', `${role}.json`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.doesNotMatch(readFileSync(file, 'utf8'), /privateKey/);
    }
    assert.ok(existsSync(join(dataDir, 'chain', 'state.json')), 'the chain state is saved in the data dir');

    const second = await up(['--data-dir', dataDir]);
    assert.match(second.stderr(), /contracts found from an earlier start/);
    assert.equal(second.deployment.contracts.fleet, first.deployment.contracts.fleet);
    assert.equal(second.deployment.deploymentBlock, first.deployment.deploymentBlock);
    const code = await createChainClients(second.deployment).publicClient.getCode({ address: second.deployment.contracts.fleet });
    assert.ok(code && code.length > 2, 'the contract survived the restart');
    assert.equal(await stop(second.child), 0);
  });

  it('deploys on any JSON-RPC node with --rpc-url, after refusing while the admin has no funds', async () => {
    const node = await startAnvil({ chainId: 31_999 });
    try {
      const dataDir = join(dir, 'external');
      const refused = spawn(process.execPath, [bin, 'up', '--rpc-url', node.rpcUrl, '--data-dir', dataDir, '--port', '0'], {
        env: { ...process.env, PYTHIA_PASSPHRASE: passphrase },
      });
      let stderr = '';
      refused.stderr.on('data', (c) => (stderr += c));
      const code = await new Promise((resolve) => refused.on('exit', resolve));
      assert.equal(code, 1);
      assert.match(stderr, /the admin account 0x[0-9a-fA-F]{40} holds 0 wei on this chain: fund it/);

      const roles = await loadOrCreateRoleKeys({ dataDir, passphrase, scryptN: LIGHT_SCRYPT.n });
      assert.deepEqual(roles.created, [], 'the keys made by the refused start are reused');
      await fundOnAnvil(createChainClients({ chainId: 31_999, rpcUrl: node.rpcUrl }).publicClient, roles.admin.address, '100');
      const started = await up(['--rpc-url', node.rpcUrl, '--data-dir', dataDir]);
      assert.equal(started.deployment.embeddedChain, false);
      assert.equal(started.deployment.chainId, 31_999);
      assert.equal(started.deployment.rpcUrl, node.rpcUrl);
      const clients = createChainClients(started.deployment);
      assert.ok((await clients.publicClient.getBalance({ address: roles.relayer.address })) > 0n, 'the admin funded the relayer');
      assert.equal(await stop(started.child), 0);
    } finally {
      await node.stop();
    }
  });
});
