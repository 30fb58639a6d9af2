import type Database from 'better-sqlite3';
import { decodeMetrics } from '../protocol/payload.js';
import { flagReasonNames } from '../protocol/reasons.js';
import type { ChainPlace, ConsentVoid, IndexedDevice, IndexedEvent, IndexedReading, IndexedStatusChange, Page } from './indexedRows.js';
import { uint64FromSqlite } from './sqliteUint64.js';
import type { Hex } from 'viem';

/** Columns the fleet page may sort by, and their SQL. */
export const deviceSortKeys = {
  address: 'address',
  lastReading: 'last_reading_block',
  flags: 'flags',
  registered: 'registered_block',
} as const;
export type DeviceSortKey = keyof typeof deviceSortKeys;
export type SortOrder = 'asc' | 'desc';

export class InvalidCursorError extends Error {}

/** A page cursor: the sort key and tie-breaker of the last row, opaque to clients (base64url JSON). */
export function encodeCursor(values: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** What a cursor's value stands for: a number column (block, log index, counter, signed time, sequence) or an address. */
export type CursorField = 'integer' | 'string';
type CursorValues<K extends readonly CursorField[]> = { [I in keyof K]: K[I] extends 'integer' ? number : string };

/**
 * A cursor's values, each of the kind its place needs: anything else is refused with the reason (the
 * API answers 400), so that both stores refuse the same cursors rather than one of them comparing a
 * string with a block number and answering an empty page.
 */
export function decodeCursor<const K extends readonly CursorField[]>(cursor: string, kinds: K): CursorValues<K> {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is not one this API gave: not base64url JSON');
  }
  if (!Array.isArray(values) || values.length !== kinds.length) {
    throw new InvalidCursorError(`the cursor is not one this API gave: not a list of ${kinds.length} values`);
  }
  kinds.forEach((kind, i) => {
    const value: unknown = values[i];
    const fits = kind === 'integer' ? Number.isSafeInteger(value) : typeof value === 'string';
    if (!fits)
      throw new InvalidCursorError(
        `the cursor is not one this API gave: value ${i + 1} is not ${kind === 'integer' ? 'an integer' : 'a string'}`,
      );
  });
  return values as CursorValues<K>;
}

export type DeviceRow = {
  address: string;
  class_id: number;
  status: string;
  public_key: string;
  registrar: string;
  registered_block: number;
  status_block: number;
  owner: string | null;
  readings: number;
  flags: number;
  last_sequence: number | null;
  last_reading_block: number | null;
};

export const deviceOf = (r: DeviceRow): IndexedDevice => ({
  device: r.address,
  classId: r.class_id,
  status: r.status,
  publicKey: r.public_key,
  registrar: r.registrar,
  registeredBlock: r.registered_block,
  statusBlock: r.status_block,
  owner: r.owner,
  readings: r.readings,
  flags: r.flags,
  lastSequence: uint64FromSqlite(r.last_sequence),
  lastReadingBlock: r.last_reading_block,
});

export type ListDevicesParameters = {
  status?: string;
  classId?: number;
  owner?: string;
  sort?: DeviceSortKey;
  order?: SortOrder;
  limit: number;
  cursor?: string;
};

/**
 * One page of the fleet: filtered by status, class or owner, sorted by one column with the address
 * as tie-breaker, continued by keyset cursor (an index range, however deep the page).
 */
