import { useEffect, useState } from 'react';
import { type ChainEvent, consolePost, indexGet, isRefused, type Page } from '../api.js';
import { short, time } from '../format.js';
import { Paging } from '../Paging.js';
import { usePagedIndex } from '../usePagedIndex.js';

type Revoked = { consentId: string; by: string; transactionHash: string; blockNumber: number };

/** A consent's state by its window and the revocations the index holds (a device changing hands also voids it: the receipt says). */
function stateOf(grant: ChainEvent, revoked: ReadonlySet<string>, now: number): string {
  if (revoked.has(String(grant.args.consentId))) return 'revoked';
  if (Number(grant.args.expiry) <= now) return 'expired';
  if (Number(grant.args.start) > now) return 'not yet valid';
  return 'live';
}

/** Bits set in a mask, as indices (streams: metric i; commands: command code c). */
const bits = (mask: unknown): string => {
  const value = Number(mask);
  const set = Array.from({ length: 32 }, (_, i) => i).filter((i) => (value >>> i) & 1);
  return set.length === 0 ? 'none' : set.join(', ');
};

/**
 * Consents and policies: who may see (or command) what, until when, under which policy; each
 * consent's receipt (Kantara CR v1.1 / ISO/IEC 27560, built from the chain by the gateway) to
 * download; a live consent the operator account gave can be revoked, signed by the node.
 */
export function ConsentsPage({ onRefused }: { onRefused: () => void }) {
  const [reload, setReload] = useState(0);
  const grants = usePagedIndex<ChainEvent>(
    '/v1/index/events',
    { contract: 'consentRegistry', name: 'ConsentGranted', limit: '50' },
    onRefused,
    reload,
  );
  const policies = usePagedIndex<ChainEvent>(
    '/v1/index/events',
    { contract: 'policyRegistry', name: 'PolicyPublished', limit: '20' },
    onRefused,
  );
  const [revoked, setRevoked] = useState<Set<string>>(new Set());
  const [asked, setAsked] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<Revoked>();
  const [error, setError] = useState<string>();
  const now = Math.floor(Date.now() / 1000);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `reload` reads the revocations again after one
  useEffect(() => {
    indexGet<Page<ChainEvent>>('/v1/index/events?contract=consentRegistry&name=ConsentRevoked&limit=500')
      .then((page) => setRevoked(new Set(page.items.map((e) => String(e.args.consentId)))))
      .catch((e: unknown) => (isRefused(e) ? onRefused() : setError((e as Error).message)));
  }, [onRefused, reload]);

  const revoke = async (consentId: string) => {
    setBusy(true);
    setError(undefined);
    try {
      setSent(await consolePost<Revoked>(`/v1/console/consents/${consentId}/revoke`, {}));
      setAsked(undefined);
      setReload((n) => n + 1);
    } catch (e) {
      if (isRefused(e)) onRefused();
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Consents and policies</h1>
      <p className="muted">
        Who may read which data streams (or send which commands) of which devices, for what purpose, until when, under which policy. The
        receipt is built from the chain by the node (<code>pythia consent verify-receipt</code> checks one).
      </p>
      {(grants.error || error) && <p className="error">{grants.error ?? error}</p>}
      {asked && (
        <div className="confirm" role="alertdialog" aria-label="confirm">
          <p>
            Revoke consent {asked}? The node signs this with the operator&apos;s key (only the consent&apos;s owner may revoke it: the
            council, for its own devices); it is recorded on chain and cannot be undone.
          </p>
          <button type="button" disabled={busy} onClick={() => void revoke(asked)}>
            {busy ? 'signing…' : 'Yes, revoke'}
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => setAsked(undefined)}>
            Cancel
          </button>
        </div>
      )}
      {sent && (
        <p className="sent" role="status">
          Done: consent {sent.consentId} revoked in block {sent.blockNumber}, transaction <code>{sent.transactionHash}</code>, signed by{' '}
          <code>{sent.by}</code>.
        </p>
      )}
      <table className="consents">
        <thead>
          <tr>
            <th>consent</th>
            <th>owner → recipient</th>
            <th>devices</th>
            <th>metrics · commands</th>
            <th>purpose</th>
            <th>from – until</th>
            <th>state</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {grants.page?.items.map((g) => {
            const id = String(g.args.consentId);
            const state = stateOf(g, revoked, now);
            const devices = Array.isArray(g.args.devices) ? (g.args.devices as string[]) : [];
            return (
              <tr key={id} data-consent={id} data-state={state}>
                <td>
                  #{id}
                  <br />
                  <span className="muted">block {g.blockNumber}</span>
                </td>
                <td>
                  <code title={String(g.args.owner)}>{short(String(g.args.owner))}</code> →{' '}
                  <code title={String(g.args.recipient)}>{short(String(g.args.recipient))}</code>
                </td>
                <td>
                  {devices.map((d) => (
                    <a key={d} href={`#/devices/${d}`}>
                      {short(d)}{' '}
                    </a>
                  ))}
                </td>
                <td>
                  {bits(g.args.streams)} · {bits(g.args.commands)}
                </td>
                <td>{String(g.args.purpose)}</td>
                <td>
                  {Number(g.args.start) === 0 ? 'grant' : time(Number(g.args.start))} – {time(Number(g.args.expiry))}
                  {/^0x0+$/.test(String(g.args.policyId)) ? null : (
                    <>
                      <br />
                      <span className="muted">policy {short(String(g.args.policyId))}</span>
                    </>
                  )}
                </td>
                <td>{state}</td>
                <td>
                  <a href={`/v1/consents/${id}/receipt`} download={`consent-${id}-receipt.json`}>
                    receipt
                  </a>
                  {state === 'live' && (
                    <>
                      {' '}
                      <button type="button" disabled={busy} onClick={() => setAsked(id)}>
                        Revoke…
                      </button>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
          {grants.page && grants.page.items.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                No consent granted yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <Paging number={grants.number} previous={grants.previous} next={grants.next} />
      <h2>Policies</h2>
      {policies.error && <p className="error">{policies.error}</p>}
      <table className="policies">
        <thead>
          <tr>
            <th>policy</th>
            <th>version</th>
            <th>publisher</th>
            <th>document</th>
            <th>block</th>
          </tr>
        </thead>
        <tbody>
          {policies.page?.items.map((p) => (
            <tr key={String(p.args.policyId)} data-policy={String(p.args.policyId)}>
              <td>
                {String(p.args.name)} <code className="muted">{short(String(p.args.policyId))}</code>
              </td>
              <td>{String(p.args.version)}</td>
              <td>
                <code title={String(p.args.publisher)}>{short(String(p.args.publisher))}</code>
              </td>
              <td className="args">
                {String(p.args.uri)}
                <br />
                content hash {short(String(p.args.contentHash))}
              </td>
              <td>{p.blockNumber}</td>
            </tr>
          ))}
          {policies.page && policies.page.items.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                No policy published yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <Paging number={policies.number} previous={policies.previous} next={policies.next} />
    </section>
  );
}
