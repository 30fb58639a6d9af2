import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { startAnvil } from '../../src/chain/anvil.js';
import { readAnvilPidFile } from '../../src/chain/anvilPidFile.js';
import { createChainClients } from '../../src/chain/clients.js';
import { loadOrCreateRoleKeys } from '../../src/chain/roleKeys.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { readNodeProcess } from '../../src/network/index.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';
import { processIdentity, readCommandLine } from '../../src/processes/processIdentity.js';
import { socketInodesOf, tcpListeners } from '../../src/testing/stranger.js';
import { runPythia, startPythiaUp, stopPythiaUp } from './runPythia.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';

const bin = pythiaBin();
const passphrase = 'up-test-passphrase-not-a-secret';

/** Starts `pythia up --json` and resolves with the deployment it prints once it is up. */
const up = (args: string[]) => startPythiaUp(args, passphrase);

const stop = stopPythiaUp;

describe('pythia up', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-up-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('by default runs a geth Clique validator of its own: role keys funded at genesis, its key encrypted, deployed once, Clique finality, stopped with the node', async () => {
    const dataDir = join(dir, 'geth');
    const first = await up(['--data-dir', dataDir]);
    assert.equal(first.deployment.embeddedChain, false);
    assert.notEqual(first.deployment.chainId, 20601, 'a random private chain id');
    assert.match(first.stderr(), /creating the node's chain in .*: one geth Clique validator/);
    const network = JSON.parse(readFileSync(join(dataDir, 'chain', 'network.json'), 'utf8'));
    assert.equal(network.chainId, first.deployment.chainId);
    assert.deepEqual(
      network.nodes.map((n: { role: string }) => n.role),
      ['validator'],
    );
    const signerKey = readFileSync(join(dataDir, 'chain', 'validator-1', 'keystore', 'signer.json'), 'utf8');
    assert.match(signerKey, /"ciphertext"/);
    assert.doesNotMatch(signerKey, /privateKey/);
    const geth = gethOf(dataDir);
    assert.ok(geth, 'geth runs, recorded in chain/validator-1/geth.pid');
    assert.ok(readCommandLine(geth)!.includes('archive'), 'archive mode: state written every block');
    // Its signer key is unlocked: it answers only on its 0600 IPC socket, and listens on no port but its peer and engine ports.
    const ipcPath = join(dataDir, 'chain', 'validator-1', 'data', 'geth.ipc');
    assert.equal(first.deployment.rpcUrl, ipcPath);
    assert.equal(statSync(ipcPath).mode & 0o777, 0o600);
    assert.equal(readCommandLine(geth)!.includes('--http'), false, 'no HTTP');
    const ports = network.nodes[0].ports as { p2p: number; authrpc: number };
    const gethSockets = socketInodesOf(geth);
    assert.deepEqual(
      tcpListeners('self')
        .filter((l) => gethSockets.has(l.inode))
        .map((l) => l.port)
        .sort(),
      [ports.p2p, ports.authrpc].sort(),
    );

    const { publicClient } = createChainClients(first.deployment);
    const roles = await loadOrCreateRoleKeys({ dataDir, passphrase, scryptN: LIGHT_SCRYPT.n });
    for (const role of ['admin', 'operator', 'relayer', 'pythia'] as const) {
      assert.ok((await publicClient.getBalance({ address: roles[role].address, blockNumber: 0n })) > 0n, `${role} funded at genesis`);
    }
    const finality = await waitFor(async () => {
      const health = await (await fetch(`${first.deployment.gatewayUrl}/healthz`)).json();
      return health.relayer.finality ?? undefined;
    });
    assert.deepEqual(
      { chain: finality.chain, signers: finality.signers, confirmations: finality.confirmations, delayMs: finality.delayMs },
      { chain: 'clique', signers: 1, confirmations: 2, delayMs: 0 },
    );
    const code0 = await stop(first.child);
    assert.equal(code0, 0);
    assert.ok(await goneWithin(geth, 10_000), 'stopping `pythia up` stops its geth');
    assert.equal(existsSync(join(dataDir, 'pythia.lock')), false);

    const second = await up(['--data-dir', dataDir]);
    assert.match(second.stderr(), /contracts found from an earlier start/);
    assert.equal(second.deployment.contracts.fleet, first.deployment.contracts.fleet);
    assert.equal(second.deployment.chainId, first.deployment.chainId);
    assert.equal(await stop(second.child), 0);
  });

  it('kill -9 of `pythia up` stops its geth too (or the next start stops what is left); the next start finds everything; a second `up` is refused', async () => {
    const dataDir = join(dir, 'geth');
    const first = await up(['--data-dir', dataDir]);
    const geth = gethOf(dataDir)!;
    first.child.removeAllListeners('exit');
    const killed = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
    first.child.kill('SIGKILL');
    assert.equal(await killed, 'SIGKILL');
    assert.ok(await goneWithin(geth, 30_000), `geth ${geth} stopped with its node (parent-death signal)`);

    // A geth of this folder left running (here: started on its own, as `pythia network up` would) is stopped by the next start.
    const leftover = await runPythia(['network', 'up', '--dir', join(dataDir, 'chain'), '--json'], passphrase);
    assert.equal(leftover.code, 0, leftover.stderr);
    const orphan = gethOf(dataDir)!;
    const second = await up(['--data-dir', dataDir]);
    assert.match(second.stderr(), new RegExp(`taking over the lock of .* left by pythia up \\(pid ${first.child.pid},`));
    assert.match(
      second.stderr(),
      new RegExp(
        `found the chain node of this data directory still running without its Pythia node \\(geth, pid ${orphan}\\): stopping it`,
      ),
    );
    assert.match(second.stderr(), /contracts found from an earlier start/);
    assert.notEqual(gethOf(dataDir), orphan);

    const refused = await runPythia(['up', '--data-dir', dataDir, '--port', '0'], passphrase);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`error: the data directory .* is in use by pythia up \\(pid ${second.child.pid},`));
    const running = gethOf(dataDir)!;
    assert.equal(await stop(second.child), 0);
    assert.ok(await goneWithin(running, 10_000));
  });

  it('says what to run when geth is missing, and refuses a data directory whose chain is of the other kind', async () => {
    const fresh = join(dir, 'no-geth');
    const missing = spawn(process.execPath, [bin, 'up', '--data-dir', fresh, '--port', '0'], {
      env: { ...process.env, PYTHIA_GETH: '/bin/false' },
    });
    let stderr = '';
    missing.stderr.on('data', (c) => (stderr += c));
    const [code] = await once(missing, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /npm run install:geth/);
    assert.match(stderr, /pythia up --chain anvil/);
    assert.equal(existsSync(fresh), false, 'refused before anything was written (no passphrase asked, no key made)');

    const anvilDir = join(dir, 'anvil-chain');
    const anvil = await up(['--chain', 'anvil', '--data-dir', anvilDir]);
    assert.equal(await stop(anvil.child), 0);
    const refused = await runPythia(['up', '--data-dir', anvilDir, '--port', '0'], passphrase);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the chain of .* is an embedded Anvil .* Go on with it knowingly with `--chain anvil`/);
    const other = await runPythia(['up', '--chain', 'anvil', '--data-dir', join(dir, 'geth'), '--port', '0'], passphrase);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /the chain of .* is the node's own geth validator/);
    const both = await runPythia(['up', '--chain', 'anvil', '--rpc-url', 'http://127.0.0.1:9', '--data-dir', fresh], passphrase);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--rpc-url and --chain cannot be used together/);
  });

  it('--chain anvil: starts the embedded Anvil, deploys once, keeps state across restarts, and keys stay encrypted', async () => {
    const dataDir = join(dir, 'embedded');
    const first = await up(['--chain', 'anvil', '--data-dir', dataDir]);
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
    assert.ok(existsSync(join(dataDir, 'chain', 'state.json.gz')), 'the chain state is saved in the data dir');
    assert.equal(existsSync(join(dataDir, 'pythia.lock')), false, 'the lock is released on stop');
    assert.equal(existsSync(join(dataDir, 'chain', 'anvil.pid')), false, 'the chain is stopped with the node');

    const second = await up(['--chain', 'anvil', '--data-dir', dataDir]);
    assert.match(second.stderr(), /contracts found from an earlier start/);
    assert.equal(second.deployment.contracts.fleet, first.deployment.contracts.fleet);
    assert.equal(second.deployment.deploymentBlock, first.deployment.deploymentBlock);
    const code = await createChainClients(second.deployment).publicClient.getCode({ address: second.deployment.contracts.fleet });
    assert.ok(code && code.length > 2, 'the contract survived the restart');
    assert.equal(await stop(second.child), 0);
  });

  it('prints the council console’s address with its token in the fragment; the page is served and the token opens the index', async () => {
    const dataDir = join(dir, 'console');
    const child = spawn(process.execPath, [bin, 'up', '--chain', 'anvil', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, PYTHIA_PASSPHRASE: passphrase },
    });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const found = /^ {2}console {3}(\S+)$/m.exec(stdout);
          if (found) resolve(found[1]!);
        });
        child.on('exit', (code) => reject(new Error(`pythia up exited with ${code}: ${stdout}`)));
      });
      const [, gateway, token] = /^(http:\/\/127\.0\.0\.1:\d+)\/console\/#token=([0-9a-f]{64})$/.exec(line) ?? [];
      assert.ok(gateway && token, line);
      assert.equal(token, readFileSync(join(dataDir, 'console-token'), 'utf8').trim(), 'the token of <data dir>/console-token');
      const page = await fetch(`${gateway}/console/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.match(await page.text(), /<script type="module" src="app\.js"><\/script>/);
      assert.equal((await fetch(`${gateway}/v1/index/status`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal((await fetch(`${gateway}/v1/index/status`, { headers: { authorization: `Bearer ${'0'.repeat(64)}` } })).status, 401);
    } finally {
      assert.equal(await stop(child as ChildProcessWithoutNullStreams), 0);
    }
  });

  it('--chain anvil: kill -9 of `pythia up` takes its Anvil along; the next `up` takes over the lock and finds the contracts; a second `up` is refused', async () => {
    const dataDir = join(dir, 'embedded');
    const first = await up(['--chain', 'anvil', '--data-dir', dataDir]);
    const anvil = readAnvilPidFile(join(dataDir, 'chain'));
    assert.ok(anvil && processIdentity(anvil.pid), 'the chain runs, recorded in chain/anvil.pid');
    first.child.removeAllListeners('exit');
    const killed = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
    first.child.kill('SIGKILL');
    assert.equal(await killed, 'SIGKILL');
    assert.ok(await goneWithin(anvil.pid, 3_000), `Anvil ${anvil.pid} died with its node`);

    const second = await up(['--chain', 'anvil', '--data-dir', dataDir]);
    assert.match(second.stderr(), new RegExp(`taking over the lock of .* left by pythia up \\(pid ${first.child.pid},.*no longer running`));
    assert.match(second.stderr(), /contracts found from an earlier start/);
    const code = await createChainClients(second.deployment).publicClient.getCode({ address: second.deployment.contracts.fleet });
    assert.ok(code && code.length > 2, 'the contracts survived the kill');

    for (const command of [
      ['up', '--chain', 'anvil', '--port', '0'],
      ['demo', '--duration', '20'],
    ]) {
      const refused = await runPythia([...command, '--data-dir', dataDir], passphrase);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(
          `error: the data directory .* is in use by pythia up \\(pid ${second.child.pid}, since [^;]+; chain ${second.deployment.rpcUrl}, gateway ${second.deployment.gatewayUrl}`,
        ),
      );
    }

    const chainPid = readAnvilPidFile(join(dataDir, 'chain'))!.pid;
    assert.equal(await stop(second.child), 0);
    assert.equal(processIdentity(chainPid), undefined, 'stopping `pythia up` stops its chain');
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

/** The geth pid of the data directory's own chain (its pid file), if it runs. */
function gethOf(dataDir: string): number | undefined {
  const node = readNodeProcess(join(dataDir, 'chain', 'validator-1'));
  return node.state === 'running' ? node.pid : undefined;
}

async function waitFor<T>(check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processIdentity(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return processIdentity(pid) === undefined;
}
