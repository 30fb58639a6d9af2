import { chainTransport } from '../../chain/chainTransport.js';
import { laggingNode, type LagThresholds, type NodeHead } from './laggingNode.js';
import type { RpcFailover } from './rpcFailover.js';

export type WatchLaggingNodeParameters = {
  failover: RpcFailover;
  /** The thresholds in force; undefined: not now (the chain's block period is not known yet, or one node only). */
  thresholds: () => LagThresholds | undefined;
  /** Longest wait for one node's head (ms). Default 3,000. */
  headTimeoutMs?: number;
};

export type WatchLaggingNodeReturnType = {
  /** One round: every node's head read, and a switch if the node in use lags (exposed for tests). */
  check(): Promise<void>;
  stop(): Promise<void>;
};

/** How long to wait before asking again for thresholds that are not there yet (ms). */
const IDLE_MS = 1000;

/**
 * Reads every node's head once a poll period (straight from each node, not through the failover:
 * a silent node is no reason to switch here, the failover itself handles those) and moves the
 * failover off the node in use when laggingNode says it lags behind the others.
 */
export function watchLaggingNode({ failover, thresholds, headTimeoutMs = 3000 }: WatchLaggingNodeParameters): WatchLaggingNodeReturnType {
  const nodes = failover.urls.map((url) => ({
    url,
    request: chainTransport(url, { timeout: headTimeoutMs, retryCount: 0 })({}).request,
  }));
  const heads: NodeHead[] = nodes.map(() => undefined);
  let behindSince: number | undefined;
  let judged: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;

  const readHead = async (node: (typeof nodes)[number]): Promise<number | undefined> => {
    try {
      const hex = await node.request({ method: 'eth_blockNumber' });
      return typeof hex === 'string' && /^0x[0-9a-f]+$/i.test(hex) ? Number(BigInt(hex)) : undefined;
    } catch {
      return undefined;
    }
  };

  const check = async (): Promise<void> => {
    const limits = thresholds();
    if (!limits || nodes.length < 2) return;
    const read = await Promise.all(nodes.map(readHead));
    const now = Date.now();
    for (const [i, head] of read.entries()) {
      const before = heads[i];
      heads[i] = head === undefined ? undefined : { head, movedAt: before && before.head === head ? before.movedAt : now };
    }
    const currentUrl = failover.currentUrl();
    // Another node since the last round (a failover for silence): its time behind starts afresh.
    if (currentUrl !== judged) behindSince = undefined;
    judged = currentUrl;
    const verdict = laggingNode({ current: failover.urls.indexOf(currentUrl), heads, behindSince, now, thresholds: limits });
    behindSince = verdict.behindSince;
    if (verdict.switchTo && failover.currentUrl() === currentUrl) {
      failover.switchTo(nodes[verdict.switchTo.index]!.url, verdict.switchTo);
      judged = failover.currentUrl();
    }
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = check()
        .catch(() => undefined)
        .finally(() => {
          round = undefined;
          schedule(thresholds()?.pollMs ?? IDLE_MS);
        });
    }, delay);
    timer.unref();
  };
  schedule(0);

  return {
    check,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
