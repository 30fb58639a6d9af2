import type { ChainEvent } from './decodeChainLog.js';
import { readingEventNames } from './queryIndex.js';

/** An address as an event's arguments carry it (viem checksums them): 0x and 40 hex digits. */
const addressPattern = /^0x[0-9a-fA-F]{40}$/;

const readingNames: ReadonlySet<string> = new Set(readingEventNames);

/**
 * The accounts the accounting log's `actor` filter finds an event by (the `event_actors` rows):
 * its transaction's sender, and each top-level argument but `device` that is an address. A reading
 * event has none (its sender, the gateway's relayer, is not recorded, and its arguments name only
 * the device), so that the filter never reads a device's readings. The stores' migrations fill the
 * table for older rows by the same rule, in SQL.
 */
export function eventActors(event: Pick<ChainEvent, 'name' | 'args' | 'sender'>): string[] {
  if (readingNames.has(event.name)) return [];
  const actors = new Set<string>();
  if (event.sender !== undefined) actors.add(event.sender);
  for (const [key, value] of Object.entries(event.args)) {
    if (key !== 'device' && typeof value === 'string' && addressPattern.test(value)) actors.add(value);
  }
  return [...actors];
}
