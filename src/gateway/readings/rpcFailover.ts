import { custom, HttpRequestError, TimeoutError, type Transport } from 'viem';
import { chainTransport, ChainUnreachableError } from '../../chain/chainTransport.js';
import type { LagCause } from './laggingNode.js';

/**
 * One JSON-RPC endpoint at a time out of several nodes of the same chain, failing over to the
 * next when the current one stops answering (connection refused, timeout, HTTP error; over IPC:
 * no socket, connection broken; or, through switchTo, when it answers but lags behind the others), and
 * staying there (no request waits on a dead node again). A JSON-RPC error (a revert, "nonce too
 * low") is an answer, not a failure: it is returned as is. Listeners hear every switch, so that
 * the relayer can check the new node's view of the chain and rebroadcast what it has in flight.
 */
export type RpcFailover = {
  transport: Transport;
  /** The endpoint requests go to now. */
  currentUrl(): string;
  readonly urls: readonly string[];
  /** Called after each switch; returns a function that removes the listener. */
  onSwitch(listener: (event: RpcSwitch) => void): () => void;
  /**
   * Sends a request to every endpoint but the current one, at once, and ignores their answers
   * and failures (best effort). For transactions: each node then has them in its own pool, from
   * its own RPC, whatever the gossip between nodes does and whichever node seals next.
   */
  sendToOthers(request: { method: string; params?: unknown }): Promise<void>;
  /**
   * Moves to another endpoint although the current one answers (it lags behind the others:
   * watchLaggingNode); listeners hear it as any switch. A no-op if `url` is the current one.
   */
  switchTo(url: string, why: { reason: string; cause: LagCause }): void;
  /** Switches so far, by cause. */
  switchCounts(): Record<RpcSwitchCause, number>;
};

/** Why the gateway left a node: it did not answer, or it answered but lagged behind the others. */
export type RpcSwitchCause = 'unreachable' | LagCause;

export type RpcSwitch = { from: string; to: string; reason: string; cause: RpcSwitchCause };

export type CreateRpcFailoverParameters = {
  urls: readonly string[];
  /** Per request and endpoint (ms). Default 10,000. */
  timeoutMs?: number;
  /** Retries of a request that failed on every endpoint. Default 1. */
  retryCount?: number;
};

/** Whether the node failed to answer at all (as opposed to answering with a JSON-RPC error). */
export function isUnreachable(error: unknown): boolean {
  return error instanceof HttpRequestError || error instanceof ChainUnreachableError || error instanceof TimeoutError;
}

export function createRpcFailover({ urls, timeoutMs = 10_000, retryCount = 1 }: CreateRpcFailoverParameters): RpcFailover {
  if (urls.length === 0) throw new Error('at least one RPC URL is needed');
  const endpoints = urls.map((url) => ({ url, request: chainTransport(url, { timeout: timeoutMs, retryCount: 0 })({}).request }));
  const listeners = new Set<(event: RpcSwitch) => void>();
  const counts: Record<RpcSwitchCause, number> = { unreachable: 0, behind: 0, stalled: 0 };
  let current = 0;
  const switchFrom = (index: number, to: number, reason: string, cause: RpcSwitchCause) => {
    current = to;
    counts[cause] += 1;
    const event = { from: endpoints[index]!.url, to: endpoints[to]!.url, reason, cause };
    for (const listener of listeners) listener(event);
  };

  const request = async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
    let lastError: unknown;
    for (let tried = 0; tried < endpoints.length; tried++) {
      const index = current;
      try {
        return await endpoints[index]!.request({ method, params } as never);
      } catch (error) {
        if (!isUnreachable(error)) throw error;
        lastError = error;
        if (endpoints.length === 1) break;
        // Another request may have switched already while this one waited.
        if (current === index) switchFrom(index, (index + 1) % endpoints.length, shortReason(error), 'unreachable');
      }
    }
    throw lastError;
  };

  return {
    transport: custom({ request }, { key: 'failover', name: 'RPC failover', retryCount }),
    currentUrl: () => endpoints[current]!.url,
    urls: [...urls],
    onSwitch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async sendToOthers({ method, params }) {
      const others = endpoints.filter((_, i) => i !== current);
      await Promise.allSettled(others.map((endpoint) => endpoint.request({ method, params } as never)));
    },
    switchTo(url, { reason, cause }) {
      const to = endpoints.findIndex((endpoint) => endpoint.url === url);
      if (to < 0) throw new Error(`${url} is not one of the RPC endpoints`);
      if (to !== current) switchFrom(current, to, reason, cause);
    },
    switchCounts: () => ({ ...counts }),
  };
}

function shortReason(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error && typeof error.shortMessage === 'string') return error.shortMessage;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
