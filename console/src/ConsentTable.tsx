import { useEffect, useState } from 'react';
import { type IndexEventAnswer, indexGet, isRefused, type IndexPage } from './api.js';
import { short, time } from './format.js';

/**
 * A consent's state by its window, the revocations the index holds and the transfers that voided it
 * (`voided`, from the index: a device that changed owner after the grant is no longer covered, since
 * ConsentRegistry keeps each device's ownership epoch at grant time): `void` when every device it
 * covers (on a device's page: that device) changed owner after the grant.
 */
function stateOf(grant: IndexEventAnswer, devices: readonly string[], revoked: ReadonlySet<string>, now: number, device?: string): string {
  if (revoked.has(String(grant.args.consentId))) return 'revoked';
  const voided = new Set(grant.voided?.map((v) => v.device));
  const covered = device === undefined ? devices : [device];
  if (covered.length > 0 && covered.every((d) => voided.has(d))) return 'void';
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

/** The ids of the revoked consents (the newest 500 ConsentRevoked events). */
export async function readRevokedConsents(): Promise<ReadonlySet<string>> {
  const page = await indexGet<IndexPage<IndexEventAnswer>>('/v1/index/events?contract=consentRegistry&name=ConsentRevoked&limit=500');
  return new Set(page.items.map((e) => String(e.args.consentId)));
}

/** readRevokedConsents as a page's state (`reload` reads them again after a revocation). */
export function useRevokedConsents(onRefused: () => void, reload = 0): { revoked: ReadonlySet<string>; error: string | undefined } {
  const [revoked, setRevoked] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: `reload` reads the revocations again after one
  useEffect(() => {
    readRevokedConsents()
      .then(setRevoked)
      .catch((e: unknown) => (isRefused(e) ? onRefused() : setError((e as Error).message)));
  }, [onRefused, reload]);
  return { revoked, error };
}

/**
 * Consents (ConsentGranted events): owner → recipient, devices, streams and commands, purpose,
 * window and policy, state, the receipt to download, and "Revoke…" for a live one when `onRevoke` is given.
 */
export function ConsentTable({
  grants,
  revoked,
  busy = false,
  onRevoke,
  device,
}: {
  grants: readonly IndexEventAnswer[] | undefined;
  revoked: ReadonlySet<string>;
  busy?: boolean;
  onRevoke?: (consentId: string) => void;
  /** On a device's page: the device (a consent is void there when that device changed owner after the grant). */
  device?: string;
}) {
  const now = Math.floor(Date.now() / 1000);
  return (
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
        {grants?.map((g) => {
          const id = String(g.args.consentId);
          const devices = Array.isArray(g.args.devices) ? (g.args.devices as string[]) : [];
          const state = stateOf(g, devices, revoked, now, device);
          const voidedOn = new Map(g.voided?.map((v) => [v.device, v]));
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
                {devices.map((d) => {
                  const transfer = voidedOn.get(d);
                  return (
                    <span key={d} className="consent-device" data-device={d} data-voided-block={transfer?.blockNumber}>
                      <a href={`#/devices/${d}`}>{short(d)}</a>
                      {transfer && (
                        <span className="muted">
                          {' '}
                          void since its transfer to <code title={transfer.newOwner}>{short(transfer.newOwner)}</code> in block{' '}
                          {transfer.blockNumber} (<code title={transfer.transactionHash}>{short(transfer.transactionHash)}</code>)
                        </span>
                      )}{' '}
                    </span>
                  );
                })}
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
              <td title={state === 'void' ? 'changed owner after this grant: it no longer applies' : undefined}>
                {state === 'void' ? 'void (new owner)' : state}
              </td>
              <td>
                <a href={`/v1/consents/${id}/receipt`} download={`consent-${id}-receipt.json`}>
                  receipt
                </a>
                {state === 'live' && onRevoke && (
                  <>
                    {' '}
                    <button type="button" disabled={busy} onClick={() => onRevoke(id)}>
                      Revoke…
                    </button>
                  </>
                )}
              </td>
            </tr>
          );
        })}
        {grants && grants.length === 0 && (
          <tr>
            <td colSpan={8} className="muted">
              No consent granted yet.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
