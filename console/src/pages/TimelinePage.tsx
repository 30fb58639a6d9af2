import { useCallback, useEffect, useState } from 'react';
import {
  type IndexEventAnswer,
  followIndexStream,
  type IndexedReading,
  indexGet,
  isRefused,
  type IndexPage,
  type IndexedStatusChange,
} from '../api.js';
import { EventSentence } from '../EventSentence.js';
import { short, statusClass, time } from '../format.js';

type Entry = { kind: 'flag'; at: IndexedReading } | { kind: 'status'; at: IndexedStatusChange } | { kind: ActKind; at: IndexEventAnswer };

/** What the timeline calls the events of firmware, ownership, consent and accountability it shows beside flags and status changes. */
type ActKind = 'firmware' | 'ownership' | 'consent' | 'leak';
const ACT_EVENTS: Record<string, ActKind> = {
  ReleasePublished: 'firmware',
  ReleaseApprovalSet: 'firmware',
  FirmwareInstalled: 'firmware',
  FirmwareReportFlagged: 'firmware',
  ReleaseRevoked: 'firmware',
  OwnershipTransferred: 'ownership',
  OwnerAcknowledged: 'ownership',
  ConsentGranted: 'consent',
  ConsentRevoked: 'consent',
  TermsAccepted: 'consent',
  LeakClaimed: 'leak',
  LeakClaimRejected: 'leak',
  LeakDisputed: 'leak',
  LeakAttributed: 'leak',
};

const SHOWN = 50;
/** The stream's events after which the timeline reads the index again. */
const TIMELINE_EVENTS = new Set(['ReadingFlagged', 'DeviceStatusChanged', ...Object.keys(ACT_EVENTS)]);

const key = (e: Entry) => `${e.at.blockNumber}-${e.at.logIndex}`;
const newestFirst = (a: Entry, b: Entry) => b.at.blockNumber - a.at.blockNumber || b.at.logIndex - a.at.logIndex;

/**
 * Flags and status changes, and the second act's events (firmware releases and installs, changes of
 * owner, consents, leaked canaries), newest first, live: the index's stream (GET /v1/index/stream)
 * says when new blocks hold any of them, and the page reads them from the index then.
 */
export function TimelinePage({ onRefused }: { onRefused: () => void }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string>();
  const [fresh, setFresh] = useState<Set<string>>(new Set());

  const load = useCallback(async (markNew: boolean) => {
    const [flags, changes, acts] = await Promise.all([
      indexGet<IndexPage<IndexedReading>>(`/v1/index/flags?limit=${SHOWN}`),
      indexGet<IndexPage<IndexedStatusChange>>(`/v1/index/status-changes?limit=${SHOWN}`),
      indexGet<IndexPage<IndexEventAnswer>>(`/v1/index/events?name=${Object.keys(ACT_EVENTS).join(',')}&limit=${SHOWN}`),
    ]);
    const next: Entry[] = [
      ...flags.items.map((at): Entry => ({ kind: 'flag', at })),
      ...changes.items.map((at): Entry => ({ kind: 'status', at })),
      ...acts.items.map((at): Entry => ({ kind: ACT_EVENTS[at.name] ?? 'consent', at })),
    ]
      .sort(newestFirst)
      .slice(0, SHOWN);
    setEntries((previous) => {
      if (markNew) {
        const known = new Set(previous.map(key));
        setFresh(new Set(next.map(key).filter((k) => !known.has(k))));
      }
      return next;
    });
  }, []);

  useEffect(() => {
    const abort = new AbortController();
    const failed = (e: unknown) => (isRefused(e) ? onRefused() : setError((e as Error).message));
    load(false).catch(failed);
    followIndexStream(
      (message) => {
        const events = (message.data as { events?: { name: string }[] }).events ?? [];
        if (message.event === 'rollback' || events.some((e) => TIMELINE_EVENTS.has(e.name))) load(true).catch(failed);
      },
      setLive,
      abort.signal,
    ).catch(failed);
    return () => abort.abort();
  }, [load, onRefused]);

  return (
    <section>
      <h1>
        Timeline{' '}
        <span className={live ? 'live on' : 'live'} data-live={live}>
          {live ? '● live' : '○ connecting…'}
        </span>
      </h1>
      {error && <p className="error">{error}</p>}
      <ol className="timeline">
        {entries.map((e) => (
          <li
            key={key(e)}
            className={`${e.kind}${fresh.has(key(e)) ? ' fresh' : ''}`}
            data-kind={e.kind}
            data-event={'name' in e.at ? e.at.name : undefined}
            data-device={'device' in e.at ? e.at.device : deviceOf(e.at as IndexEventAnswer)}
          >
            <span className="when">block {e.at.blockNumber}</span>
            {e.kind === 'flag' ? (
              <span>
                <strong>flag</strong> on <a href={`#/devices/${e.at.device}`}>{short(e.at.device)}</a>: reading #{e.at.sequence} (
                {time(e.at.timestamp)}) broke {e.at.flag?.rules.join(', ')}
                {e.at.flag && ` (metric ${e.at.flag.metric} = ${e.at.flag.value})`}
              </span>
            ) : e.kind === 'status' ? (
              <span>
                <strong>status</strong> of <a href={`#/devices/${e.at.device}`}>{short(e.at.device)}</a>: {e.at.previous} →{' '}
                <span className={statusClass(e.at.current)}>{e.at.current}</span> ({e.at.reason || 'no reason given'})
              </span>
            ) : (
              <span>
                <strong>{e.kind}</strong> <EventSentence event={e.at} />
              </span>
            )}
            {!e.at.final && <span className="muted"> · not final yet</span>}
          </li>
        ))}
        {entries.length === 0 && <li className="muted">No flag, status change, firmware, ownership, consent or leak event yet.</li>}
      </ol>
    </section>
  );
}

const deviceOf = (event: IndexEventAnswer): string | undefined => (typeof event.args.device === 'string' ? event.args.device : undefined);
