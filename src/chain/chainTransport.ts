import { isAbsolute } from 'node:path';
import { BaseError, createTransport, type EIP1193RequestFn, http, RpcRequestError, TimeoutError, type Transport } from 'viem';
import { ChainIpcError, ipcConnection } from './ipcConnection.js';

/**
 * Where a chain is reached: an http(s) URL (an external node, a network's RPC node), or the
 * absolute path of a node's IPC socket (the embedded chain, a local geth validator): the socket is
 * 0600 in a 0700 folder, so only the node's own user reaches it (docs/security.md, "Chain RPC").
 * deployment.json's `rpcUrl` and `--rpc-url` take either.
 */
export type ChainEndpoint = string;

/** Whether the endpoint is an IPC socket path rather than a URL. */
export function isIpcEndpoint(endpoint: ChainEndpoint): boolean {
  return isAbsolute(endpoint) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint);
}

/** Why `endpoint` is not a chain endpoint, or undefined when it is one. */
export function chainEndpointError(endpoint: unknown): string | undefined {
  if (typeof endpoint !== 'string' || endpoint.length === 0) return 'must be an http(s) URL or the absolute path of an IPC socket';
  if (isIpcEndpoint(endpoint)) return /[\0\r\n]/.test(endpoint) ? 'is not a usable socket path' : undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be an http(s) URL or the absolute path of an IPC socket';
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'must be an http(s) URL or the absolute path of an IPC socket';
}

/** The node's IPC socket could not be reached or broke: the IPC counterpart of viem's HttpRequestError. */
export class ChainUnreachableError extends BaseError {
  constructor(
    readonly path: string,
    cause: Error,
  ) {
    super(cause.message, { cause, name: 'ChainUnreachableError' });
  }
}

export type ChainTransportOptions = {
  timeout?: number;
  retryCount?: number;
  /** JSON-RPC batching over HTTP (an IPC socket needs none: it has no per-request cost). */
  batch?: { batchSize?: number; wait?: number };
};

/** The viem transport for an endpoint: the one place where an rpcUrl becomes a connection. */
export function chainTransport(endpoint: ChainEndpoint, options: ChainTransportOptions = {}): Transport {
  if (!isIpcEndpoint(endpoint)) {
    return http(endpoint, {
      ...(options.timeout !== undefined && { timeout: options.timeout }),
      ...(options.retryCount !== undefined && { retryCount: options.retryCount }),
      ...(options.batch && { batch: options.batch }),
    });
  }
  return ipcTransport(endpoint, options);
}

/**
 * A viem transport over a node's IPC socket. Not viem's own `ipc` (viem/node): that one keeps a
 * timer that holds a CLI process open, and re-reads the whole buffer on every chunk (a state dump
 * of tens of megabytes). Errors have viem's shapes (RpcRequestError, TimeoutError), so callers
 * decode reverts as they do over HTTP. Its type is not 'ipc', so viem polls instead of
 * subscribing (as over HTTP).
 */
function ipcTransport(path: string, options: ChainTransportOptions): Transport {
  return ({ retryCount, timeout }) => {
    const deadline = options.timeout ?? timeout ?? 10_000;
    return createTransport({
      key: 'pythiaIpc',
      name: 'IPC JSON-RPC',
      type: 'pythiaIpc',
      retryCount: options.retryCount ?? retryCount ?? 3,
      timeout: deadline,
      // viem types each method's answer; the node's JSON is passed on as it came, as over HTTP.
      request: (async ({ method, params }: { method: string; params?: unknown }) => {
        const body = { method, params: params as readonly unknown[] | undefined };
        let answer: Awaited<ReturnType<ReturnType<typeof ipcConnection>['send']>>;
        try {
          answer = await ipcConnection(path).send(body, deadline);
        } catch (error) {
          if (error instanceof ChainIpcError && error.timedOut) throw new TimeoutError({ body, url: path });
          throw new ChainUnreachableError(path, error as Error);
        }
        if (answer.error) throw new RpcRequestError({ body, error: answer.error, url: path });
        return answer.result;
      }) as EIP1193RequestFn,
    });
  };
}
