import type { Address } from 'viem';
import { decodeFleetLog, type FleetLogEvent } from '../chain/decodeFleetLog.js';
import type { ReceiptLog } from './types.js';

/** A fleet event of a receipt, decoded, with its place in the block: what the chain recorded. */
export type FleetLog = { logIndex: number } & FleetLogEvent;

export const isReadingOutcomeLog = (log: FleetLog): log is Extract<FleetLog, { kind: 'accepted' | 'flagged' | 'skipped' }> =>
  log.kind === 'accepted' || log.kind === 'flagged' || log.kind === 'skipped';

/** The logs the fleet emitted in a receipt (others are left out), decoded, in log order. */
export function decodeFleetLogs(logs: readonly ReceiptLog[], fleet: Address): FleetLog[] {
  const address = fleet.toLowerCase();
  return logs.filter((log) => log.address.toLowerCase() === address).map((log) => ({ logIndex: log.logIndex, ...decodeFleetLog(log) }));
}
