import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getAddress, type Hex } from 'viem';
import {
  initNetwork,
  ipcRequest,
  nodeRpcEndpoint,
  startNetwork,
  stopNetwork,
  stopNode,
  waitForNetworkReady,
  type NetworkConfig,
} from '../../src/network/index.js';
import { inTurnSigner } from '../../src/network/startSealing.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';
import { assertDocumentedJson, runPythia } from '../e2e/runPythia.js';
import { blockNumberOf, freePortBlock, signerOfBlock, sleep, waitFor } from './networkKit.js';

/**
 * Clique's deadlock on real geth 1.13.15: of three validators, two (a bare majority) that may both
 * seal the next block, both out of turn, each seal their own; once connected, each keeps its own
 * block (equal total difficulty, geth prefers what it sealed) and may not seal on it again, so the
 * chain stands still for good. `pythia network heal --watch` keeps one branch, rewinds the other validator
 * and the chain moves on. A block every second.
 */
const passphrase = 'fork-heal-test-passphrase-not-a-secret';

type Head = { number: Hex; hash: Hex; difficulty: Hex };
const headOf = (ipc: string) => ipcRequest<Head>(ipc, 'eth_getBlockByNumber', ['latest', false]);

/** Waits until the head has not moved for `quietMs`, and returns it. */
async function settledHead(ipc: string, quietMs: number): Promise<number> {
  let last = await blockNumberOf(ipc);
  for (let since = Date.now(); Date.now() - since < quietMs; ) {
    await sleep(200);
    const now = await blockNumberOf(ipc);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

describe('Clique deadlock: two validators each on its own block', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'pythia-forkheal-'));
  const dir = join(root, 'net');
  after(async () => {
    await stopNetwork({ dir }).catch(() => {});
    rmSync(root, { recursive: true, force: true });
  });

  it('stands still until `pythia network heal` rewinds one of them; then blocks follow on the kept branch', async () => {
    const network: NetworkConfig = await initNetwork({
      dir,
      validators: 3,
      period: 1,
      basePort: await freePortBlock(30),
      passphrase,
      scryptN: 1024,
    });
    await startNetwork({ dir, passphrase });
    await waitForNetworkReady({ dir });
    const [one, two, three] = network.nodes.map((n) => ({ ...n, ipc: nodeRpcEndpoint(dir, n) })) as [
      (typeof network.nodes)[0] & { ipc: string },
      (typeof network.nodes)[0] & { ipc: string },
      (typeof network.nodes)[0] & { ipc: string },
    ];
    const signers = network.nodes.map((n) => getAddress(n.address!));

    // Only validator-3 seals: it stops on a block of its own (it may not seal two in a row).
    await ipcRequest(one.ipc, 'miner_stop');
    await ipcRequest(two.ipc, 'miner_stop');
    let head = await settledHead(three.ipc, 3_000);
    // Validator-3's block must be one after which validator-3 is in turn, so that the other two are both out of
    // turn for the next (difficulty 1 each). Validator-1 seals one block, validator-3 the next: two blocks on, until so.
    while (inTurnSigner(signers, BigInt(head + 1)) !== getAddress(three.address!)) {
      await ipcRequest(one.ipc, 'miner_start');
      await waitFor('validator-1 seals one block', async () => ((await blockNumberOf(three.ipc)) > head ? true : undefined), 20_000, 50);
      await ipcRequest(one.ipc, 'miner_stop');
      head = await settledHead(three.ipc, 3_000);
    }
    assert.equal(getAddress(await signerOfBlock(three.ipc, head)), getAddress(three.address!));
    await waitFor(
      'validators 1 and 2 at the same head',
      async () => {
        const [a, b] = await Promise.all([blockNumberOf(one.ipc), blockNumberOf(two.ipc)]);
        return a === head && b === head ? true : undefined;
      },
      20_000,
    );

    // Validator-3 goes; validators 1 and 2 lose each other (admin_removePeer drops the static entry too), then each seals alone.
    await stopNode({ nodeDir: join(dir, three.dir) });
    const enodeOf = async (ipc: string) => (await ipcRequest<{ enode: string }>(ipc, 'admin_nodeInfo')).enode;
    const [enodeOne, enodeTwo] = await Promise.all([enodeOf(one.ipc), enodeOf(two.ipc)]);
    await waitFor(
      'validators 1 and 2 apart for 2 s',
      async () => {
        await ipcRequest(one.ipc, 'admin_removePeer', [enodeTwo]);
        await ipcRequest(two.ipc, 'admin_removePeer', [enodeOne]);
        for (let look = 0; look < 10; look++) {
          if ((await ipcRequest<unknown[]>(one.ipc, 'admin_peers')).length > 0) return undefined;
          await sleep(200);
        }
        return true;
      },
      30_000,
      0,
    );
    await Promise.all([ipcRequest(one.ipc, 'miner_start'), ipcRequest(two.ipc, 'miner_start')]);
    await waitFor(
      'each seals its own next block',
      async () => {
        const [a, b] = await Promise.all([headOf(one.ipc), headOf(two.ipc)]);
        return Number(a.number) === head + 1 && Number(b.number) === head + 1 ? true : undefined;
      },
      20_000,
    );
    const [forkOne, forkTwo] = await Promise.all([headOf(one.ipc), headOf(two.ipc)]);
    assert.notEqual(forkOne.hash, forkTwo.hash, 'two blocks at one height');
    assert.deepEqual([Number(forkOne.difficulty), Number(forkTwo.difficulty)], [1, 1], 'both out of turn');

    // Together again: each keeps its own block, and neither may seal on it. The chain stands still.
    // geth dials a node again only 35 s after it last dialled it (its dial history): from both sides, then wait.
    await ipcRequest(one.ipc, 'admin_addPeer', [enodeTwo]);
    await ipcRequest(two.ipc, 'admin_addPeer', [enodeOne]);
    await waitFor(
      'validators 1 and 2 connected',
      async () => ((await ipcRequest<unknown[]>(one.ipc, 'admin_peers')).length > 0 ? true : undefined),
      60_000,
    );
    await sleep(6_000);
    const [stuckOne, stuckTwo] = await Promise.all([headOf(one.ipc), headOf(two.ipc)]);
    assert.deepEqual([stuckOne.hash, stuckTwo.hash], [forkOne.hash, forkTwo.hash], 'six seconds later, each on its own block still');

    const status = await runPythia(['network', 'status', '--dir', dir], passphrase);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`split at block ${head + 1}: .*pythia network heal`));

    // Unattended: `heal --watch` finds the deadlock and mends it.
    const watchArgs = ['network', 'heal', '--dir', dir, '--watch', '--stalled-for', '3', '--json'];
    const watcher = spawn(process.execPath, [pythiaBin(), ...watchArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    const watched = { stdout: '', stderr: '' };
    watcher.stdout.on('data', (c) => (watched.stdout += c));
    watcher.stderr.on('data', (c) => (watched.stderr += c));
    const watcherExit = once(watcher, 'exit');
    after(() => watcher.kill('SIGKILL'));
    const line = await waitFor('the watch heals', async () => watched.stdout.split('\n').find(Boolean), 90_000);
    const result = assertDocumentedJson(watchArgs, JSON.parse(line)) as {
      outcome: string;
      kept: { number: number; hash: Hex };
      rewound: Array<{ node: string; from: { hash: Hex }; to: { number: number } }>;
      after: { number: number; hash: Hex };
    };
    assert.equal(result.outcome, 'healed');
    const keptHash = BigInt(forkOne.hash) < BigInt(forkTwo.hash) ? forkOne.hash : forkTwo.hash;
    assert.equal(result.kept.hash, keptHash, 'the lower hash of two equal branches');
    assert.equal(result.rewound.length, 1);
    assert.equal(result.rewound[0]!.to.number, head, 'back to the block both branches share');
    assert.notEqual(result.rewound[0]!.from.hash, keptHash);
    assert.ok(result.after.number > head + 1);

    // Blocks go on, on the kept branch, with two of three validators.
    await waitFor('three more blocks', async () => ((await blockNumberOf(one.ipc)) >= result.after.number + 3 ? true : undefined), 30_000);
    const [a, b] = await Promise.all([
      ipcRequest<Head>(one.ipc, 'eth_getBlockByNumber', [`0x${(head + 1).toString(16)}`, false]),
      ipcRequest<Head>(two.ipc, 'eth_getBlockByNumber', [`0x${(head + 1).toString(16)}`, false]),
    ]);
    assert.deepEqual([a.hash, b.hash], [keptHash, keptHash]);

    assert.equal(watched.stdout.trim().split('\n').length, 1, 'the watch told one heal, nothing while the chain moves');
    assert.equal(watcher.exitCode, null, 'and watches on');

    const again = await runPythia(['network', 'heal', '--dir', dir, '--stalled-for', '2', '--json'], passphrase);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).outcome, 'moving', 'a moving chain is left alone');

    // A lone validator cannot be healed: the watch says why, once, however often it looks.
    await stopNode({ nodeDir: join(dir, two.dir) });
    await waitFor('the watch tells why it cannot heal', async () => (/cannot heal/.test(watched.stderr) ? true : undefined), 30_000);
    await sleep(7_000);
    assert.equal(watched.stderr.match(/cannot heal: 1 validator\(s\) of this folder run/g)?.length, 1, watched.stderr);
    watcher.kill('SIGTERM');
    assert.deepEqual(await watcherExit, [0, null], 'SIGTERM ends the watch cleanly');
  });
});
