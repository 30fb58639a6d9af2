import type { ReactNode } from 'react';
import type { IndexEventAnswer, IndexedDevice } from './api.js';
import { EventSentence } from './EventSentence.js';
import { short } from './format.js';

/** Events of the device, newest first: block (and whether final), what happened, transaction. */
function EventTable({
  className,
  heading,
  events,
  describe,
}: {
  className: string;
  heading: string;
  events: readonly IndexEventAnswer[];
  describe: (event: IndexEventAnswer) => ReactNode;
}) {
  return (
    <table className={className}>
      <thead>
        <tr>
          <th>block</th>
          <th>{heading}</th>
          <th>transaction</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={`${e.blockNumber}-${e.logIndex}`} data-event={e.name}>
            <td>
              {e.blockNumber}
              {!e.final && <span className="muted"> · not final yet</span>}
            </td>
            <td>{describe(e)}</td>
            <td>
              <code title={e.transactionHash}>{short(e.transactionHash)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The device's owner and how it came to be: its registration (the ownership token minted to the
 * first owner) and each completed transfer, newest first, with block and transaction.
 * `events` are the device's DeviceRegistered and OwnershipTransferred events, newest first.
 */
export function OwnershipHistory({ device, events }: { device: IndexedDevice; events: readonly IndexEventAnswer[] }) {
  const transfers = events.filter((e) => e.name === 'OwnershipTransferred');
  // The first owner: the one the oldest transfer took the token from, or the owner still when none did.
  const firstOwner = transfers.length > 0 ? String(transfers[transfers.length - 1]!.args.previousOwner) : device.owner;
  return (
    <>
      <h2>Owner and ownership history</h2>
      <p data-owner={device.owner ?? ''}>
        Owner:{' '}
        {device.owner ? (
          <code>{device.owner}</code>
        ) : (
          <span className="muted">none (the fleet had no ownership contract at its registration)</span>
        )}
      </p>
      <EventTable
        className="ownership-history"
        heading="change"
        events={events}
        describe={(e) =>
          e.name === 'DeviceRegistered' ? (
            <>
              registered by <code title={String(e.args.registrar)}>{short(String(e.args.registrar))}</code>
              {firstOwner && (
                <>
                  ; its ownership token minted to <code title={firstOwner}>{short(firstOwner)}</code>
                </>
              )}
            </>
          ) : (
            <>
              <code title={String(e.args.previousOwner)}>{short(String(e.args.previousOwner))}</code> →{' '}
              <code title={String(e.args.newOwner)}>{short(String(e.args.newOwner))}</code> (epoch {String(e.args.epoch)}): the previous
              owner&apos;s consents and approvals on it are void
            </>
          )
        }
      />
    </>
  );
}

/**
 * The device's firmware: the release it last reported installed, and its firmware events (update
 * policy, approvals, installs, flagged reports), newest first.
 */
export function FirmwareRecord({ installed, events }: { installed: IndexEventAnswer | undefined; events: readonly IndexEventAnswer[] }) {
  return (
    <>
      <h2>Firmware</h2>
      <p data-installed={installed ? String(installed.args.releaseId) : ''}>
        Installed:{' '}
        {installed ? (
          <>
            release <code title={String(installed.args.releaseId)}>{short(String(installed.args.releaseId))}</code>, sequence{' '}
            {String(installed.args.sequence)}, reported by the device in block {installed.blockNumber}
          </>
        ) : (
          <span className="muted">no install reported</span>
        )}
      </p>
      {events.length === 0 ? (
        <p className="muted">no firmware event for this device</p>
      ) : (
        <EventTable className="firmware-events" heading="event" events={events} describe={(e) => <EventSentence event={e} />} />
      )}
    </>
  );
}
