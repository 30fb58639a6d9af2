import { useState } from 'react';
import { useConsoleAction } from '../useConsoleAction.js';
import type { IndexEventAnswer } from '../api.js';
import { ConsentTable, useRevokedConsents } from '../ConsentTable.js';
import { short } from '../format.js';
import { Paging } from '../Paging.js';
import { usePagedIndex } from '../usePagedIndex.js';

type Revoked = { consentId: string; by: string; transactionHash: string; blockNumber: number };

/**
 * Consents and policies: who may see (or command) what, until when, under which policy; each
 * consent's receipt (Kantara CR v1.1 / ISO/IEC 27560, built from the chain by the gateway) to
 * download; a live consent the operator account gave can be revoked, signed by the node.
 */
export function ConsentsPage({ onRefused }: { onRefused: () => void }) {
  const [reload, setReload] = useState(0);
  const grants = usePagedIndex<IndexEventAnswer>(
    '/v1/index/events',
    { contract: 'consentRegistry', name: 'ConsentGranted', limit: '50' },
    onRefused,
    reload,
  );
  const policies = usePagedIndex<IndexEventAnswer>(
    '/v1/index/events',
    { contract: 'policyRegistry', name: 'PolicyPublished', limit: '20' },
    onRefused,
  );
  const [asked, setAsked] = useState<string>();
  const { busy, sent, error, send } = useConsoleAction<Revoked>(onRefused);

  const { revoked, error: revokedError } = useRevokedConsents(onRefused, reload);

  const revoke = async (consentId: string) => {
    if (await send(`/v1/console/consents/${consentId}/revoke`, {})) {
      setAsked(undefined);
      setReload((n) => n + 1);
    }
  };

  return (
    <section>
      <h1>Consents and policies</h1>
      <p className="muted">
        Who may read which data streams (or send which commands) of which devices, for what purpose, until when, under which policy. The
        receipt is built from the chain by the node (<code>pythia consent verify-receipt</code> checks one).
      </p>
      {(grants.error || error || revokedError) && <p className="error">{grants.error ?? error ?? revokedError}</p>}
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
      <ConsentTable grants={grants.page?.items} revoked={revoked} busy={busy} onRevoke={setAsked} />
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
