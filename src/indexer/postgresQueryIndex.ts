import type pg from 'pg';
import {
  actorEvents,
  actorOfEvent,
  decodeCursor,
  deviceEventBranches,
  deviceListEvent,
  readingEventNamesSql,
  type DeviceEventBranch,
  type GrantOfDevices,
  deviceOf,
  deviceSortKeys,
  encodeCursor,
  readingOf,
  type DeviceRow,
  type ListDevicesParameters,
  type ListEventsParameters,
  type ListReadingsParameters,
  type PositionPageParameters,
  type ReadingRow,
} from './queryIndex.js';
import type { ConsentVoid, IndexedDevice, IndexedEvent, IndexedReading, IndexedStatusChange, Page } from './indexedRows.js';

/**
 * The query API's reads in PostgreSQL: queryIndex.ts's queries in PostgreSQL's dialect, over the
 * same tables and indexes, answering the same pages (same order, same cursors).
 */

/**
 * An event's arguments (of the row `table`) as text PostgreSQL's json operators can read: a string
 * from the chain may hold NUL (\u0000), which they refuse ("unsupported Unicode escape sequence");
 * U+FFFD stands in for it (an address never holds one). The indexes on the arguments use the same
 * expression, so that the planner matches them.
 */
export const pgReadableArgs = (table: string) => `replace(${table}.args::text, '\\u0000', '\\ufffd')`;

/** A pool or a connection. */
export type PgQueryable = Pick<pg.ClientBase, 'query'>;

