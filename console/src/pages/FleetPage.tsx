import { useEffect, useState } from 'react';
import { ApiError, type IndexedDevice, indexGet, type IndexPage } from '../api.js';
import { short, statusClass } from '../format.js';
import { TownMap } from '../TownMap.js';

const PAGE_SIZE = 50;

/** Every device of the index, a page at a time (the API's cursors), with status, class, last reading and flags. */
export function FleetPage({ onRefused }: { onRefused: () => void }) {
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<IndexPage<IndexedDevice>>();
  const [error, setError] = useState<string>();
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(status && { status }), ...(cursor && { cursor }) });
    let current = true;
    indexGet<IndexPage<IndexedDevice>>(`/v1/index/devices?${query}`)
      .then((p) => {
        if (!current) return;
        setPage(p);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) onRefused();
        else if (current) setError((e as Error).message);
      });
    return () => {
      current = false;
    };
  }, [status, cursor, onRefused]);

  return (
    <section>
      <h1>Fleet</h1>
      <TownMap onRefused={onRefused} />
      <div className="toolbar">
        <label>
          Status{' '}
          <select
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setCursors([undefined]);
            }}
          >
            <option value="">all</option>
            <option>active</option>
            <option>suspended</option>
            <option>revoked</option>
          </select>
        </label>
        {page && <span className="muted">final block {page.finalBlock}</span>}
      </div>
      {error && <p className="error">{error}</p>}
      <table className="fleet">
        <thead>
          <tr>
            <th>device</th>
            <th>status</th>
            <th>class</th>
            <th>readings</th>
            <th>last reading</th>
            <th>flags</th>
            <th>owner</th>
          </tr>
        </thead>
        <tbody>
          {page?.items.map((d) => (
            <tr key={d.device} data-device={d.device}>
              <td>
                <a href={`#/devices/${d.device}`} title={d.device}>
                  <code>{short(d.device)}</code>
                </a>
              </td>
              <td>
                <span className={statusClass(d.status)}>{d.status}</span>
              </td>
              <td>{d.classId}</td>
              <td>{d.readings}</td>
              <td>{d.lastSequence === null ? '—' : `#${d.lastSequence} in block ${d.lastReadingBlock}`}</td>
              <td className={d.flags > 0 ? 'flags' : ''}>{d.flags}</td>
              <td>{d.owner ? <code title={d.owner}>{short(d.owner)}</code> : '—'}</td>
            </tr>
          ))}
          {page && page.items.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No device indexed yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="paging">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← previous
        </button>
        <span className="muted">page {cursors.length}</span>
        <button type="button" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
          next →
        </button>
      </div>
    </section>
  );
}
