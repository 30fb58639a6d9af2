import { connect, type Socket } from 'node:net';

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

type Pending = { method: string; resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/**
 * A JSON-RPC client over a geth IPC socket (a Unix socket only its owner may open): the node's
 * administration (clique proposals, peers, signers) goes here, never over HTTP. geth writes one
 * JSON document per line.
 */
export async function createIpcClient(path: string, options: IpcClientOptions = {}): Promise<IpcClient> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socket: Socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new IpcConnectionError(
          `cannot connect to ${path}: ${error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? 'no node listens there' : error.message}`,
        ),
      ),
    );
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let buffered = '';
  const failAll = (error: Error) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    pending.clear();
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      if (!line) continue;
      let message: { id?: number; result?: unknown; error?: { code: number; message: string } };
      try {
        message = JSON.parse(line);
      } catch {
        failAll(new IpcConnectionError(`${path}: the node sent something that is not JSON`));
        socket.destroy();
        return;
      }
      const waiting = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiting) continue;
      pending.delete(message.id!);
      clearTimeout(waiting.timer);
      if (message.error) waiting.reject(new IpcRpcError(waiting.method, message.error.code, message.error.message));
      else waiting.resolve(message.result);
    }
  });
  socket.on('error', (error) => failAll(new IpcConnectionError(`${path}: ${error.message}`)));
  socket.on('close', () => failAll(new IpcConnectionError(`${path}: the node closed the connection`)));

  return {
    request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      if (socket.destroyed) return Promise.reject(new IpcConnectionError(`${path}: the connection is closed`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new IpcConnectionError(`${method} over ${path}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer });
        socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      });
    },
    close() {
      socket.destroy();
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