export function listDevices(db: Database.Database, p: ListDevicesParameters): Page<IndexedDevice> {
  const column = deviceSortKeys[p.sort ?? 'address'];
  const desc = p.order === 'desc';
  const where: string[] = [];
  const args: (string | number | null)[] = [];
  if (p.status !== undefined) where.push('status = ?') && args.push(p.status);
  if (p.classId !== undefined) where.push('class_id = ?') && args.push(p.classId);
  if (p.owner !== undefined) where.push('owner = ?') && args.push(p.owner);
  // NULLs (no reading yet) sort as -1, so that the keyset comparison stays a plain comparison (the
  // index is on the same expression).
  const key = column === 'last_reading_block' ? 'coalesce(last_reading_block, -1)' : column;
  if (p.cursor !== undefined) {
    if (column === 'address') {
      const [address] = decodeCursor(p.cursor, ['string']);
      where.push(`address ${desc ? '<' : '>'} ?`);
      args.push(address);
    } else {
      const [value, address] = decodeCursor(p.cursor, ['integer', 'string']);
      // The first term repeats the second's bound on the key alone: SQLite starts an index range
      // from a row-value comparison on plain columns, not on an expression (coalesce), so without
      // it a deep page sorted by last reading would step over every row before the cursor.
      where.push(`${key} ${desc ? '<=' : '>='} ?`, `(${key}, address) ${desc ? '<' : '>'} (?, ?)`);
      args.push(value, value, address);
    }
  }
  const order =
    column === 'address' ? `address ${desc ? 'DESC' : 'ASC'}` : `${key} ${desc ? 'DESC' : 'ASC'}, address ${desc ? 'DESC' : 'ASC'}`;
  const rows = db
    .prepare(`SELECT * FROM devices ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`)
    .all(...args, p.limit + 1) as DeviceRow[];
  const more = rows.length > p.limit;
  const items = rows.slice(0, p.limit).map(deviceOf);
  const last = rows[p.limit - 1];
  const next =
    more && last
      ? encodeCursor(column === 'address' ? [last.address] : [(last[column as keyof DeviceRow] as number | null) ?? -1, last.address])
      : null;
  return { items, next };
}

export function readIndexedDevice(db: Database.Database, address: string): IndexedDevice | undefined {
  const row = db.prepare('SELECT * FROM devices WHERE address = ?').get(address) as DeviceRow | undefined;
  return row && deviceOf(row);
}

/** A row's place on the chain (its block, log and transaction columns), and whether its block is final. */
const placeOf = (r: { block_number: number; log_index: number; tx_hash: string }, finalBlock: number): ChainPlace => ({
  blockNumber: r.block_number,
  logIndex: r.log_index,
  transactionHash: r.tx_hash,
  final: r.block_number <= finalBlock,
});

export type ReadingRow = {
  block_number: number;
  log_index: number;
  tx_hash: string;
  device: string;
  sequence: number;
  outcome: IndexedReading['outcome'];
  reasons: number | null;
  metric: number | null;
  value: number | null;
  skip_reason: number | null;
  timestamp: number | null;
  payload: Hex | null;
  r: Hex | null;
  vs: Hex | null;
};

export const readingOf = (r: ReadingRow, finalBlock: number): IndexedReading => ({
  ...placeOf(r, finalBlock),
  device: r.device,
  sequence: uint64FromSqlite(r.sequence),
  outcome: r.outcome,
  timestamp: uint64FromSqlite(r.timestamp),
  payload: r.payload,
  values: r.payload === null ? null : decodeMetrics(r.payload),
  signature: r.r !== null && r.vs !== null ? { r: r.r, vs: r.vs } : null,
  flag:
    r.outcome === 'flagged'
      ? { reasons: r.reasons ?? 0, rules: flagReasonNames(r.reasons ?? 0), metric: r.metric ?? 0, value: r.value ?? 0 }
      : null,
  skipReason: r.skip_reason,
});

export type ListReadingsParameters = {
  device: string;
  /** Device time range, unix seconds, inclusive. */
  from?: number;
  to?: number;
  order?: SortOrder;
  limit: number;
  cursor?: string;
};

