import type { OperatorEventLevel, RefusedEvent } from './operatorEvent.js';

/** One or more refusals of one reason, as the gateway reports them (GatewayOptions.onRefusal). */
export type RefusalNotice = {
  reason: string;
  channel: string;
  /** Readings (or requests) refused at once for this reason. Default 1. */
  count?: number;
  device?: string;
  /** The security event kind, when the refusal is one. */
  security?: string;
};

export type RefusalTallyParameters = {
  /** Length of an interval (ms): at most one line per reason per interval. Default 5,000. */
  intervalMs?: number;
  onEvent: (event: RefusedEvent) => void;
  now?: () => Date;
};

export type RefusalTally = {
  count: (notice: RefusalNotice) => void;
  /** Tells what is counted and not yet told, and stops the timers. */
  stop: () => void;
};

type Window = { count: number; channels: Set<string>; devices: Set<string>; security?: string; timer: NodeJS.Timeout };

const MAX_DEVICES_NAMED = 3;

/**
 * Adds refusals up by reason: the first refusal of a reason after a quiet interval is told at
 * once, then the refusals of that reason are told as one count per interval while they go on, so
 * a flood of refusals is one line per reason per interval, never one per reading.
 */
export function createRefusalTally(parameters: RefusalTallyParameters): RefusalTally {
  const intervalMs = parameters.intervalMs ?? 5_000;
  const now = parameters.now ?? (() => new Date());
  const windows = new Map<string, Window>();

  const tell = (reason: string, count: number, seconds: number, w: Pick<Window, 'channels' | 'devices' | 'security'>) => {
    parameters.onEvent({
      time: now().toISOString(),
      level: levelOf(reason, w.security),
      event: 'refused',
      reason,
      count,
      seconds,
      ...(w.security && { security: w.security }),
      channels: [...w.channels].sort(),
      ...(w.devices.size > 0 && { devices: [...w.devices] }),
    });
  };

  const close = (reason: string) => {
    const w = windows.get(reason);
    if (!w) return;
    if (w.count === 0) {
      windows.delete(reason);
      return;
    }
    tell(reason, w.count, intervalMs / 1000, w);
    w.count = 0;
    w.channels.clear();
    w.devices.clear();
    w.timer = setTimeout(() => close(reason), intervalMs).unref();
  };

  return {
    count(notice) {
      const count = notice.count ?? 1;
      if (count <= 0) return;
      const w = windows.get(notice.reason);
      if (!w) {
        const first = {
          channels: new Set([notice.channel]),
          devices: new Set(notice.device ? [notice.device] : []),
          ...(notice.security && { security: notice.security }),
        };
        tell(notice.reason, count, 0, first);
        windows.set(notice.reason, {
          ...first,
          count: 0,
          channels: new Set(),
          devices: new Set(),
          timer: setTimeout(() => close(notice.reason), intervalMs).unref(),
        });
        return;
      }
      w.count += count;
      w.channels.add(notice.channel);
      if (notice.device && w.devices.size < MAX_DEVICES_NAMED) w.devices.add(notice.device);
    },
    stop() {
      for (const [reason, w] of windows) {
        clearTimeout(w.timer);
        if (w.count > 0) tell(reason, w.count, intervalMs / 1000, w);
      }
      windows.clear();
    },
  };
}

/** A failure of the gateway is an error; a security refusal a warning; any other refusal (malformed, queue full) routine. */
function levelOf(reason: string, security: string | undefined): OperatorEventLevel {
  if (reason === 'internal_error') return 'error';
  if (security || reason === 'chain_unavailable' || reason === 'queue_full') return 'warn';
  return 'info';
}
