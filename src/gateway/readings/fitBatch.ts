import { size, type Hex } from 'viem';

/**
 * Largest calldata of a readings batch (bytes). geth's transaction pool refuses a transaction
 * over 128 KiB (txMaxSize, the whole signed transaction); this leaves room for its other fields
 * and the signature. At ~300 bytes a reading (a 12-byte payload), 200 readings are ~60 KB.
 */
export const MAX_BATCH_CALLDATA_BYTES = 120_000;

export type FitBatchReturnType<T> = { items: T[]; data: Hex };

/**
 * The longest prefix of `items` whose encoding fits in `maxBytes` (at least one item: a single
 * reading is far below any limit, as the gateway caps payloads). Keeps the order: what does not fit
 * waits for the next batch.
 */
export function fitBatch<T>(
  items: readonly T[],
  encode: (items: readonly T[]) => Hex,
  maxBytes = MAX_BATCH_CALLDATA_BYTES,
): FitBatchReturnType<T> {
  const whole = encode(items);
  if (items.length <= 1 || size(whole) <= maxBytes) return { items: [...items], data: whole };
  // Binary search for the longest prefix that fits (a dozen encodings for a batch of a few hundred).
  let fits = 1;
  let tooLong = items.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (size(encode(items.slice(0, middle))) <= maxBytes) fits = middle;
    else tooLong = middle;
  }
  const prefix = items.slice(0, fits);
  return { items: prefix, data: encode(prefix) };
}