/** A device's readings by its signed time (then sequence), through the (device, timestamp, sequence) index. */
export function listDeviceReadings(db: Database.Database, finalBlock: number, p: ListReadingsParameters): Page<IndexedReading> {
  const desc = p.order === 'desc';
  const where = ['device = ?', 'timestamp IS NOT NULL'];
  const args: (string | number)[] = [p.device];
  if (p.from !== undefined) where.push('timestamp >= ?') && args.push(p.from);
  if (p.to !== undefined) where.push('timestamp <= ?') && args.push(p.to);
  if (p.cursor !== undefined) {
    const [timestamp, sequence] = decodeCursor(p.cursor, ['integer', 'integer']);
    where.push(`(timestamp, sequence) ${desc ? '<' : '>'} (?, ?)`);
    args.push(timestamp, sequence);
  }
  const dir = desc ? 'DESC' : 'ASC';
  const rows = db
    .prepare(`SELECT * FROM readings WHERE ${where.join(' AND ')} ORDER BY timestamp ${dir}, sequence ${dir} LIMIT ?`)
    .all(...args, p.limit + 1) as ReadingRow[];
  const last = rows[p.limit - 1];
  return {
    items: rows.slice(0, p.limit).map((r) => readingOf(r, finalBlock)),
    next: rows.length > p.limit && last ? encodeCursor([last.timestamp, last.sequence]) : null,
  };
}

/** A page of rows in chain order, newest first, optionally of one device. */
export type PositionPageParameters = { device?: string; limit: number; cursor?: string };

export type ListEventsParameters = {
  contracts?: readonly string[];
  names?: readonly string[];
  /** Events whose `device` argument is this device, or whose `devices` list holds it (a consent's grant); checksummed address. */
  device?: string;
  /**
   * Events that name this account in an address argument other than `device` (by, owner, registrar,
   * recipient, sender, ...), or whose transaction it sent (IndexedEvent's `sender`); checksummed
   * address. Found through event_actors (eventActors.ts).
   */
  actor?: string;
  limit: number;
  cursor?: string;
};

/** A WHERE term and the values bound to its placeholders. */
type Filter = [sql: string, ...values: (string | number)[]];

/** Rows ordered by chain position, newest first, continued by (block, log index). */
function byPosition<R extends { block_number: number; log_index: number }>(
  db: Database.Database,
  table: string,
  filters: Filter[],
  limit: number,
  cursor: string | undefined,
): { rows: R[]; next: string | null } {
  const where = filters.map(([sql]) => sql);
  const args: (string | number)[] = filters.flatMap(([, ...values]) => values);
  if (cursor !== undefined) {
    const [block, log] = decodeCursor(cursor, ['integer', 'integer']);
    where.push('(block_number, log_index) < (?, ?)');
    args.push(block, log);
  }
  const rows = db
    .prepare(
      `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY block_number DESC, log_index DESC LIMIT ?`,
    )
    .all(...args, limit + 1) as R[];
  const last = rows[limit - 1];
  return { rows: rows.slice(0, limit), next: rows.length > limit && last ? encodeCursor([last.block_number, last.log_index]) : null };
}

/** Flagged readings with their evidence (block, transaction, the signed reading, the rule), newest first. */
export function listFlags(db: Database.Database, finalBlock: number, p: PositionPageParameters): Page<IndexedReading> {
  // The outcome is a literal, not a bound value: SQLite uses a partial index (flags_by_device, flags_by_position) only then.
  const filters: Filter[] = [["outcome = 'flagged'"]];
  if (p.device) filters.push(['device = ?', p.device]);
  const page = byPosition<ReadingRow>(db, 'readings', filters, p.limit, p.cursor);
  return { items: page.rows.map((r) => readingOf(r, finalBlock)), next: page.next };
}

export function listStatusChanges(db: Database.Database, finalBlock: number, p: PositionPageParameters): Page<IndexedStatusChange> {
  type Row = {
    block_number: number;
    log_index: number;
    tx_hash: string;
    device: string;
    previous: string;
    current: string;
    by: string;
    reason: string;
  };
  const page = byPosition<Row>(db, 'status_changes', p.device ? [['device = ?', p.device]] : [], p.limit, p.cursor);
  return {
    items: page.rows.map((r) => ({
      ...placeOf(r, finalBlock),
      device: r.device,
      previous: r.previous,
      current: r.current,
      by: r.by,
      reason: r.reason,
    })),
    next: page.next,
  };
}