/** Binds values as $1, $2, ... in the order they are added. */
function parameters() {
  const values: unknown[] = [];
  return {
    values,
    add(value: unknown): string {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * The fleet's rows: a device's record and its reading counters, two tables (postgresIndexerStore.ts,
 * its migration of the counters). The address compared and sorted is that of the table whose index
 * holds the sort key, so that a keyset page starts where the cursor is in that index (the two
 * addresses are equal, but the planner compares a row value on one table only).
 */
const deviceRows = 'device_records r JOIN device_counters c ON c.address = r.address';
const deviceColumns = 'r.*, c.readings, c.flags, c.last_sequence, c.last_reading_block';

export async function pgDevices(db: PgQueryable, p: ListDevicesParameters): Promise<Page<IndexedDevice>> {
  const column = deviceSortKeys[p.sort ?? 'address'];
  const desc = p.order === 'desc';
  const address = column === 'flags' || column === 'last_reading_block' ? 'c.address' : 'r.address';
  const where: string[] = [];
  const bind = parameters();
  if (p.status !== undefined) where.push(`status = ${bind.add(p.status)}`);
  if (p.classId !== undefined) where.push(`class_id = ${bind.add(p.classId)}`);
  if (p.owner !== undefined) where.push(`owner = ${bind.add(p.owner)}`);
  const key = column === 'last_reading_block' ? 'coalesce(last_reading_block, -1)' : column;
  if (p.cursor !== undefined) {
    if (column === 'address') {
      // Both tables' addresses bounded: a merge join on the address then starts both at the cursor.
      const [lastAddress] = decodeCursor(p.cursor, ['string']);
      const bound = bind.add(lastAddress);
      where.push(`r.address ${desc ? '<' : '>'} ${bound}`, `c.address ${desc ? '<' : '>'} ${bound}`);
    } else {
      const [value, lastAddress] = decodeCursor(p.cursor, ['integer', 'string']);
      where.push(`(${key}, ${address}) ${desc ? '<' : '>'} (${bind.add(value)}, ${bind.add(lastAddress)})`);
    }
  }
  const dir = desc ? 'DESC' : 'ASC';
  const order = column === 'address' ? `${address} ${dir}` : `${key} ${dir}, ${address} ${dir}`;
  const { rows } = await db.query<DeviceRow>(
    `SELECT ${deviceColumns} FROM ${deviceRows} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${bind.add(p.limit + 1)}`,
    bind.values,
  );
  const last = rows[p.limit - 1];
  const next =
    rows.length > p.limit && last
      ? encodeCursor(column === 'address' ? [last.address] : [(last[column as keyof DeviceRow] as number | null) ?? -1, last.address])
      : null;
  return { items: rows.slice(0, p.limit).map(deviceOf), next };
}

export async function pgReadDevice(db: PgQueryable, address: string): Promise<IndexedDevice | undefined> {
  const { rows } = await db.query<DeviceRow>('SELECT * FROM devices WHERE address = $1', [address]);
  return rows[0] && deviceOf(rows[0]);
}

const readingColumns = `block_number, log_index, tx_hash, device, sequence, outcome, reasons, metric, value, skip_reason, timestamp, payload, r, vs`;

export async function pgDeviceReadings(db: PgQueryable, finalBlock: number, p: ListReadingsParameters): Promise<Page<IndexedReading>> {
  const desc = p.order === 'desc';
  const bind = parameters();
  const where = [`device = ${bind.add(p.device)}`, 'timestamp IS NOT NULL'];
  if (p.from !== undefined) where.push(`timestamp >= ${bind.add(p.from)}`);
  if (p.to !== undefined) where.push(`timestamp <= ${bind.add(p.to)}`);
  if (p.cursor !== undefined) {
    const [timestamp, sequence] = decodeCursor(p.cursor, ['integer', 'integer']);
    where.push(`(timestamp, sequence) ${desc ? '<' : '>'} (${bind.add(timestamp)}::numeric, ${bind.add(sequence)}::numeric)`);
  }
  const dir = desc ? 'DESC' : 'ASC';
  const { rows } = await db.query<ReadingRow>(
    `SELECT ${readingColumns} FROM readings WHERE ${where.join(' AND ')} ORDER BY timestamp ${dir}, sequence ${dir} LIMIT ${bind.add(p.limit + 1)}`,
    bind.values,
  );
  const last = rows[p.limit - 1];
  return {
    items: rows.slice(0, p.limit).map((r) => readingOf(r, finalBlock)),
    next: rows.length > p.limit && last ? encodeCursor([last.timestamp, last.sequence]) : null,
  };
}

/** Rows in chain order, newest first, continued by (block, log index): `select` names the columns and their API names. */
async function byPosition<R extends { block_number: number; log_index: number }>(
  db: PgQueryable,
  select: string,
  table: string,
  filters: [string, unknown][],
  limit: number,
  cursor: string | undefined,
): Promise<{ rows: R[]; next: string | null }> {
  const bind = parameters();
  // Every `?` of a filter is its one value (bound once).
  const where = filters.map(([sql, value]) => (sql.includes('?') ? sql.replaceAll('?', bind.add(value)) : sql));
  if (cursor !== undefined) {
    const [block, log] = decodeCursor(cursor, ['integer', 'integer']);
    where.push(`(block_number, log_index) < (${bind.add(block)}::bigint, ${bind.add(log)}::integer)`);
  }
  const { rows } = await db.query<R>(
    `SELECT ${select} FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY block_number DESC, log_index DESC LIMIT ${bind.add(limit + 1)}`,
    bind.values,
  );
  const last = rows[limit - 1];
  return { rows: rows.slice(0, limit), next: rows.length > limit && last ? encodeCursor([last.block_number, last.log_index]) : null };
}

export async function pgFlags(db: PgQueryable, finalBlock: number, p: PositionPageParameters): Promise<Page<IndexedReading>> {
  // The outcome as a literal: the index of flagged readings is a partial one (WHERE outcome = 'flagged').
  const filters: [string, unknown][] = [["outcome = 'flagged'", undefined]];
  if (p.device) filters.push(['device = ?', p.device]);
  const page = await byPosition<ReadingRow>(db, readingColumns, 'readings', filters, p.limit, p.cursor);
  return { items: page.rows.map((r) => readingOf(r, finalBlock)), next: page.next };
}

/** The place columns under their API names, and `final` against the final block (an integer, written into the SQL). */
const place = (finalBlock: number) =>
  `block_number, log_index, block_number AS "blockNumber", log_index AS "logIndex", tx_hash AS "transactionHash", block_number <= ${Math.trunc(finalBlock)} AS final`;

type Positioned<T> = T & { block_number: number; log_index: number };
const withoutPosition = <T>({ block_number: _b, log_index: _l, ...rest }: Positioned<T>): T => rest as T;

export async function pgStatusChanges(db: PgQueryable, finalBlock: number, p: PositionPageParameters): Promise<Page<IndexedStatusChange>> {
  type Row = Positioned<Omit<IndexedStatusChange, 'reason'> & { reason: Buffer }>;
  const page = await byPosition<Row>(
    db,
    `${place(finalBlock)}, device, previous, current, by, reason`,
    'status_changes',
    p.device ? [['device = ?', p.device]] : [],
    p.limit,
    p.cursor,
  );
  return { items: page.rows.map((r) => ({ ...withoutPosition(r), reason: r.reason.toString('utf8') })), next: page.next };
}

export async function pgEvents(db: PgQueryable, finalBlock: number, p: ListEventsParameters): Promise<Page<IndexedEvent>> {
  const filters: [string, unknown][] = [];
  if (p.contracts?.length) filters.push(['e.contract = ANY(?::text[])', [...p.contracts]]);
  if (p.names?.length) filters.push(['e.name = ANY(?::text[])', [...p.names]]);
  // As listEvents: an actor's events through event_actors (alone, in its key's order; with a device, looked up there).
  if (p.actor && p.device) filters.push([`EXISTS (SELECT 1 FROM event_actors a WHERE ${actorOfEvent})`, p.actor]);
  else if (p.actor) filters.push(['e.actor = ?', p.actor]);
  const select = `${place(finalBlock)}, contract, address, name, args, sender`;
  const page = p.device
    ? await pgEventsOfDevice(db, select, p, p.device, filters)
    : await byPosition<Positioned<IndexedEvent>>(db, select, p.actor ? actorEvents : 'events e', filters, p.limit, p.cursor);
  return { items: page.rows.map(withoutPosition), next: page.next };
}

/**
 * A device's events, one branch per kind (deviceEventBranches), each read newest first from its own
 * index (events_by_device, readings_by_device_block, events_by_listed_device), as listEvents in SQLite.
 */
async function pgEventsOfDevice(
  db: PgQueryable,
  select: string,
  p: ListEventsParameters,
  device: string,
  filters: [string, unknown][],
): Promise<{ rows: Positioned<IndexedEvent>[]; next: string | null }> {
  const query = pgDeviceEventsQuery(select, p, device, filters);
  if (query === undefined) return { rows: [], next: null };
  const { rows } = await db.query<Positioned<IndexedEvent>>(query.sql, query.values);
  const last = rows[p.limit - 1];
  return { rows: rows.slice(0, p.limit), next: rows.length > p.limit && last ? encodeCursor([last.block_number, last.log_index]) : null };
}

/** pgEventsOfDevice's SQL and values (exported for the test that checks its plan); undefined when no branch can match. */
export function pgDeviceEventsQuery(
  select: string,
  p: ListEventsParameters,
  device: string,
  filters: [string, unknown][] = [],
): { sql: string; values: unknown[] } | undefined {
  const bind = parameters();
  const d = `${bind.add(device)}::text`;
  const common = filters.map(([sql, value]) => sql.replaceAll('?', bind.add(value)));
  const after = p.cursor === undefined ? undefined : decodeCursor(p.cursor, ['integer', 'integer']);
  const bound = after && [`${bind.add(after[0])}::bigint`, `${bind.add(after[1])}::integer`];
  const limit = bind.add(p.limit + 1);
  const branchSql: Record<DeviceEventBranch, [from: string, where: string, position: string]> = {
    argument: ['events e', `${pgReadableArgs('e')}::json ->> 'device' = ${d} AND e.name NOT IN (${readingEventNamesSql})`, 'e'],
    reading: ['readings r JOIN events e ON e.block_number = r.block_number AND e.log_index = r.log_index', `r.device = ${d}`, 'r'],
    list: [
      'events e',
      `e.contract = '${deviceListEvent.contract}' AND e.name = '${deviceListEvent.name}' AND ${pgReadableArgs('e')}::jsonb -> 'devices' @> jsonb_build_array(${d})`,
      'e',
    ],
  };
  const selects = deviceEventBranches(p).map((branch) => {
    const [from, where, t] = branchSql[branch];
    const terms = [where, ...common, ...(bound ? [`(${t}.block_number, ${t}.log_index) < (${bound[0]}, ${bound[1]})`] : [])];
    const rows = `SELECT e.* FROM ${from} WHERE ${terms.join(' AND ')}`;
    // A consent's grants first, then their order (OFFSET 0 keeps the subquery apart): ordered and
    // limited at once, the planner walks every grant backward hoping for a match soon, and a device
    // in no grant reads them all.
    if (branch === 'list') return `(SELECT * FROM (${rows} OFFSET 0) e ORDER BY block_number DESC, log_index DESC LIMIT ${limit})`;
    return `(${rows} ORDER BY ${t}.block_number DESC, ${t}.log_index DESC LIMIT ${limit})`;
  });
  if (selects.length === 0) return undefined;
  return {
    sql: `SELECT ${select} FROM (${selects.join(' UNION ALL ')}) AS e ORDER BY block_number DESC, log_index DESC LIMIT ${limit}`,
    values: bind.values,
  };
}

/** listConsentVoids in PostgreSQL: every (grant, device) pair in one statement, each a lookup in events_by_device. */
export async function pgConsentVoids(db: PgQueryable, finalBlock: number, grants: readonly GrantOfDevices[]): Promise<ConsentVoid[][]> {
  const pairs = grants.flatMap((grant, i) => grant.devices.map((device) => ({ i, device, grant })));
  const voids: ConsentVoid[][] = grants.map(() => []);
  if (pairs.length === 0) return voids;
  const { rows } = await db.query<Positioned<ConsentVoid> & { pair: number }>(
    `SELECT q.pair - 1 AS pair, t.* FROM unnest($1::text[], $2::bigint[], $3::integer[]) WITH ORDINALITY AS q (device, block_number, log_index, pair)
     CROSS JOIN LATERAL (
       SELECT ${place(finalBlock)}, q.device AS device, ${pgReadableArgs('e')}::json ->> 'newOwner' AS "newOwner" FROM events e
        WHERE ${pgReadableArgs('e')}::json ->> 'device' = q.device AND e.name NOT IN (${readingEventNamesSql})
          AND e.contract = 'deviceOwnership' AND e.name = 'OwnershipTransferred'
          AND (e.block_number, e.log_index) > (q.block_number, q.log_index)
        ORDER BY e.block_number, e.log_index LIMIT 1) t
     ORDER BY q.pair`,
    [pairs.map((p) => p.device), pairs.map((p) => p.grant.blockNumber), pairs.map((p) => p.grant.logIndex)],
  );
  for (const { pair, ...row } of rows) voids[pairs[Number(pair)]!.i]!.push(withoutPosition(row));
  return voids;
}
