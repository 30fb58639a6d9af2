import { useState } from 'react';
import { useConsoleAction } from './useConsoleAction.js';

type Target = 'suspended' | 'active' | 'revoked';
const VERBS: Record<Target, string> = { suspended: 'Suspend', active: 'Reinstate', revoked: 'Revoke' };
/** What the contract allows from each status (revoked is final). */
const NEXT: Record<string, Target[]> = { active: ['suspended', 'revoked'], suspended: ['active', 'revoked'], revoked: [] };

type Sent = { transactionHash: string; blockNumber: number; by: string; status: string };

/**
 * The operator's actions on a device, signed by the node with the operator key after a
 * confirmation that says what will be signed; the chain's event is the accounting log's record.
 */
export function DeviceActions({
  device,
  status,
  onDone,
  onRefused,
}: {
  device: string;
  status: string;
  onDone: () => void;
  onRefused: () => void;
}) {
  const [reason, setReason] = useState('');
  const [asked, setAsked] = useState<Target>();
  const { busy, sent, error, send } = useConsoleAction<Sent>(onRefused);
  const choices = NEXT[status] ?? [];
  if (choices.length === 0 && !sent) return null;
  const confirm = async () => {
    if (!asked) return;
    if (await send(`/v1/console/devices/${device}/status`, { status: asked, reason: reason.trim() })) {
      setAsked(undefined);
      setReason('');
      onDone();
    }
  };
  return (
    <section className="actions" aria-label="operator actions">
      <h2>Operator actions</h2>
      <div className="toolbar">
        <label>
          Reason{' '}
          <input name="reason" value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} placeholder="recorded on chain" />
        </label>
        {choices.map((target) => (
          <button key={target} type="button" disabled={busy || reason.trim() === ''} onClick={() => setAsked(target)}>
            {VERBS[target]}…
          </button>
        ))}
      </div>
      {asked && (
        <div className="confirm" role="alertdialog" aria-label="confirm">
          <p>
            {VERBS[asked]} <code>{device}</code> for “{reason.trim()}”? The node signs this with the operator&apos;s key; it is recorded on
            chain
            {asked === 'revoked' ? ' and cannot be undone' : ''}.
          </p>
          <button type="button" disabled={busy} onClick={() => void confirm()}>
            {busy ? 'signing…' : `Yes, ${VERBS[asked].toLowerCase()}`}
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => setAsked(undefined)}>
            Cancel
          </button>
        </div>
      )}
      {sent && (
        <p className="sent" role="status">
          Done: {sent.status} in block {sent.blockNumber}, transaction <code>{sent.transactionHash}</code>, signed by <code>{sent.by}</code>
          .
        </p>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}
