import type { ChainEvent, IndexedDevice } from './api.js';
import { EventSentence } from './EventSentence.js';
import { short } from './format.js';

/** A transaction's hash, shortened, whole in its title. */
const Transaction = ({ hash }: { hash: string }) => <code title={hash}>{short(hash)}</code>;

/**
 * The device's owner and how it came to be: its registration (the ownership token minted to the
 * first owner) and each completed transfer, newest first, with block and transaction.
 * `events` are the device's DeviceRegistered and OwnershipTransferred events, newest first.
 */
export function OwnershipHistory({ device, events }: { device: IndexedDevice; events: readonly ChainEvent[] }) {
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
      <table className="ownership-history">
        <thead>
          <tr>
            <th>block</th>
            <th>change</th>
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
              <td>
                {e.name === 'DeviceRegistered' ? (
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
                    <code title={String(e.args.newOwner)}>{short(String(e.args.newOwner))}</code> (epoch {String(e.args.epoch)}): the
                    previous owner&apos;s consents and approvals on it are void
                  </>
                )}
              </td>
              <td>
                <Transaction hash={e.transactionHash} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * The device's firmware: the release it last reported installed, and its firmware events (update
 * policy, approvals, installs, flagged reports), newest first.
 */
export function FirmwareRecord({ installed, events }: { installed: ChainEvent | undefined; events: readonly ChainEvent[] }) {
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
        <table className="firmware-events">
          <thead>
            <tr>
              <th>block</th>
              <th>event</th>
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
                <td>
                  <EventSentence event={e} />
                </td>
                <td>
                  <Transaction hash={e.transactionHash} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
