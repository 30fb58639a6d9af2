import type { Writable } from 'node:stream';
import { securityEventOf } from '../../gateway/core/securityEvents.js';
import type { GatewayRefusal } from '../../gateway/services.js';
import type { RejectionReason } from '../../protocol/reasons.js';
import { createEventLogWriter } from './eventLog.js';
import { createGatewayLogTap } from './gatewayLogTap.js';
import type { GatewayEvent, OperatorEvent } from './operatorEvent.js';
import { createRefusalTally } from './refusalTally.js';

export type CreateNodeEventsParameters = {
  /** The node's data directory: its events are appended to <data-dir>/events.log for `pythia watch`. */
  dataDir: string;
  onEvent: (event: OperatorEvent) => void;
  /** Refusals are added up, and a warning repeated is held back, over this interval (ms). Default 5,000. */
  intervalMs?: number;
  /** Gateway log lines below warn at or above this pino level go to passThrough as they are. */
  passLevel?: number;
  passThrough?: (line: string) => void;
  /** The event log could not be written. */
  onLogError?: (error: unknown) => void;
};

export type NodeEvents = {
  /** The gateway's log stream (StartStackParameters.logger.stream). */
  logStream: Writable;
  /** The gateway's refusals (StartStackParameters.onRefusal). */
  onRefusal: (refusal: GatewayRefusal) => void;
  /** Tells what is still counted. */
  stop: () => void;
};

/**
 * The events of the node itself under `pythia up`: the gateway's refusals added up by reason and
 * its warnings and errors (relayer retries, fee bumps, re-sends, RPC failover), each told to
 * onEvent and appended to the data directory's event log. The chain's own events (flags, status
 * changes) are watched on the chain (watchChainEvents), by `up` and `watch` alike.
 */
export function createNodeEvents(parameters: CreateNodeEventsParameters): NodeEvents {
  const intervalMs = parameters.intervalMs ?? 5_000;
  const writeLog = createEventLogWriter(parameters.dataDir, parameters.onLogError);
  const tell = (event: OperatorEvent) => {
    writeLog(event);
    parameters.onEvent(event);
  };
  const tally = createRefusalTally({ intervalMs, onEvent: tell });
  const lastTold = new Map<string, { at: number; heldBack: number }>();
  // The same warning again within the interval (a per-message warning in a flood) is held back and counted.
  const tellOnce = (event: GatewayEvent) => {
    const key = `${event.event}\u0000${event.message}`;
    const now = Date.parse(event.time);
    const last = lastTold.get(key);
    if (last && now - last.at < intervalMs) {
      last.heldBack += 1;
      return;
    }
    if (lastTold.size > 1_000) lastTold.clear();
    lastTold.set(key, { at: now, heldBack: 0 });
    tell(last?.heldBack ? { ...event, details: { ...event.details, heldBack: last.heldBack } } : event);
  };
  const logStream = createGatewayLogTap({
    onEvent: tellOnce,
    onRefusal: (notice) => tally.count(notice),
    ...(parameters.passLevel !== undefined && { passLevel: parameters.passLevel }),
    ...(parameters.passThrough && { passThrough: parameters.passThrough }),
  });
  return {
    logStream,
    onRefusal: (refusal) => {
      const security = securityEventOf(refusal.reason as RejectionReason);
      tally.count({
        reason: refusal.reason,
        channel: refusal.channel,
        count: refusal.count,
        ...(refusal.device && { device: refusal.device }),
        ...(security && { security }),
      });
    },
    stop: () => tally.stop(),
  };
}