/** The fleet's reading events: their rows are also in `readings`, indexed there by device, and events_by_device leaves them out. */
export const readingEventNames = ['ReadingAccepted', 'ReadingFlagged', 'ReadingSkipped'] as const;
/** The one event that names its devices in a list (`devices`): a consent's grant. */
export const deviceListEvent = { contract: 'consentRegistry', name: 'ConsentGranted' } as const;

/**
 * Where the events of one device are found by an index, one branch per kind of event: `argument`
 * (the event's `device` argument: events_by_device, reading events left out), `reading` (a reading
 * event, through its row in `readings`) and `list` (a consent's `devices` list). Only the branches
 * the contract and name filters let through are read.
 */
export type DeviceEventBranch = 'argument' | 'reading' | 'list';

export function deviceEventBranches(p: Pick<ListEventsParameters, 'contracts' | 'names' | 'actor'>): DeviceEventBranch[] {
  const admits = (contract: string, names: readonly string[]) =>
    (!p.contracts?.length || p.contracts.includes(contract)) && (!p.names?.length || names.some((n) => p.names!.includes(n)));
  const readingNames: readonly string[] = readingEventNames;
  const branches: DeviceEventBranch[] = [];
  // Any event but a reading event may carry a `device` argument.
  if (!p.names?.length || p.names.some((n) => !readingNames.includes(n))) branches.push('argument');
  // A reading event names no actor (eventActors): with an actor, a device's readings are not read.
  if (admits('fleet', readingEventNames) && !p.actor) branches.push('reading');
  if (admits(deviceListEvent.contract, [deviceListEvent.name])) branches.push('list');
  return branches;
}

/** The reading event names as an SQL list (a literal: a partial index is used only when the query repeats its condition). */
export const readingEventNamesSql = readingEventNames.map((n) => `'${n}'`).join(', ');

type EventRow = {
  block_number: number;
  log_index: number;
  tx_hash: string;
  contract: string;
  address: string;
  name: string;
  args: string;
  sender: string | null;
};

/**
 * The events of the actor the query names (`e.actor = ?`), their position taken from event_actors,
 * so that the keyset order and cursor run on its (actor, block, log index) key: the index hands the
 * actor's newest rows first, however many events the index holds. Both stores use this subquery.
 */
export const actorEvents = `(SELECT a.actor, a.block_number, a.log_index, e.tx_hash, e.contract, e.address, e.name, e.args, e.sender
  FROM event_actors a JOIN events e ON e.block_number = a.block_number AND e.log_index = a.log_index) e`;
/** event_actors' row of the event `e` and the actor bound to `?` (a lookup of its key). */
export const actorOfEvent = 'a.actor = ? AND a.block_number = e.block_number AND a.log_index = e.log_index';

/** Events of the followed contracts (the accounting log), newest first, optionally of some contracts and event names. */
export function listEvents(db: Database.Database, finalBlock: number, p: ListEventsParameters): Page<IndexedEvent> {
  const filters: Filter[] = [];
  // One bound value per filter: a list of values is bound as a JSON array (json_each).
  // In a device's branches the device's index does the search, and for an actor event_actors: the
  // unary + keeps SQLite from choosing events_by_name for these (every event of a name of the fleet) instead.
  const plus = p.device || p.actor ? '+' : '';
  if (p.contracts?.length) filters.push([`${plus}e.contract IN (SELECT value FROM json_each(?))`, JSON.stringify(p.contracts)]);
  if (p.names?.length) filters.push([`${plus}e.name IN (SELECT value FROM json_each(?))`, JSON.stringify(p.names)]);
  // An actor's events are found through event_actors (by actor, then position): alone, its rows
  // are the page's order; with a device, each of the device's events is looked up there.
  if (p.actor && p.device) filters.push([`EXISTS (SELECT 1 FROM event_actors a WHERE ${actorOfEvent})`, p.actor]);
  else if (p.actor) filters.push(['e.actor = ?', p.actor]);
  const page = p.device
    ? eventsOfDevice(db, p, p.device, filters)
    : byPosition<EventRow>(db, p.actor ? actorEvents : 'events e', filters, p.limit, p.cursor);
  return {
    items: page.rows.map((r) => ({
      ...placeOf(r, finalBlock),
      contract: r.contract,
      address: r.address,
      name: r.name,
      args: JSON.parse(r.args) as Record<string, unknown>,
      sender: r.sender,
    })),
    next: page.next,
  };
}

