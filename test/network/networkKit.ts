import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Hex } from 'viem';
import { callRpc } from '../../src/chain/anvilRpc.js';
import { ipcRequest } from '../../src/network/index.js';

export { sleep };
export { freePortBlock } from '../../src/testing/freePortBlock.js';

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/**
 * JSON-RPC over a node's HTTP endpoint, returning the raw response (to see refusals as they are).
 * node:http rather than fetch, which does not let a caller set the Host header.
 */
export function httpRpc(
  url: string,
  method: string,
  params: unknown[] = [],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; json?: { result?: unknown; error?: { code: number; message: string } } }> {
  const payload = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          let json: { result?: unknown; error?: { code: number; message: string } } | undefined;
          try {
            json = JSON.parse(body);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body, ...(json && { json }) });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The head of the node at `endpoint` (a validator's IPC socket or an observer's HTTP URL). */
export async function blockNumberOf(endpoint: string): Promise<number> {
  return Number(await callRpc<Hex>(endpoint, 'eth_blockNumber', [], 5_000));
}

export async function blockHashAt(endpoint: string, height: number): Promise<Hex | undefined> {
  return (await callRpc<{ hash: Hex } | null>(endpoint, 'eth_getBlockByNumber', [`0x${height.toString(16)}`, false], 5_000))?.hash;
}

/** The Clique signer of a block, asked over a node's IPC socket. */
export function signerOfBlock(ipcPath: string, height: number): Promise<string> {
  return ipcRequest<string>(ipcPath, 'clique_getSigner', [`0x${height.toString(16)}`]);
}
