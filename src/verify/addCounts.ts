import type { VerifyCounts } from './types.js';

export function emptyCounts(): VerifyCounts {
  return {
    blocks: 0,
    transactions: { batches: 0, revertedBatches: 0, otherFleetCalls: 0, other: 0 },
    readings: { checked: 0, accepted: 0, flagged: 0, skipped: 0, agreed: 0, flaggedByReason: {}, skippedByReason: {} },
    responses: { suspended: 0, revoked: 0 },
    discrepancies: 0,
  };
}

function addRecord<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [key, n] of Object.entries(from) as [K, number][]) into[key] = (into[key] ?? 0) + n;
}

/** Adds one block's counts to a running total, in place. */
export function addCounts(into: VerifyCounts, from: VerifyCounts): void {
  into.blocks += from.blocks;
  for (const key of Object.keys(into.transactions) as (keyof VerifyCounts['transactions'])[])
    into.transactions[key] += from.transactions[key];
  const { flaggedByReason, skippedByReason, ...scalars } = from.readings;
  for (const key of Object.keys(scalars) as (keyof typeof scalars)[]) into.readings[key] += scalars[key];
  addRecord(into.readings.flaggedByReason, flaggedByReason);
  addRecord(into.readings.skippedByReason, skippedByReason);
  into.responses.suspended += from.responses.suspended;
  into.responses.revoked += from.responses.revoked;
  into.discrepancies += from.discrepancies;
}
