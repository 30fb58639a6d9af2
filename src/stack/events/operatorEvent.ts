/**
 * What `pythia up` and `pythia watch` tell an operator: one event per thing worth attention
 * (docs/operations.md, "What the node tells"). `event` is a stable name; the other fields are the
 * facts, named the same in the human line and in the JSON line.
 */

/** info: routine (hidden by --quiet); warn: security events and a device put out of service; error: a failure. */
export type OperatorEventLevel = 'info' | 'warn' | 'error';

type Base = {
  /** When it happened, as the node saw it (ISO 8601). */
  time: string;
  level: OperatorEventLevel;
};

/** Where a chain event is: its block and transaction. */
type OnChain = { block: number; txHash: `0x${string}` };

/** A metric's limits in the profile that applied at the block (when a metric check failed). */
export type FlagLimit = { min: number; max: number } | { maxDelta: number };

export type DeviceFlaggedEvent = Base &
  OnChain & {
    event: 'device_flagged';
    device: `0x${string}`;
    /** The reading's sequence; absent for a flag raised outside the reading path (DeviceFlagged). */
    sequence?: string;
    /** Flag reasons (OutOfRange, ExcessiveChange, TooFrequent, PayloadSize, ClockSkew, FirmwareUnapproved). */
    reasons: string[];
    /** The first offending metric and its value, when a metric check failed. */
    metric?: number;
    value?: number;
    limit?: FlagLimit;
  };

export type DeviceStatusEvent = Base &
  OnChain & {
    event: 'device_suspended' | 'device_reinstated' | 'device_revoked';
    device: `0x${string}`;
    /** Who changed it: an operator's account, or the fleet contract itself (automatic suspension). */
    by: `0x${string}`;
    reason: string;
  };

export type DeviceKeyRevokedEvent = Base &
  OnChain & {
    event: 'device_key_revoked';
    device: `0x${string}`;
    by: `0x${string}`;
    reason: string;
  };

/**
 * The chain went back below the newest block told (a reorg deeper than the finality rule, a node
 * restored from older state): the events told for blocks after `toBlock` may no longer hold, and
 * the events from `toBlock + 1` on are told again as they become final.
 */
export type ChainWentBackEvent = Base & {
  event: 'chain_went_back';
  /** The newest block told before. */
  fromBlock: number;
  /** The newest told block still canonical (or the block before the first watched, or the newest forgotten). */
  toBlock: number;
  /** How many events had been told for the blocks after `toBlock` (shown or not: --quiet hides the info ones). */
  undoneEvents: number;
  /** Every remembered told block was undone: the chain may have gone back below `toBlock` too. */
  deeperThanRemembered?: boolean;
};

/** Refusals of one reason, added up over an interval: a flood is one line per reason per interval. */
export type RefusedEvent = Base & {
  event: 'refused';
  reason: string;
  /** How many readings or requests were refused for this reason in the interval. */
  count: number;
  /** The interval's length in seconds (0: the first refusal after a quiet time, told at once). */
  seconds: number;
  /** The security event kind (docs/security.md, "Security log"), when the refusal is one. */
  security?: string;
  channels: string[];
  /** Some of the devices named (at most 3), when known. */
  devices?: string[];
};

/** A warning or error of the gateway (relayer retries, fee bumps, re-sends, RPC failover, ...). */
export type GatewayEvent = Base & {
  event: GatewayEventName;
  message: string;
  txHash?: `0x${string}`;
  details?: Record<string, unknown>;
};

/** The gateway log's `event` names (src/gateway), and the two for its other warn and error lines. */
export const gatewayEventNames = [
  'relayer_retry',
  'relayer_fee_bump',
  'relayer_resend',
  'relayer_node_changed',
  'relayer_batch_reverted',
  'rpc_failover',
  'gateway_warning',
  'gateway_error',
] as const;
export type GatewayEventName = (typeof gatewayEventNames)[number];

export type OperatorEvent =
  | DeviceFlaggedEvent
  | DeviceStatusEvent
  | DeviceKeyRevokedEvent
  | ChainWentBackEvent
  | RefusedEvent
  | GatewayEvent;
export type OperatorEventName = OperatorEvent['event'];

const levelRank: Record<OperatorEventLevel, number> = { info: 0, warn: 1, error: 2 };

/** --quiet: warnings and errors only (no flags, reinstatements, routine refusals or relayer retries). */
export function shownWhenQuiet(event: Pick<OperatorEvent, 'level'>): boolean {
  return levelRank[event.level] >= levelRank.warn;
}
