import { useEffect, useState } from 'react';
import { indexGet, isRefused, type IndexPage } from './api.js';

/**
 * One page of an index route at a time, with the API's cursors (previous pages' cursors kept for
 * "previous"); `query` changes start again from the first page. A refused token calls `onRefused`.
 */
export function usePagedIndex<T>(path: string, query: Record<string, string>, onRefused: () => void, reload = 0) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<IndexPage<T>>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(query);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query (by value) starts from the first page
  useEffect(() => setCursors([undefined]), [key]);
  const cursor = cursors[cursors.length - 1];
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the query by value; `reload` asks for the page again
  useEffect(() => {
    let current = true;
    const search = new URLSearchParams({ ...JSON.parse(key), ...(cursor && { cursor }) });
    indexGet<IndexPage<T>>(`${path}?${search}`)
      .then((p) => {
        if (!current) return;
        setPage(p);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (isRefused(e)) onRefused();
        else if (current) setError((e as Error).message);
      });
    return () => {
      current = false;
    };
  }, [path, key, cursor, onRefused, reload]);
  return {
    page,
    error,
    number: cursors.length,
    previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
    next: page?.next ? () => setCursors([...cursors, page.next ?? undefined]) : undefined,
  };
}
