import { IpcConnection } from '../chain/ipcConnection.js';

export type IpcClientOptions = {
  /** Per request. Default 10 s. */
  timeoutMs?: number;
};

export type IpcClient = {
  request<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>;
  close(): void;
};

/** The node answered with a JSON-RPC error. */
export class IpcRpcError extends Error {
  override readonly name = 'IpcRpcError';
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message} (JSON-RPC error ${code})`);
  }
}

/** No node listens on the socket, or the connection broke. */
export class IpcConnectionError extends Error {
  override readonly name = 'IpcConnectionError';
}

/**
 * A JSON-RPC client over a geth IPC socket (a Unix socket only its owner may open): the node's
 * administration (clique proposals, peers, signers) goes here, never over HTTP. A connection of
 * its own (src/chain/ipcConnection.ts), connected at once, closed with close().
 */
export async function createIpcClient(path: string, options: IpcClientOptions = {}): Promise<IpcClient> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const connection = new IpcConnection(path);
  try {
    await connection.connect();
  } catch (error) {
    throw new IpcConnectionError((error as Error).message);
  }
  return {
    async request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      let answer: Awaited<ReturnType<IpcConnection['send']>>;
      try {
        answer = await connection.send({ method, params }, timeoutMs);
      } catch (error) {
        throw new IpcConnectionError((error as Error).message);
      }
      if (answer.error) throw new IpcRpcError(method, answer.error.code, answer.error.message);
      return answer.result as T;
    },
    close() {
      connection.close();
    },
  };
}

/** One request on a connection of its own. */
export async function ipcRequest<T = unknown>(
  path: string,
  method: string,
  params: readonly unknown[] = [],
  options?: IpcClientOptions,
): Promise<T> {
  const client = await createIpcClient(path, options);
  try {
    return await client.request<T>(method, params);
  } finally {
    client.close();
  }
}
