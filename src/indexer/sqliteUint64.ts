/**
 * A device's sequence and signed time are uint64 (docs/protocol.md), but SQLite's INTEGER is a
 * signed 64-bit number: a value of 2^63 or more, bound as a JS number, is a REAL that a STRICT
 * column refuses, and the indexer then retried that range for ever (one device's reading stopped
 * the index). The SQLite store keeps such a value in the column as its two's-complement int64
 * (bound as a BigInt, so exactly), and reads it back into the uint64 it was.
 */
const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;

/** The int64 that stands for a uint64 in the column (itself below 2^63, minus 2^64 from there). */
export function uint64ToSqlite(value: bigint | number | string): bigint {
  const n = BigInt(value);
  if (n < 0n || n >= TWO_64) throw new RangeError(`${value} is not a uint64`);
  return n >= TWO_63 ? n - TWO_64 : n;
}

/** The uint64 a column value stands for, as a JS number (exact up to 2^53, like every number of the API). */
export function uint64FromSqlite<T extends number | null>(value: T): T {
  return (value !== null && value < 0 ? value + 2 ** 64 : value) as T;
}
