import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Hex, toHex } from 'viem';
import { startAnvil, type StartAnvilReturnType } from './anvil.js';
import { callRpc } from './anvilRpc.js';
import { chainEndpointError, ChainUnreachableError, isIpcEndpoint } from './chainTransport.js';
import { createChainClients } from './clients.js';
import { ChainIpcError } from './ipcConnection.js';

/** Code that reverts with a 4-byte reason selector 0xdeadbeef: PUSH4 … PUSH1 0 MSTORE PUSH1 4 PUSH1 28 REVERT. */
const REVERTING_CODE: Hex = '0x63deadbeef6000526004601cfd';
const REVERTER = '0x00000000000000000000000000000000000000aa';
const BIG = '0x00000000000000000000000000000000000000bb';

describe('chainTransport: http(s) URLs and IPC sockets, one way in', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-transport-'));
  let overIpc: StartAnvilReturnType;
  let overHttp: StartAnvilReturnType;
  before(async () => {
    [overIpc, overHttp] = await Promise.all([startAnvil({ ipcPath: join(dir, 'chain', 'anvil.ipc') }), startAnvil()]);
    for (const chain of [overIpc, overHttp]) await callRpc(chain.rpcUrl, 'anvil_setCode', [REVERTER, REVERTING_CODE]);
  });
  after(async () => {
    await Promise.all([overIpc?.stop(), overHttp?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells socket paths from URLs, and refuses what is neither', () => {
    assert.equal(isIpcEndpoint('/srv/pythia/chain/anvil.ipc'), true);
    assert.equal(isIpcEndpoint('http://127.0.0.1:8545'), false);
    assert.equal(isIpcEndpoint('relative/geth.ipc'), false);
    assert.equal(chainEndpointError('/srv/pythia/chain/anvil.ipc'), undefined);
    assert.equal(chainEndpointError('https://node.example:8545'), undefined);
    for (const bad of ['', 'relative/geth.ipc', 'ws://127.0.0.1:8546', 'file:///srv/x.ipc', '/srv/a\nb', 42]) {
      assert.match(chainEndpointError(bad) ?? '', /must be|not a usable/, JSON.stringify(bad));
    }
  });

  it('answers over IPC as over HTTP: results, and reverts with their data decoded the same way', async () => {
    assert.equal(overIpc.rpcUrl, join(dir, 'chain', 'anvil.ipc'));
    const refusal = async (rpcUrl: string) => {
      const { publicClient } = createChainClients({ chainId: 20601, rpcUrl });
      assert.equal(await publicClient.getChainId(), 20601);
      assert.equal(await publicClient.getBlockNumber(), 0n);
      const error = await publicClient.call({ to: REVERTER }).then(
        () => assert.fail('the call reverts'),
        (e: Error & { shortMessage?: string; walk: (fn: (e: unknown) => boolean) => unknown }) => e,
      );
      const data = (error.walk((e) => typeof (e as { data?: unknown }).data === 'string') as { data?: Hex } | undefined)?.data;
      return { name: error.name, shortMessage: error.shortMessage, data };
    };
    const [ipc, http] = [await refusal(overIpc.rpcUrl), await refusal(overHttp.rpcUrl)];
    assert.deepEqual(ipc, http);
    assert.equal(ipc.data, '0xdeadbeef');
  });

  it('carries an answer of megabytes over the socket, in many chunks', async () => {
    const code = toHex(Uint8Array.from({ length: 1_500_000 }, (_, i) => (i * 7 + 1) % 256 || 1));
    await callRpc(overIpc.rpcUrl, 'anvil_setCode', [BIG, code]);
    const { publicClient } = createChainClients({ chainId: 20601, rpcUrl: overIpc.rpcUrl });
    assert.equal(await publicClient.getCode({ address: BIG }), code);
  });

  it('a socket nobody listens on is unreachable (the failover moves on), not an answer', async () => {
    const nowhere = join(dir, 'nobody.ipc');
    await assert.rejects(
      callRpc(nowhere, 'eth_chainId'),
      (e: unknown) => e instanceof ChainIpcError && /no node listens there/.test(e.message),
    );
    const { publicClient } = createChainClients({ chainId: 20601, rpcUrl: nowhere });
    await assert.rejects(publicClient.getChainId(), (e: unknown) => {
      const unreachable = (e as { walk: (fn: (e: unknown) => boolean) => unknown }).walk((c) => c instanceof ChainUnreachableError);
      return unreachable instanceof ChainUnreachableError;
    });
  });

  it('does not hold a command-line process open once its requests are answered', async () => {
    const clients = fileURLToPath(new URL('./clients.ts', import.meta.url));
    const script = `
      const { createChainClients } = await import(${JSON.stringify(clients)});
      const { publicClient } = createChainClients({ chainId: 20601, rpcUrl: ${JSON.stringify(overIpc.rpcUrl)} });
      console.log(String(await publicClient.getBlockNumber()));
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const started = Date.now();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(timer);
    assert.deepEqual([code, signal, output.trim()], [0, null, '0'], 'it printed the block number and ended by itself');
    assert.ok(Date.now() - started < 15_000);
  });
});
