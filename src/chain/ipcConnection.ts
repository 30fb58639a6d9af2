import { connect, type Socket } from 'node:net';

/** Longest IPC socket path a Unix socket takes (108 bytes on Linux, 104 on macOS). */
export const MAX_IPC_PATH_LENGTH = 100;

/** A JSON-RPC request body as it goes on the wire (the id is the connection's). */
export type IpcRequestBody = { method: string; params?: readonly unknown[] | undefined };
/** A JSON-RPC answer: a result or an error object. */
export type IpcResponse = { result?: unknown; error?: { code: number; message: string; data?: unknown } };

/** The socket could not be reached, broke, or did not answer in time. */
export class ChainIpcError extends Error {
  override readonly name = 'ChainIpcError';
  constructor(
    readonly path: string,
    message: string,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

type Pending = { method: string; resolve: (response: IpcResponse) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/**
 * One connection to a node's IPC socket (Anvil's `--ipc`, geth's `geth.ipc`): a Unix socket that
 * only its owner can open, which is how the node's own processes reach the chain and nobody else
 * does (docs/security.md, "Chain RPC"). Both nodes answer one JSON document per line. The socket
 * is connected on first use and again after it broke, and holds the process open only while a
 * request waits for its answer (a CLI command ends when its work is done).
 */
export class IpcConnection {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Bytes of an answer whose end (a newline) has not arrived yet: kept as chunks, joined once. */
  private partial: Buffer[] = [];

  constructor(readonly path: string) {}

  /** Sends one request; settles with the node's answer (result or error), or rejects with ChainIpcError. */
  async send(body: IpcRequestBody, timeoutMs: number): Promise<IpcResponse> {
    const socket = await this.open();
    const id = this.nextId++;
    return new Promise<IpcResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.holdOpen();
        reject(new ChainIpcError(this.path, `${body.method} over ${this.path}: no answer within ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.pending.set(id, { method: body.method, resolve, reject, timer });
      this.holdOpen();
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: body.method, params: body.params ?? [] })}\n`);
    });
  }

  /** Connects now (rather than on the first request), to learn at once whether a node listens. */
  async connect(): Promise<void> {
    await this.open();
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = connect(this.path);
      socket.once('connect', () => {
        this.socket = socket;
        this.partial = [];
        this.connecting = undefined;
        socket.on('data', (chunk: Buffer) => this.receive(chunk));
        socket.on('error', (error) => this.failAll(new ChainIpcError(this.path, `${this.path}: ${error.message}`)));
        socket.on('close', () => {
          if (this.socket === socket) this.socket = undefined;
          this.failAll(new ChainIpcError(this.path, `${this.path}: the node closed the connection`));
        });
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        this.connecting = undefined;
        const why =
          error.code === 'ENOENT' || error.code === 'ECONNREFUSED'
            ? 'no node listens there'
            : error.code === 'EACCES'
              ? 'permission denied (the socket belongs to the node’s user)'
              : error.message;
        reject(new ChainIpcError(this.path, `cannot connect to the chain at ${this.path}: ${why}`));
      });
    });
    return this.connecting;
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      const line = this.partial.length > 0 ? Buffer.concat([...this.partial, piece]) : piece;
      this.partial = [];
      start = newline + 1;
      this.answer(line);
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
  }

  private answer(line: Buffer): void {
    const text = line.toString('utf8').trim();
    if (!text) return;
    let message: { id?: unknown } & IpcResponse;
    try {
      message = JSON.parse(text);
    } catch {
      this.failAll(new ChainIpcError(this.path, `${this.path}: the node sent something that is not JSON`));
      this.close();
      return;
    }
    const waiting = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!waiting) return;
    this.pending.delete(message.id as number);
    clearTimeout(waiting.timer);
    this.holdOpen();
    waiting.resolve(message.error ? { error: message.error } : { result: message.result });
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.pending.clear();
  }

  /** The socket keeps the process alive only while an answer is awaited. */
  private holdOpen(): void {
    if (!this.socket) return;
    if (this.pending.size > 0) this.socket.ref();
    else this.socket.unref();
  }
}

const connections = new Map<string, IpcConnection>();

/** The process's connection to the IPC socket at `path` (one per socket, shared by every client of it). */
export function ipcConnection(path: string): IpcConnection {
  let connection = connections.get(path);
  if (!connection) {
    connection = new IpcConnection(path);
    connections.set(path, connection);
  }
  return connection;
}
