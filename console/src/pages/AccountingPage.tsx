import { useState } from 'react';
import type { IndexEventAnswer } from '../api.js';
import { short } from '../format.js';
import { Paging } from '../Paging.js';
import { usePagedIndex } from '../usePagedIndex.js';

const PAGE_SIZE = '50';
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** The arguments that name who acted, in the order they are looked for (the contracts' event names). */
const ACTOR_ARGS = [
  'by',
  'registrar',
  'sender',
  'publisher',
  'submitter',
  'manufacturer',
  'committer',
  'buyer',
  'funder',
  'agent',
  'owner',
];
/** The contracts by their deployment.json names, for the filter. */
const CONTRACTS = [
  'fleet',
  'deviceIdentity',
  'deviceOwnership',
  'firmwareRegistry',
  'policyRegistry',
  'consentRegistry',
  'accessLog',
  'feedMarket',
  'recipientBonds',
  'recipientTerms',
  'sharingLog',
  'canaryRegistry',
  'deletionRequests',
  'pythiaRegistry',
  'timelock',
];

/** Who the event names as acting, and under which argument; undefined for events that name no one (a reading, a role's admin). */
export function actorOf(event: IndexEventAnswer): { arg: string; account: string } | undefined {
  for (const arg of ACTOR_ARGS) {
    const value = event.args[arg];
    if (typeof value === 'string' && ADDRESS.test(value)) return { arg, account: value };
  }
  return undefined;
}

/**
 * The "who" of a row: the account the event names as acting, else the account that sent its
 * transaction (`sentBy`); undefined only when neither is known (a reading event, an older index).
 */
export function whoOf(event: IndexEventAnswer): { arg?: string; account: string; sentBy: boolean } | undefined {
  const actor = actorOf(event);
  if (actor) return { ...actor, sentBy: false };
  return event.sender ? { account: event.sender, sentBy: true } : undefined;
}

const shown = (value: unknown): string =>
  typeof value === 'string'
    ? value.length > 42
      ? short(value, 8)
      : value
    : Array.isArray(value)
      ? value.map(shown).join(', ')
      : JSON.stringify(value);

/**
 * The accounting log: every event of every contract the indexer follows, newest first, with who
 * acted (the account the event names), what, when (block) and in which transaction; filtered by
 * actor, device or contract, a page at a time.
 */
export function AccountingPage({ onRefused }: { onRefused: () => void }) {
  const [actor, setActor] = useState('');
  const [device, setDevice] = useState('');
  const [contract, setContract] = useState('');
  const valid = (text: string) => text === '' || ADDRESS.test(text.trim());
  const query = {
    limit: PAGE_SIZE,
    ...(actor && valid(actor) && { actor: actor.trim() }),
    ...(device && valid(device) && { device: device.trim() }),
    ...(contract && { contract }),
  };
  const { page, error, ...paging } = usePagedIndex<IndexEventAnswer>('/v1/index/events', query, onRefused);
  return (
    <section>
      <h1>Accounting log</h1>
      <p className="muted">
        Who did what, when and in which transaction: the contracts&apos; events as the chain holds them. “Who” is the account the event
        names as acting (by, registrar, owner, sender, …), or, for an event that names no one, the account that sent its transaction (“sent
        by”).
      </p>
      <div className="toolbar">
        <label>
          Actor <input name="actor" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="0x… account" size={44} />
        </label>
        <label>
          Device <input name="device" value={device} onChange={(e) => setDevice(e.target.value)} placeholder="0x… device" size={44} />
        </label>
        <label>
          Contract{' '}
          <select name="contract" value={contract} onChange={(e) => setContract(e.target.value)}>
            <option value="">all</option>
            {CONTRACTS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        {(!valid(actor) || !valid(device)) && <span className="error">an account or device is 0x and 40 hex digits</span>}
      </div>
      {error && <p className="error">{error}</p>}
      <table className="accounting">
        <thead>
          <tr>
            <th>block</th>
            <th>event</th>
            <th>who</th>
            <th>device</th>
            <th>what</th>
            <th>transaction</th>
          </tr>
        </thead>
        <tbody>
          {page?.items.map((e) => {
            const who = whoOf(e);
            const subject = typeof e.args.device === 'string' ? e.args.device : undefined;
            const rest = Object.entries(e.args).filter(([k]) => k !== 'device' && k !== who?.arg);
            return (
              <tr key={`${e.blockNumber}-${e.logIndex}`} data-event={e.name} data-transaction={e.transactionHash}>
                <td>
                  {e.blockNumber}
                  {!e.final && <span className="muted"> · not final</span>}
                </td>
                <td>
                  <span className="muted">{e.contract}.</span>
                  <strong>{e.name}</strong>
                </td>
                <td>
                  {who ? (
                    <button
                      type="button"
                      className="link"
                      title={who.sentBy ? `sent by ${who.account} (the event names no one)` : `${who.arg}: ${who.account}`}
                      data-sent-by={who.sentBy || undefined}
                      onClick={() => setActor(who.account)}
                    >
                      {who.sentBy && <span className="muted">sent by </span>}
                      <code>{short(who.account)}</code>
                    </button>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{subject ? <a href={`#/devices/${subject}`}>{short(subject)}</a> : '—'}</td>
                <td className="args">
                  {rest.map(([k, v]) => (
                    <span key={k}>
                      {k}: {shown(v)}
                      <br />
                    </span>
                  ))}
                </td>
                <td>
                  <code title={e.transactionHash}>{short(e.transactionHash)}</code>
                </td>
              </tr>
            );
          })}
          {page && page.items.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No event matches.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <Paging {...paging} />
    </section>
  );
}
