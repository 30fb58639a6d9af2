import { Writable } from 'node:stream';
import { gatewayEventNames, type GatewayEvent, type GatewayEventName, type OperatorEventLevel } from './operatorEvent.js';
import type { RefusalNotice } from './refusalTally.js';

/** pino's numbers for the gateway log's levels. */
export const pinoLevelNumbers = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export type GatewayLogTapParameters = {
  /** A warn or error line of the gateway, as an event. */
  onEvent: (event: GatewayEvent) => void;
  /** A refused MQTT login (the broker's login_refused security line): counted with the other refusals. */
  onRefusal: (notice: RefusalNotice) => void;
  /** Lines below warn at or above this pino level are passed on as they are (--log-level info/debug); default none. */
  passLevel?: number;
  passThrough?: (line: string) => void;
};

/** Routine relayer work: hidden by --quiet. */
const routine: ReadonlySet<GatewayEventName> = new Set(['relayer_retry', 'relayer_fee_bump', 'relayer_resend', 'relayer_node_changed']);
const known: ReadonlySet<string> = new Set(gatewayEventNames);
/** pino's own fields and what the event carries apart. */
const notDetails = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'event', 'txHash', 'reqId']);
const isHash = (value: unknown): value is `0x${string}` => typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value);

/**
 * The stream the gateway's pino log is written to under `pythia up`: each warn and error line
 * becomes one event (its `event` field names it, else gateway_warning / gateway_error), the
 * per-request security lines are left to the refusal tally (the gateway reports every refusal
 * through onRefusal; a refused MQTT login only through this line), and lower lines are passed on
 * when asked for.
 */
export function createGatewayLogTap(parameters: GatewayLogTapParameters): Writable {
  let partial = '';
  const handle = (line: string) => {
    if (line.trim() === '') return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parameters.passThrough?.(line);
      return;
    }
    const level = typeof entry.level === 'number' ? entry.level : 0;
    if (typeof entry.security === 'string') {
      if (entry.security === 'login_refused') {
        parameters.onRefusal({
          reason: 'login_refused',
          channel: typeof entry.channel === 'string' ? entry.channel : 'mqtt',
          security: 'login_refused',
          ...(typeof entry.device === 'string' && { device: entry.device }),
        });
      }
      return;
    }
    if (level >= pinoLevelNumbers.warn) {
      parameters.onEvent(gatewayEventOf(entry, level));
      return;
    }
    if (parameters.passLevel !== undefined && level >= parameters.passLevel) parameters.passThrough?.(line);
  };
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) handle(line);
      callback();
    },
    final(callback) {
      if (partial) handle(partial);
      partial = '';
      callback();
    },
  });
}

/** A warn or error line of the gateway log as an event. */
export function gatewayEventOf(entry: Record<string, unknown>, level: number): GatewayEvent {
  const error = level >= pinoLevelNumbers.error;
  const name: GatewayEventName =
    typeof entry.event === 'string' && known.has(entry.event)
      ? (entry.event as GatewayEventName)
      : error
        ? 'gateway_error'
        : 'gateway_warning';
  const eventLevel: OperatorEventLevel = error ? 'error' : routine.has(name) ? 'info' : 'warn';
  const details = Object.fromEntries(
    Object.entries(entry)
      .filter(([key]) => !notDetails.has(key))
      .map(([key, value]) => [key, isErrorObject(value) ? value.message : value]),
  );
  return {
    time: new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString(),
    level: eventLevel,
    event: name,
    message: typeof entry.msg === 'string' ? entry.msg : '(no message)',
    ...(isHash(entry.txHash) && { txHash: entry.txHash }),
    ...(Object.keys(details).length > 0 && { details }),
  };
}

/** pino writes an Error as { type, message, stack }: the message is enough on an operator's line. */
function isErrorObject(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' && 'stack' in value;
}
