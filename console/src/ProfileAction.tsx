import { useState } from 'react';
import { useConsoleAction } from './useConsoleAction.js';
import type { Profile } from '../../src/protocol/profile.js';
import type { EffectiveProfile } from './api.js';

type Sent = { classId: number; version: number; transactionHash: string; blockNumber: number; by: string };

/** The profile's fields alone (not its version, nor whose it is), as the JSON to edit. */
const editable = ({ version: _version, own: _own, ...profile }: EffectiveProfile): Profile => profile;

/**
 * The operator sets the behaviour profile of the device's class: the profile in force is the
 * starting text; the node checks the JSON (docs/protocol.md, "Behaviour profiles") and signs
 * setClassProfile with the operator's key after the confirmation.
 */
export function ProfileAction({
  classId,
  profile,
  onDone,
  onRefused,
}: {
  classId: number;
  profile: EffectiveProfile;
  onDone: () => void;
  onRefused: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(() => JSON.stringify(editable(profile), null, 2));
  const [asked, setAsked] = useState<Profile>();
  const { busy, sent, error, setError, send } = useConsoleAction<Sent>(onRefused);
  const review = () => {
    setError(undefined);
    try {
      setAsked(JSON.parse(text) as Profile);
    } catch (e) {
      setError(`not JSON: ${(e as Error).message}`);
    }
  };
  const confirm = async () => {
    if (!asked) return;
    if (await send(`/v1/console/classes/${classId}/profile`, { profile: asked })) {
      setAsked(undefined);
      onDone();
    }
  };
  return (
    <section className="actions" aria-label="class profile">
      <h2>Class profile</h2>
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>
          Set the profile of class {classId}…
        </button>
      ) : (
        <>
          <p className="muted">
            Every device of class {classId} without its own profile is inspected by it from the next reading (fields: docs/protocol.md,
            “Behaviour profiles”).
          </p>
          <textarea
            name="profile"
            className="profile-json"
            rows={14}
            value={text}
            spellCheck={false}
            onChange={(e) => setText(e.target.value)}
          />
          <div className="toolbar">
            <button type="button" disabled={busy} onClick={review}>
              Set profile…
            </button>
          </div>
        </>
      )}
      {asked && (
        <div className="confirm" role="alertdialog" aria-label="confirm profile">
          <p>
            Set this profile for every device of class {classId}? The node signs <code>setClassProfile</code> with the operator&apos;s key;
            it is recorded on chain (a new version).
          </p>
          <button type="button" disabled={busy} onClick={() => void confirm()}>
            {busy ? 'signing…' : 'Yes, set the profile'}
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => setAsked(undefined)}>
            Cancel
          </button>
        </div>
      )}
      {sent && (
        <p className="sent" role="status">
          Done: class {sent.classId} profile version {sent.version} in block {sent.blockNumber}, transaction{' '}
          <code>{sent.transactionHash}</code>, signed by <code>{sent.by}</code>.
        </p>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}
