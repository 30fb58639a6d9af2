import type { Address, Hash } from 'viem';
import { flagReasonNames, skipReasonName } from '../protocol/reasons.js';
import type { ApplyReadingReturnType } from './applyReading.js';
import { isReadingOutcomeLog, type FleetLog } from './decodeFleetLogs.js';
import type { CalldataReading, Discrepancy, ReadingOutcome, StatusChange } from './types.js';

export type CompareBatchParameters = {
  blockNumber: bigint;
  transactionHash: Hash;
  fleet: Address;
  readings: readonly CalldataReading[];
  /** The verifier's verdict for each reading, in batch order. */
  expected: readonly ApplyReadingReturnType[];
  /** The fleet's logs of the batch's receipt, in log order. */
  recorded: readonly FleetLog[];
};

export type CompareBatchReturnType = { agreed: number; discrepancies: Discrepancy[] };

type RecordedItem = {
  log: Extract<FleetLog, { kind: 'accepted' | 'flagged' | 'skipped' }>;
  statuses: Extract<FleetLog, { kind: 'status' }>[];
};

/** The outcome a reading log records, in the report's terms. */
export function recordedOutcome(log: RecordedItem['log']): ReadingOutcome {
  if (log.kind === 'accepted') return { status: 'accepted' };
  if (log.kind === 'flagged') return { status: 'flagged', reasons: flagReasonNames(log.reasonBits), metric: log.metric, value: log.value };
  return { status: 'skipped', reason: skipReasonName(log.reason) };
}

function sameOutcome(a: ReadingOutcome, b: ReadingOutcome): boolean {
  if (a.status === 'accepted' || b.status === 'accepted') return a.status === b.status;
  if (a.status === 'skipped' || b.status === 'skipped')
    return a.status === b.status && (a as { reason: string }).reason === (b as { reason: string }).reason;
  return a.metric === b.metric && a.value === b.value && a.reasons.join() === b.reasons.join();
}

const sameChange = (a: StatusChange | undefined, b: StatusChange | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.previous === b.previous && a.current === b.current;

const describe = (o: ReadingOutcome): string =>
  o.status === 'accepted'
    ? 'accepted'
    : o.status === 'flagged'
      ? `flagged ${o.reasons.join('+') || '(no reason)'} (metric ${o.metric}, value ${o.value})`
      : `skipped ${o.reason}`;

const describeChange = (c: StatusChange | undefined): string => (c ? `${c.previous} → ${c.current}` : 'no status change');

/**
 * Compares the verifier's verdict for every reading of one executed batch with the events of its
 * receipt: the contract emits, per reading and in order, one ReadingAccepted, ReadingFlagged or
 * ReadingSkipped naming the reading's device and sequence, followed by a DeviceStatusChanged by the
 * fleet itself when the flag suspends or revokes the device. Anything else is a discrepancy.
 */
export function compareBatch(parameters: CompareBatchParameters): CompareBatchReturnType {
  const { blockNumber, transactionHash, fleet, readings, expected, recorded } = parameters;
  const discrepancies: Discrepancy[] = [];
  const at = { blockNumber, transactionHash };
  const items: RecordedItem[] = [];
  for (const log of recorded) {
    if (isReadingOutcomeLog(log)) items.push({ log, statuses: [] });
    else if (log.kind === 'status' && items.length > 0) items[items.length - 1]!.statuses.push(log);
    else
      discrepancies.push({
        kind: 'outcome',
        ...at,
        expected: null,
        recorded:
          log.kind === 'status'
            ? { event: 'DeviceStatusChanged', device: log.device }
            : { event: log.kind === 'other' ? log.name : log.kind },
        message: `the batch emitted an event the rules do not explain (${log.kind === 'other' ? log.name : log.kind}) before any reading outcome`,
      });
  }
  let agreed = 0;
  readings.forEach((reading, index) => {
    const mine = expected[index]!;
    const item = items[index];
    const where = { ...at, index, device: reading.device, sequence: reading.sequence };
    if (!item) {
      discrepancies.push({
        kind: 'outcome',
        ...where,
        expected: mine.outcome,
        recorded: null,
        message: `reading ${index} (${reading.device} #${reading.sequence}): expected ${describe(mine.outcome)}, the chain recorded no outcome`,
      });
      return;
    }
    const theirs = recordedOutcome(item.log);
    const sameReading = item.log.sequence === reading.sequence && item.log.device.toLowerCase() === reading.device.toLowerCase();
    if (sameReading && sameOutcome(mine.outcome, theirs)) agreed++;
    else
      discrepancies.push({
        kind: 'outcome',
        ...where,
        expected: mine.outcome,
        recorded: sameReading ? theirs : { ...theirs, device: item.log.device, sequence: item.log.sequence },
        message: `reading ${index} (${reading.device} #${reading.sequence}): expected ${describe(mine.outcome)}, the chain recorded ${describe(theirs)}${
          sameReading ? '' : ` for ${item.log.device} #${item.log.sequence}`
        }`,
      });
    const byFleet = item.statuses.filter(
      (s) => s.by.toLowerCase() === fleet.toLowerCase() && s.device.toLowerCase() === reading.device.toLowerCase(),
    );
    const recordedChange =
      byFleet.length === 1 && item.statuses.length === 1 ? { previous: byFleet[0]!.previous, current: byFleet[0]!.current } : undefined;
    const consistent =
      item.statuses.length === 0 ? mine.response === undefined : recordedChange !== undefined && sameChange(recordedChange, mine.response);
    if (!consistent) {
      const shown = item.statuses.map((s) => ({ device: s.device, previous: s.previous, current: s.current, by: s.by }));
      discrepancies.push({
        kind: 'response',
        ...where,
        expected: mine.response ?? null,
        recorded: shown.length === 0 ? null : shown.length === 1 ? shown[0] : shown,
        message: `reading ${index} (${reading.device} #${reading.sequence}): expected ${describeChange(mine.response)}, the chain recorded ${
          shown.length === 0 ? 'no status change' : shown.map((s) => `${s.previous} → ${s.current} by ${s.by}`).join(', ')
        }`,
      });
    }
  });
  for (const item of items.slice(readings.length)) {
    discrepancies.push({
      kind: 'outcome',
      ...at,
      device: item.log.device,
      sequence: item.log.sequence,
      expected: null,
      recorded: recordedOutcome(item.log),
      message: `the chain recorded an outcome for ${item.log.device} #${item.log.sequence} that is not in the batch (${describe(recordedOutcome(item.log))})`,
    });
  }
  return { agreed, discrepancies };
}
