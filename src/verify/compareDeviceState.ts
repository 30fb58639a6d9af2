import type { Discrepancy, DeviceModel } from './types.js';

export type CompareDeviceStateParameters = {
  blockNumber: bigint;
  /** The state the rules lead to after the block. */
  expected: DeviceModel;
  /** getDevice at the block. */
  recorded: DeviceModel;
};

const FIELDS = [
  'status',
  'signer',
  'lastSequence',
  'lastTimestamp',
  'lastValues',
  'flags',
  'flagsInWindow',
  'flagWindowStart',
  'autoSuspensions',
] as const;

/**
 * Compares a device's state after a block, as the rules lead to it, with the chain's: one `state`
 * discrepancy per field that differs. `lastValues` as getDevice shows them: the current profile's
 * metrics, a metric with no recorded value counting as 0.
 */
export function compareDeviceState({ blockNumber, expected, recorded }: CompareDeviceStateParameters): Discrepancy[] {
  const out: Discrepancy[] = [];
  for (const field of FIELDS) {
    const mine = expected[field];
    const theirs = recorded[field];
    const same =
      field === 'lastValues'
        ? sameValues(expected.lastValues, recorded.lastValues)
        : field === 'signer'
          ? String(mine).toLowerCase() === String(theirs).toLowerCase()
          : mine === theirs;
    if (same) continue;
    out.push({
      kind: 'state',
      blockNumber,
      device: expected.device,
      field,
      expected: mine ?? null,
      recorded: theirs ?? null,
      message: `after block ${blockNumber}, ${expected.device} ${field}: expected ${show(mine)}, the chain has ${show(theirs)}`,
    });
  }
  return out;
}

function sameValues(mine: number[] | undefined, theirs: number[] | undefined): boolean {
  if (mine === undefined || theirs === undefined) return mine === theirs;
  return theirs.every((value, i) => (mine[i] ?? 0) === value);
}

const show = (value: unknown): string => (value === undefined ? 'none' : Array.isArray(value) ? `[${value.join(', ')}]` : String(value));
