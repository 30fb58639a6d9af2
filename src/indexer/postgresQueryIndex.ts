import type pg from 'pg';
import {
  decodeCursor,
  deviceOf,
  deviceSortKeys,
  encodeCursor,
  InvalidCursorError,
  readingOf,
  type DeviceRow,
  type IndexedDevice,
  type IndexedEvent,
  type IndexedReading,
  type IndexedStatusChange,
  type ListDevicesParameters,
  type ListEventsParameters,
  type ListReadingsParameters,
  type Page,
  type PositionPageParameters,
  type ReadingRow,
} from './queryIndex.js';

/**
 * The query API's reads in PostgreSQL: queryIndex.ts's queries in PostgreSQL's dialect, over the
 * same tables and indexes, answering the same pages (same order, same cursors).
 */

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

/** A cursor's value where the column is an integer: anything else is not a cursor this API gave. */
function integerOf(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new InvalidCursorError('the cursor is not one this API gave');
  return value;
}

function stringOf(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidCursorError('the cursor is not one this API gave');
  return value;
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
      const bound = bind.add(stringOf(decodeCursor(p.cursor, 1)[0]));
      where.push(`r.address ${desc ? '<' : '>'} ${bound}`, `c.address ${desc ? '<' : '>'} ${bound}`);
    } else {
      const [value, lastAddress] = decodeCursor(p.cursor, 2);
      where.push(`(${key}, ${address}) ${desc ? '<' : '>'} (${bind.add(integerOf(value))}, ${bind.add(stringOf(lastAddress))})`);
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
    const [timestamp, sequence] = decodeCursor(p.cursor, 2);
    where.push(
      `(timestamp, sequence) ${desc ? '<' : '>'} (${bind.add(integerOf(timestamp))}::numeric, ${bind.add(integerOf(sequence))}::numeric)`,
    );
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
  const where = filters.map(([sql, value]) => (sql.includes('?') ? sql.replace('?', bind.add(value)) : sql));
  if (cursor !== undefined) {
    const [block, log] = decodeCursor(cursor, 2);
    where.push(`(block_number, log_index) < (${bind.add(integerOf(block))}::bigint, ${bind.add(integerOf(log))}::integer)`);
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
  if (p.contracts?.length) filters.push(['contract = ANY(?::text[])', [...p.contracts]]);
  if (p.names?.length) filters.push(['name = ANY(?::text[])', [...p.names]]);
  // One placeholder per filter: the device is bound once and named twice through a one-row subquery.
  if (p.device) {
    filters.push([
      "EXISTS (SELECT 1 FROM (SELECT ?::text AS d) v WHERE v.d = args->>'device' OR args::jsonb->'devices' @> to_jsonb(v.d))",
      p.device,
    ]);
  }
  if (p.actor) filters.push(["EXISTS (SELECT 1 FROM json_each_text(args) WHERE key <> 'device' AND value = ?)", p.actor]);
  const page = await byPosition<Positioned<IndexedEvent>>(
    db,
    `${place(finalBlock)}, contract, address, name, args`,
    'events',
    filters,
    p.limit,
    p.cursor,
  );
  return { items: page.rows.map(withoutPosition), next: page.next };
}
