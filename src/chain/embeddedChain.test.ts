import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Address, type Hex, parseEther } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { processIdentity } from '../processes/processIdentity.js';
import { setprivPath } from '../processes/setpriv.js';
import {
  CONNECT_TO_SOCKET_SCRIPT,
  networkNamespaceOf,
  runAsStranger,
  strangerBundle,
  STRANGER_UID,
  socketInodesOf,
  tcpListeners,
} from '../testing/stranger.js';
import { anvilBinaryPackage, anvilBinaryPath } from './anvil.js';
import { ANVIL_PID_FILE, anvilCachePath, anvilPidRecord, writeAnvilPidFile } from './anvilPidFile.js';
import { callRpc } from './anvilRpc.js';
import { PREVIOUS_SNAPSHOT_FILE, SNAPSHOT_FILE } from './anvilSnapshot.js';
import { createChainClients } from './clients.js';
import { deployPythia } from './deploy.js';
import { ChainStateUnreadableError, type EmbeddedChain, startEmbeddedChain } from './embeddedChain.js';
import { nativeAccount } from './nativeAccount.js';

const loadScript = fileURLToPath(new URL('../testing/embeddedChainUnderLoad.ts', import.meta.url));
const randomRoles = () => ({
  admin: nativeAccount(generatePrivateKey()),
  operator: nativeAccount(generatePrivateKey()),
  relayer: nativeAccount(generatePrivateKey()),
  pythia: nativeAccount(generatePrivateKey()),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const blockNumber = async (rpcUrl: string) => BigInt(await callRpc<string>(rpcUrl, 'eth_blockNumber'));
const setBalance = (rpcUrl: string, address: Address) =>
  callRpc(rpcUrl, 'anvil_setBalance', [address, `0x${parseEther('1000').toString(16)}`]);
/** Mines one block (a self-transfer by a funded account). */
async function mine(chain: { rpcUrl: string; chainId: number }, key: Hex): Promise<bigint> {
  const account = nativeAccount(key);
  const { publicClient, walletClient } = createChainClients(chain);
  const hash = await walletClient(account).sendTransaction({ to: account.address, value: 1n });
  return (await publicClient.waitForTransactionReceipt({ hash })).blockNumber;
}
const gone = async (pid: number, withinMs = 3_000) => {
  const deadline = Date.now() + withinMs;
  while (processIdentity(pid) && Date.now() < deadline) await sleep(20);
  return processIdentity(pid) === undefined;
};

const crashTrials = Number(process.env.PYTHIA_CRASH_TRIALS ?? 8);

describe('the embedded chain', { timeout: 200_000 + crashTrials * 15_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'pythia-embedded-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const freshDir = (name: string) => mkdtempSync(join(root, `${name}-`));

  it('round-trips a chain with the contracts deployed through its snapshot', async () => {
    const chainDir = freshDir('roundtrip');
    const first = await startEmbeddedChain({ chainDir });
    let deployment: Awaited<ReturnType<typeof deployPythia>>;
    let saved: Awaited<ReturnType<EmbeddedChain['save']>>;
    try {
      assert.equal(first.diesWithParent, setprivPath() !== undefined);
      if (process.platform === 'linux') assert.equal(first.diesWithParent, true, 'setpriv is part of util-linux');
      deployment = await deployPythia({
        rpcUrl: first.rpcUrl,
        chainId: first.chainId,
        roles: randomRoles(),
        gatewayUrl: 'http://127.0.0.1:0',
        embeddedChain: true,
      });
      saved = await first.save();
      assert.equal(saved.number, await blockNumber(first.rpcUrl));
      assert.equal(first.lastSavedBlock(), saved);
      assert.ok(existsSync(join(chainDir, ANVIL_PID_FILE)));
    } finally {
      await first.stop();
    }
    assert.equal(existsSync(join(chainDir, ANVIL_PID_FILE)), false, 'stop removes the pid file');

    const second = await startEmbeddedChain({ chainDir });
    try {
      assert.equal(await blockNumber(second.rpcUrl), saved.number);
      assert.equal(second.lastSavedBlock()?.number, saved.number);
      assert.equal(second.lastSavedBlock()?.hash, saved.hash, 'the same head block, hash and all');
      const { publicClient } = createChainClients(second);
      for (const [name, address] of Object.entries(deployment.contracts)) {
        const code = await publicClient.getCode({ address: address as Address });
        assert.ok(code && code.length > 2, `${name} has its code after the restart`);
      }
    } finally {
      await second.stop();
    }
  });

  it('starts from the previous snapshot when the newest is damaged, and refuses to start empty when none reads', async () => {
    const chainDir = freshDir('fallback');
    const key = generatePrivateKey();
    const chain = await startEmbeddedChain({ chainDir, saveIntervalMs: 3_600_000 });
    let older: bigint;
    let newer: bigint;
    try {
      await setBalance(chain.rpcUrl, nativeAccount(key).address);
      older = await mine(chain, key);
      await chain.save();
      newer = await mine(chain, key);
      await chain.save();
    } finally {
      await chain.stop();
    }
    const newest = join(chainDir, SNAPSHOT_FILE);
    truncateSync(newest, Math.floor(readFileSync(newest).length / 2));

    const messages: string[] = [];
    const fallback = await startEmbeddedChain({ chainDir, onProgress: (m) => messages.push(m) });
    try {
      assert.equal(await blockNumber(fallback.rpcUrl), older);
      assert.ok(older < newer);
      assert.match(
        messages.join('\n'),
        new RegExp(
          `state\\.json\\.gz: damaged or truncated gzip data[^]*started from .*${PREVIOUS_SNAPSHOT_FILE} instead \\(block ${older}\\)`,
        ),
      );
    } finally {
      await fallback.stop();
    }

    // Both damaged: nothing starts, and nothing is overwritten.
    for (const name of [SNAPSHOT_FILE, PREVIOUS_SNAPSHOT_FILE]) writeFileSync(join(chainDir, name), 'not a snapshot');
    await assert.rejects(startEmbeddedChain({ chainDir }), (error: unknown) => {
      assert.ok(error instanceof ChainStateUnreadableError);
      assert.match(error.message, /state\.json\.gz: not an Anvil state dump/);
      assert.match(error.message, /state\.previous\.json\.gz: not an Anvil state dump/);
      assert.match(error.message, /Refusing to start an empty chain/);
      return true;
    });
    assert.equal(readFileSync(join(chainDir, SNAPSHOT_FILE), 'utf8'), 'not a snapshot');
  });

  it('brings Anvil back on the same URL after kill -9, from its last saved block', async () => {
    const chainDir = freshDir('restart');
    const key = generatePrivateKey();
    const messages: string[] = [];
    const chain = await startEmbeddedChain({ chainDir, saveIntervalMs: 3_600_000, onProgress: (m) => messages.push(m) });
    try {
      await setBalance(chain.rpcUrl, nativeAccount(key).address);
      await mine(chain, key);
      const saved = await chain.save();
      const unsaved = await mine(chain, key);
      assert.equal(unsaved, saved.number + 1n);
      const first = chain.pid();
      process.kill(first, 'SIGKILL');
      const deadline = Date.now() + 30_000;
      while (!messages.some((m) => /restarting it/.test(m)) || chain.pid() === first) {
        assert.ok(Date.now() < deadline, `no restart: ${messages.join('\n')}`);
        await sleep(50);
      }
      await waitFor(async () => (await blockNumber(chain.rpcUrl).catch(() => -1n)) >= 0n);
      assert.match(
        messages.join('\n'),
        new RegExp(
          `pid ${first}\\) stopped unexpectedly \\(SIGKILL\\); restarting it from its saved state \\(block ${saved.number}; later blocks are lost\\)`,
        ),
      );
      assert.equal(await blockNumber(chain.rpcUrl), saved.number, 'the unsaved block is gone, the saved ones are there');
      assert.ok(await mine(chain, key), 'and the chain goes on');
    } finally {
      await chain.stop();
    }
  });

  it('gives up, telling why, when Anvil keeps dying', async () => {
    const chainDir = freshDir('dying');
    let fatal: Error | undefined;
    const chain = await startEmbeddedChain({ chainDir, onFatal: (error) => (fatal = error) });
    try {
      for (let death = 1; death <= 4; death++) {
        const pid = chain.pid();
        process.kill(pid, 'SIGKILL');
        await waitFor(() => fatal !== undefined || (chain.pid() !== pid && processIdentity(chain.pid()) !== undefined), 30_000);
      }
      await waitFor(() => fatal !== undefined);
      assert.match(fatal!.message, /the embedded chain died 4 times within a minute \(last: SIGKILL\); giving up/);
    } finally {
      await chain.stop();
    }
  });

  it('is reached only through its 0600 IPC socket: its HTTP listener is in a network of its own, another local user cannot connect', {
    skip: process.platform !== 'linux',
  }, async () => {
    const chainDir = freshDir('isolated');
    const chain = await startEmbeddedChain({ chainDir });
    try {
      assert.equal(chain.rpcUrl, join(chainDir, 'anvil.ipc'));
      assert.equal(statSync(chain.rpcUrl).mode & 0o777, 0o600, 'the socket is 0600');
      assert.equal(statSync(chainDir).mode & 0o777, 0o700, 'in a 0700 folder');
      assert.equal(await blockNumber(chain.rpcUrl), 0n, 'the node itself reaches the chain over IPC');

      // Anvil always listens on HTTP: that listener exists, but in Anvil's own network namespace.
      assert.notEqual(networkNamespaceOf(chain.pid()), networkNamespaceOf('self'));
      const anvilSockets = socketInodesOf(chain.pid());
      const ownListeners = tcpListeners(chain.pid()).filter((l) => anvilSockets.has(l.inode));
      assert.ok(ownListeners.length > 0, 'Anvil holds a listening HTTP socket');
      const onHost = tcpListeners('self').filter((l) => anvilSockets.has(l.inode));
      assert.deepEqual(onHost, [], 'none of its sockets listens in the host network');

      const stranger = await runAsStranger<{ connected: boolean; code?: string }>(CONNECT_TO_SOCKET_SCRIPT, { path: chain.rpcUrl });
      assert.deepEqual(stranger, { connected: false, code: 'EACCES' });
    } finally {
      await chain.stop();
    }
    assert.equal(existsSync(join(chainDir, ANVIL_PID_FILE)), false);
  });

  it('runs for a user who is not root: Anvil in a user and network namespace of its own (unshare --map-root-user)', {
    skip: process.platform !== 'linux' || process.getuid?.() !== 0 ? 'needs root, to run the chain as another user' : false,
  }, async () => {
    // The node's own code (bundled where uid 65534 can read it), run as that user: an unprivileged node starts, uses, saves and stops its chain.
    const script = `
      import { mkdtempSync, readlinkSync, statSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const { embeddedChain, anvilRpc, namespace } = JSON.parse(process.env.INPUT);
      const { startEmbeddedChain } = await import(embeddedChain);
      const { callRpc } = await import(anvilRpc);
      const { isolatedNetworkCommand } = await import(namespace);
      const chain = await startEmbeddedChain({ chainDir: join(mkdtempSync(join(tmpdir(), 'pythia-unprivileged-')), 'chain') });
      const report = {
        isolation: isolatedNetworkCommand().command.slice(1),
        chainId: Number(await callRpc(chain.rpcUrl, 'eth_chainId')),
        socket: { mode: statSync(chain.rpcUrl).mode & 0o777, uid: statSync(chain.rpcUrl).uid },
        ownNetwork: readlinkSync('/proc/' + chain.pid() + '/ns/net') !== readlinkSync('/proc/self/ns/net'),
        saved: Number((await chain.save()).number),
      };
      await chain.stop();
      console.log(JSON.stringify(report));
    `;
    const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
    const bundle = await strangerBundle({
      modules: {
        embeddedChain: here('./embeddedChain.ts'),
        anvilRpc: here('./anvilRpc.ts'),
        namespace: here('../processes/networkNamespace.ts'),
      },
      packages: [anvilBinaryPackage()],
    });
    let report: Record<string, unknown>;
    try {
      report = await runAsStranger<Record<string, unknown>>(script, bundle.modules, 60_000);
    } finally {
      bundle.remove();
    }
    assert.deepEqual(report, {
      isolation: ['--net', '--map-root-user'],
      chainId: 20601,
      socket: { mode: 0o600, uid: STRANGER_UID },
      ownNetwork: true,
      saved: 0,
    });
  });

  it('saves what an orphan Anvil of its folder holds, stops it, and starts in its place', async () => {
    // An Anvil left running by a node that died where nothing kills it with its parent.
    const chainDir = freshDir('orphan');
    const orphan = spawn(
      anvilBinaryPath(),
      [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--chain-id',
        '20601',
        '--accounts',
        '0',
        '--hardfork',
        'prague',
        '--cache-path',
        anvilCachePath(chainDir),
      ],
      { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
    );
    try {
      const port = await listeningPort(orphan);
      const rpcUrl = `http://127.0.0.1:${port}`;
      writeAnvilPidFile(chainDir, { ...anvilPidRecord(orphan.pid!, rpcUrl), parentPid: 1 });
      const key = generatePrivateKey();
      await setBalance(rpcUrl, nativeAccount(key).address);
      const head = await mine({ rpcUrl, chainId: 20601 }, key);

      const messages: string[] = [];
      const chain = await startEmbeddedChain({ chainDir, onProgress: (m) => messages.push(m) });
      try {
        assert.match(
          messages.join('\n'),
          new RegExp(`still running without its node \\(pid ${orphan.pid}\\)[^]*saved its state up to block ${head}`),
        );
        assert.ok(await gone(orphan.pid!), 'the orphan is stopped');
        assert.equal(await blockNumber(chain.rpcUrl), head, 'its blocks are kept');
      } finally {
        await chain.stop();
      }
    } finally {
      orphan.kill('SIGKILL');
    }
  });

  describe('kill -9 at random moments while it saves under load', () => {
    const trials = crashTrials;
    const chainDir = freshDir('crash');
    const loadKey = generatePrivateKey();
    let fleet: Address;
    let saved = 0n;
    const outcomes: string[] = [];
    before(async () => {
      const chain = await startEmbeddedChain({ chainDir });
      try {
        const deployment = await deployPythia({
          rpcUrl: chain.rpcUrl,
          chainId: chain.chainId,
          roles: randomRoles(),
          gatewayUrl: 'http://127.0.0.1:0',
          embeddedChain: true,
        });
        fleet = deployment.contracts.fleet;
        await setBalance(chain.rpcUrl, nativeAccount(loadKey).address);
        saved = (await chain.save()).number;
      } finally {
        await chain.stop();
      }
    });
    after(() => process.stderr.write(`crash trials:\n  ${outcomes.join('\n  ')}\n`));

    for (let trial = 1; trial <= trials; trial++) {
      const killAnvilFirst = trial % 3 === 0;
      it(`trial ${trial}: kill -9 of ${killAnvilFirst ? 'Anvil, then of its node' : 'the node'} → Anvil dies with it, the next start reads its state`, async () => {
        const node = spawn(process.execPath, ['--import', 'tsx', loadScript, chainDir, '100'], {
          env: { ...process.env, LOAD_KEY: loadKey },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const events: Array<Record<string, unknown>> = [];
        createInterface({ input: node.stdout! }).on('line', (line) => events.push(JSON.parse(line)));
        const exited = once(node, 'exit');
        let anvilPid: number;
        try {
          await waitFor(() => events.some((e) => e.event === 'ready'), 60_000);
          await sleep(300 + Math.random() * 1_200);
          if (killAnvilFirst) {
            const before = events.find((e) => e.event === 'ready')!.anvilPid as number;
            process.kill(before, 'SIGKILL');
            await waitFor(() => events.some((e) => e.event === 'progress' && /restarting it/.test(String(e.message))), 30_000);
            await sleep(200 + Math.random() * 800);
          }
        } finally {
          anvilPid = [...events].reverse().find((e) => typeof e.anvilPid === 'number')?.anvilPid as number;
          node.kill('SIGKILL');
          await exited;
        }
        const savedByNode = events.filter((e) => e.event === 'saved').map((e) => Number(e.number));
        saved = BigInt(Math.max(Number(saved), ...savedByNode));
        if (setprivPath()) assert.ok(await gone(anvilPid), `Anvil ${anvilPid} died with its node`);

        const messages: string[] = [];
        const chain = await startEmbeddedChain({ chainDir, onProgress: (m) => messages.push(m) });
        try {
          const head = await blockNumber(chain.rpcUrl);
          assert.ok(head >= saved, `the chain restarted at block ${head}, below the saved block ${saved}`);
          const { publicClient } = createChainClients(chain);
          assert.ok(((await publicClient.getCode({ address: fleet })) ?? '0x').length > 2, 'the contracts are there');
          await assertNotTorn(chain, nativeAccount(loadKey).address, head);
          const reached = Math.max(0, ...events.filter((e) => e.event === 'head').map((e) => Number(e.number)));
          outcomes.push(
            `trial ${trial}: ${savedByNode.length} saves, chain reached block ${reached}, restarted at ${head} (saved ${saved}, ${Math.max(0, reached - Number(head))} blocks lost)` +
              `${messages.length ? `; ${messages.join(' / ')}` : ''}`,
          );
        } finally {
          await chain.stop();
          saved = chain.lastSavedBlock()?.number ?? saved;
        }
      });
    }
  });
});

/**
 * The state holds exactly the transactions of its blocks: the load account's nonce is one above
 * the nonce of its last transaction in a block (a torn dump would hold a later block's effects).
 */
async function assertNotTorn(chain: { rpcUrl: string; chainId: number }, sender: Address, head: bigint): Promise<void> {
  const { publicClient } = createChainClients(chain);
  const nonce = await publicClient.getTransactionCount({ address: sender, blockNumber: head });
  if (nonce === 0) return;
  for (let n = head; n >= 0n; n--) {
    const block = await publicClient.getBlock({ blockNumber: n, includeTransactions: true });
    const mine = block.transactions.filter((tx) => tx.from.toLowerCase() === sender.toLowerCase());
    if (mine.length === 0) continue;
    assert.equal(Math.max(...mine.map((tx) => tx.nonce)), nonce - 1, `block ${n} holds the sender's last transaction`);
    return;
  }
  assert.fail(`the sender has nonce ${nonce} but no transaction in any block`);
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** The port an Anvil child says it listens on (its output keeps being read: Anvil must never write to a closed pipe). */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /Listening on 127\.0\.0\.1:(\d+)\r?\n/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`anvil exited: ${output}`)));
  });
}
