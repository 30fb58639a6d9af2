import { isIpcEndpoint } from './chainTransport.js';
import { ipcConnection } from './ipcConnection.js';

/** A JSON-RPC error answered by the node (as opposed to a transport failure). */
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message} (code ${code})`);
    this.name = 'RpcError';
  }
}

/**
 * One JSON-RPC call with a deadline, for the node's own housekeeping (readiness, state saves):
 * small, and without a client library's retries, which would hide a dead node. `rpcUrl` is an
 * http(s) URL or an IPC socket path (chainTransport.ts).
 */
export async function callRpc<T>(rpcUrl: string, method: string, params: unknown[] = [], timeoutMs = 30_000): Promise<T> {
  if (isIpcEndpoint(rpcUrl)) {
    const answer = await ipcConnection(rpcUrl).send({ method, params }, timeoutMs);
    if (answer.error) throw new RpcError(method, answer.error.code, answer.error.message);
    return answer.result as T;
  }
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} from ${rpcUrl}`);
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new RpcError(method, body.error.code, body.error.message);
  return body.result as T;
}
