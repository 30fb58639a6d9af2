import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { anvilBinaryPath, DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_CHAIN_ID, freePort } from '../chain/anvil.js';

/**
 * An Anvil process a test controls: a fixed port that survives restarts, kill -9, its state
 * dumped (anvil_dumpState) to a file and a fresh process started from such a file, as a node
 * that crashed and came back from an older save would. Tests only (chain faults, failover).
 */
export type AnvilNode = {
  rpcUrl: string;
  port: number;
  chainId: number;
  /** Sends an RPC request (test cheatcodes: evm_snapshot, anvil_dropTransaction, ...). */
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  /** Writes the chain's current state to `path` (JSON, as --load-state reads it). */
  dumpStateTo: (path: string) => Promise<void>;
  /** SIGKILL, and waits for the process to be gone. */
  kill9: () => Promise<void>;
  /** A new process on the same port, from a dumped state (or empty). */
  restart: (options?: { loadState?: string }) => Promise<void>;
  /** Kills the process (if running) and removes its temporary home. */
  stop: () => Promise<void>;
  readonly process: ChildProcess;
};

export type StartAnvilNodeParameters = {
  port?: number;
  chainId?: number;
  /** A state file written by dumpStateTo. */
  loadState?: string;
  /** No automining: blocks only on evm_mine (transactions wait in the pool). */
  noMining?: boolean;
};

export async function startAnvilNode(parameters: StartAnvilNodeParameters = {}): Promise<AnvilNode> {
  const port = parameters.port ?? (await freePort());
  const chainId = parameters.chainId ?? DEFAULT_CHAIN_ID;
  const home = mkdtempSync(join(tmpdir(), 'pythia-anvil-node-'));
  const rpcUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let nextId = 1;
  // However the test ends, its node does not outlive it.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const rpc = async (method: string, params: unknown[] = []): Promise<unknown> => {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };

  const launch = async (loadState: string | undefined) => {
    const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--accounts', '0'];
    args.push('--gas-limit', String(DEFAULT_BLOCK_GAS_LIMIT), '--hardfork', 'prague');
    if (parameters.noMining) args.push('--no-mining');
    if (loadState) args.push('--load-state', loadState);
    child = spawn(anvilBinaryPath(), args, { env: { ...process.env, HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 10_000) stderr += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode}: ${stderr.slice(-2000)}`);
      try {
        await rpc('eth_chainId');
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`anvil did not answer on ${rpcUrl}: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const kill9 = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  };

  await launch(parameters.loadState);
  return {
    rpcUrl,
    port,
    chainId,
    rpc,
    get process() {
      return child;
    },
    async dumpStateTo(path) {
      const dump = (await rpc('anvil_dumpState')) as string;
      writeFileSync(path, gunzipSync(Buffer.from(dump.slice(2), 'hex')));
    },
    kill9,
    async restart(options = {}) {
      await kill9();
      await launch(options.loadState);
    },
    async stop() {
      await kill9();
      process.off('exit', killOnExit);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