/**
 * A device's events: each branch (deviceEventBranches) reads its newest rows from its own index,
 * and the newest of them all make the page. An OR of the three conditions would read every event.
 */
function eventsOfDevice(
  db: Database.Database,
  p: ListEventsParameters,
  device: string,
  filters: Filter[],
): { rows: EventRow[]; next: string | null } {
  const query = deviceEventsQuery(p, device, filters);
  if (query === undefined) return { rows: [], next: null };
  const rows = db.prepare(query.sql).all(...query.args) as EventRow[];
  const last = rows[p.limit - 1];
  return { rows: rows.slice(0, p.limit), next: rows.length > p.limit && last ? encodeCursor([last.block_number, last.log_index]) : null };
}

/** eventsOfDevice's SQL and values (exported for the tests that check its plan); undefined when no branch can match. */
export function deviceEventsQuery(
  p: ListEventsParameters,
  device: string,
  filters: Filter[] = [],
): { sql: string; args: (string | number)[] } | undefined {
  const after = p.cursor === undefined ? undefined : decodeCursor(p.cursor, ['integer', 'integer']);
  const branchSql: Record<DeviceEventBranch, [from: string, where: string, position: string]> = {
    argument: ['events e', `json_extract(e.args, '$.device') = ? AND e.name NOT IN (${readingEventNamesSql})`, 'e'],
    reading: ['readings r JOIN events e ON e.block_number = r.block_number AND e.log_index = r.log_index', 'r.device = ?', 'r'],
    list: ['event_devices d JOIN events e ON e.block_number = d.block_number AND e.log_index = d.log_index', 'd.device = ?', 'd'],
  };
  const selects: string[] = [];
  const args: (string | number)[] = [];
  for (const branch of deviceEventBranches(p)) {
    const [from, where, t] = branchSql[branch];
    const terms = [where, ...filters.map(([sql]) => sql)];
    args.push(device, ...filters.flatMap(([, ...values]) => values));
    if (after) terms.push(`(${t}.block_number, ${t}.log_index) < (?, ?)`) && args.push(...after);
    selects.push(
      `SELECT * FROM (SELECT e.* FROM ${from} WHERE ${terms.join(' AND ')} ORDER BY ${t}.block_number DESC, ${t}.log_index DESC LIMIT ?)`,
    );
    args.push(p.limit + 1);
  }
  if (selects.length === 0) return undefined;
  return { sql: `${selects.join(' UNION ALL ')} ORDER BY block_number DESC, log_index DESC LIMIT ?`, args: [...args, p.limit + 1] };
}

/** A consent's grant, by its place and its device list: which of the devices changed owner after it? */
export type GrantOfDevices = { blockNumber: number; logIndex: number; devices: readonly string[] };

/** For each grant, the transfers that voided it, one per device that changed owner after it (through events_by_device). */
export function listConsentVoids(db: Database.Database, finalBlock: number, grants: readonly GrantOfDevices[]): ConsentVoid[][] {
  const firstTransfer = db.prepare(
    `SELECT block_number, log_index, tx_hash, args FROM events
      WHERE json_extract(args, '$.device') = ? AND name NOT IN (${readingEventNamesSql})
        AND +contract = 'deviceOwnership' AND +name = 'OwnershipTransferred' AND (block_number, log_index) > (?, ?)
      ORDER BY block_number, log_index LIMIT 1`,
  );
  return grants.map((grant) =>
    grant.devices.flatMap((device) => {
      const row = firstTransfer.get(device, grant.blockNumber, grant.logIndex) as
        | Omit<EventRow, 'contract' | 'address' | 'name'>
        | undefined;
      if (!row) return [];
      return [
        {
          ...placeOf(row, finalBlock),
          device,
          newOwner: String((JSON.parse(row.args) as { newOwner?: unknown }).newOwner),
        },
      ];
    }),
  );
}
