import { gatewayEventNames, type OperatorEvent, type OperatorEventLevel, type OperatorEventName } from './operatorEvent.js';

/** pino's level numbers: the JSON lines read like the gateway's own log (and pino tools read them). */
const pinoLevels: Record<OperatorEventLevel, number> = { info: 30, warn: 40, error: 50 };

/** One human line: time, level, what happened, with every address and hash labelled. */
export function formatOperatorEvent(event: OperatorEvent): string {
  return `${event.time} ${event.level.padEnd(5)} ${describeOperatorEvent(event)}`;
}

/** The event in words, without time and level (the human line's text, and the JSON line's `msg`). */
export function describeOperatorEvent(event: OperatorEvent): string {
  switch (event.event) {
    case 'device_flagged': {
      const reading = event.sequence !== undefined ? ` reading ${event.sequence}` : '';
      const metric =
        event.metric !== undefined && event.value !== undefined ? `, metric ${event.metric} = ${event.value}${limitText(event)}` : '';
      return `device flagged: device ${event.device}${reading}: ${event.reasons.join(', ') || 'no reason given'}${metric}${where(event)}`;
    }
    case 'device_suspended':
    case 'device_reinstated':
    case 'device_revoked':
    case 'device_key_revoked': {
      const what = {
        device_suspended: 'device suspended',
        device_reinstated: 'device reinstated',
        device_revoked: 'device revoked (banned for good)',
        device_key_revoked: 'device key revoked (compromised)',
      }[event.event];
      const reason = event.reason ? ` reason ${JSON.stringify(event.reason)}` : '';
      return `${what}: device ${event.device} by ${event.by}${reason}${where(event)}`;
    }
    case 'chain_went_back': {
      const told = `${event.undoneEvents} event${event.undoneEvents === 1 ? '' : 's'} told for them`;
      if (event.deeperThanRemembered) {
        return `chain went back from block ${event.fromBlock} to block ${event.toBlock} or lower (deeper than the blocks remembered): events of blocks after ${event.toBlock} were undone (${told}), those at or below it may have been too; events from block ${event.toBlock + 1} on are told again as they become final`;
      }
      return `chain went back from block ${event.fromBlock} to block ${event.toBlock}: events of blocks after ${event.toBlock} were undone (${told}); told again as they become final`;
    }
    case 'refused': {
      const during = event.seconds > 0 ? ` in the last ${event.seconds} s` : '';
      const security = event.security ? `security ${event.security}, ` : '';
      const devices = event.devices?.length ? `, devices ${event.devices.join(', ')}` : '';
      return `refused: ${event.count} × ${event.reason}${during} (${security}${event.channels.join(', ')}${devices})`;
    }
    default: {
      const details = Object.entries(event.details ?? {})
        .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(', ');
      const tx = event.txHash ? ` tx ${event.txHash}` : '';
      return `${event.event.replaceAll('_', ' ')}: ${event.message}${tx}${details ? ` (${details})` : ''}`;
    }
  }
}

function limitText(event: Extract<OperatorEvent, { event: 'device_flagged' }>): string {
  if (!event.limit) return '';
  if ('maxDelta' in event.limit) return `, change above max delta ${event.limit.maxDelta}`;
  return ` outside [${event.limit.min}, ${event.limit.max}]`;
}

function where(event: { block: number; txHash: string }): string {
  return ` (block ${event.block}, tx ${event.txHash})`;
}

/**
 * One JSON object in pino's line format: `level` (30 info, 40 warn, 50 error), `time` (ms since
 * the epoch), `event`, the facts, and `msg` (the human text).
 */
export function operatorEventJson(event: OperatorEvent): Record<string, unknown> {
  const { time, level, ...facts } = event;
  return { level: pinoLevels[level], time: Date.parse(time), ...facts, msg: describeOperatorEvent(event) };
}

export function operatorEventJsonLine(event: OperatorEvent): string {
  return JSON.stringify(operatorEventJson(event));
}

const eventNames: ReadonlySet<string> = new Set<OperatorEventName>([
  'device_flagged',
  'device_suspended',
  'device_reinstated',
  'device_revoked',
  'device_key_revoked',
  'chain_went_back',
  'refused',
  ...gatewayEventNames,
]);

/**
 * Reads back a line operatorEventJsonLine wrote (the node's event log): undefined for anything
 * else (a torn last line, a line of another program), never a throw.
 */
export function parseOperatorEventJsonLine(line: string): OperatorEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { level, time, msg: _msg, ...facts } = value as Record<string, unknown>;
  const levelName = (Object.keys(pinoLevels) as OperatorEventLevel[]).find((name) => pinoLevels[name] === level);
  if (!levelName || typeof time !== 'number' || !Number.isFinite(time)) return undefined;
  if (typeof facts.event !== 'string' || !eventNames.has(facts.event)) return undefined;
  return { ...facts, time: new Date(time).toISOString(), level: levelName } as OperatorEvent;
}
