/**
 * When the node the gateway uses answers but no longer keeps up with the chain (cut off from its
 * peers, still syncing, a validator partitioned away): readings sent there are sealed late, or on
 * a fork the majority never takes. Its head is compared with the other nodes' heads:
 * - `behind`: more than `maxBlocksBehind` blocks below the best of the others, for `graceMs`
 *   without a break (a node one or two blocks behind for a moment is gossip, not a fault);
 * - `stalled`: its head has not moved for `stalledMs` while the best of the others moved since and
 *   is at least 2 blocks above it (a node cut off from its peers stops at once, before it is many
 *   blocks behind).
 * Either way the gateway moves to the other node with the highest head.
 */
export type LagThresholds = {
  maxBlocksBehind: number;
  graceMs: number;
  stalledMs: number;
  /** How often every node's head is read (ms). */
  pollMs: number;
};

export type LagCause = 'behind' | 'stalled';

/** One node's head as last read, and when it last changed; undefined while the node does not answer. */
export type NodeHead = { head: number; movedAt: number } | undefined;

export type LaggingNodeParameters = {
  /** Index of the node in use in `heads`. */
  current: number;
  heads: readonly NodeHead[];
  /** Since when the node in use has been more than maxBlocksBehind below the best other (undefined: it is not). */
  behindSince: number | undefined;
  now: number;
  thresholds: LagThresholds;
};

export type LaggingNodeReturnType = {
  /** The new value of behindSince for the next call. */
  behindSince: number | undefined;
  /** Set when the gateway should move: to which node, why, and in words. */
  switchTo?: { index: number; cause: LagCause; reason: string };
};

/** Seconds of block time a node may be behind the others before it counts as behind. */
const BEHIND_SECONDS = 6;
/** Block periods a node's head may stand still while the others' move. */
const STALLED_PERIODS = 5;
/**
 * Blocks a still head must be below another for `stalled`: one block is a race between a block's
 * arrival at two nodes (a busy node imports a heavy block late), not a node left behind.
 */
const STALLED_MIN_LAG = 2;
/** Block periods a node must stay behind before the gateway leaves it. */
const GRACE_PERIODS = 3;

/**
 * Thresholds from the chain's block period (ms): behind by more than ~6 s of blocks (at least 3)
 * for 3 periods (at least 3 s), or a head standing still for 5 periods (at least 5 s); heads read
 * once a period (between 0.5 and 5 s).
 */
export function lagThresholdsOf(blockPeriodMs: number): LagThresholds {
  const period = Math.max(100, blockPeriodMs);
  return {
    maxBlocksBehind: Math.max(3, Math.ceil((BEHIND_SECONDS * 1000) / period)),
    graceMs: Math.max(3000, GRACE_PERIODS * period),
    stalledMs: Math.max(5000, STALLED_PERIODS * period),
    pollMs: Math.min(5000, Math.max(500, period)),
  };
}

/** Whether to leave the node in use for another (see LagThresholds); a pure function of the heads seen. */
export function laggingNode({ current, heads, behindSince, now, thresholds }: LaggingNodeParameters): LaggingNodeReturnType {
  const mine = heads[current];
  let best: number | undefined;
  // The highest head among the others; on a tie, the first after the node in use (round robin).
  for (let step = 1; step < heads.length; step++) {
    const index = (current + step) % heads.length;
    const head = heads[index];
    if (head && (best === undefined || head.head > heads[best]!.head)) best = index;
  }
  if (!mine || best === undefined) return { behindSince: undefined }; // nothing to compare (a silent node is the other failover's)
  const other = heads[best]!;
  const lag = other.head - mine.head;
  if (lag <= 0) return { behindSince: undefined };
  const stillFor = now - mine.movedAt;
  if (stillFor >= thresholds.stalledMs && other.movedAt > mine.movedAt && lag >= STALLED_MIN_LAG) {
    return {
      behindSince: undefined,
      switchTo: {
        index: best,
        cause: 'stalled',
        reason: `its head stayed at block ${mine.head} for ${Math.round(stillFor / 1000)} s while another node's moved on to ${other.head}`,
      },
    };
  }
  if (lag <= thresholds.maxBlocksBehind) return { behindSince: undefined };
  const since = behindSince ?? now;
  if (now - since < thresholds.graceMs) return { behindSince: since };
  return {
    behindSince: undefined,
    switchTo: {
      index: best,
      cause: 'behind',
      reason: `its head (block ${mine.head}) stayed more than ${thresholds.maxBlocksBehind} blocks below another node's (${other.head}) for ${Math.round((now - since) / 1000)} s`,
    },
  };
}
