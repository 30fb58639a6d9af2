import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Chain id of the embedded chain: private, and not any public network's. */
export const DEFAULT_CHAIN_ID = 20601;
/** Large enough for a batch of a few hundred readings per transaction. */
export const DEFAULT_BLOCK_GAS_LIMIT = 300_000_000n;

export type StartAnvilParameters = {
  /** Folder for the chain state; the chain survives restarts when the same folder is used. */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  chainId?: number;
  blockGasLimit?: bigint;
  /** Seconds between blocks; undefined = a block per transaction (automine). */
  blockTime?: number;
};

export type StartAnvilReturnType = {
  rpcUrl: string;
  chainId: number;
  process: ChildProcess;
  stop: () => Promise<void>;
};

/** Path of the Anvil binary shipped in the npm platform package of @foundry-rs/anvil. */
export function anvilBinaryPath(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platform = process.platform === 'win32' ? 'win32' : process.platform;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve(`@foundry-rs/anvil-${platform}-${arch}/package.json`);
  return join(pkg, '..', 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Anvil on loopback with no pre-funded accounts (so no well-known development keys
 * exist on the chain) and, with a data dir, state that is loaded at start and saved on stop.
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<StartAnvilReturnType> {
  const host = parameters.host ?? '127.0.0.1';
  const port = parameters.port || (await freePort(host));
  const chainId = parameters.chainId ?? DEFAULT_CHAIN_ID;
  const args = [
    '--host',
    host,
    '--port',
    String(port),
    '--chain-id',
    String(chainId),
    '--accounts',
    '0',
    '--gas-limit',
    String(parameters.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT),
    '--hardfork',
    'prague',
  ];
  if (parameters.blockTime) args.push('--block-time', String(parameters.blockTime));
  // Anvil keeps caches under $HOME/.foundry: keep them in the data dir (or a temporary one).
  const env = { ...process.env, HOME: parameters.dataDir ?? mkdtempSync(join(tmpdir(), 'pythia-anvil-')) };
  if (parameters.dataDir) {
    mkdirSync(parameters.dataDir, { recursive: true });
    args.push('--state', join(parameters.dataDir, 'state.json'), '--state-interval', '5');
  }
  const child = spawn(anvilBinaryPath(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const rpcUrl = `http://${host}:${port}`;
  await waitForRpc(rpcUrl, child, () => output);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }));
  return { rpcUrl, chainId, process: child, stop };
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}: ${output().slice(-2000)}`);
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`anvil did not answer on ${rpcUrl} within 30 s: ${output().slice(-2000)}`);
}
