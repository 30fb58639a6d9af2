import type { IndexEventAnswer } from './api.js';
import { short } from './format.js';

/** FirmwareRegistry's UpdatePolicy, by its value. */
const updatePolicies = ['approve each release', 'automatic'];

const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '?');
const wei = (value: unknown): string => {
  try {
    const n = BigInt(text(value));
    return `${Number(n / 10n ** 12n) / 1e6} ETH`;
  } catch {
    return `${text(value)} wei`;
  }
};

function DeviceLink({ device }: { device: unknown }) {
  const id = text(device);
  return <a href={`#/devices/${id}`}>{short(id)}</a>;
}

/** One sentence per event kind, from the event's own arguments (names as in the contracts' ABIs): the timeline's and the device page's. */
export function EventSentence({ event }: { event: IndexEventAnswer }) {
  const a = event.args;
  switch (event.name) {
    case 'ReleasePublished':
      return (
        <>
          release {text(a.sequence)} of class {text(a.classId)} published ({text(a.size)} bytes, SHA-256 {short(text(a.digest))})
        </>
      );
    case 'ReleaseApprovalSet':
      return (
        <>
          release {short(text(a.releaseId))} {a.approved ? 'approved' : 'no longer approved'} for <DeviceLink device={a.device} /> by its
          owner {short(text(a.owner))}
        </>
      );
    case 'UpdatePolicySet':
      return (
        <>
          update policy of <DeviceLink device={a.device} /> set to {updatePolicies[Number(a.policy)] ?? text(a.policy)} by its owner{' '}
          {short(text(a.owner))} (epoch {text(a.epoch)})
        </>
      );
    case 'FirmwareInstalled':
      return (
        <>
          <DeviceLink device={a.device} /> reports firmware {text(a.sequence)} installed (signed by the device)
        </>
      );
    case 'FirmwareReportFlagged':
      return (
        <>
          <DeviceLink device={a.device} />
          's firmware report was flagged
        </>
      );
    case 'ReleaseRevoked':
      return (
        <>
          release {text(a.sequence)} of class {text(a.classId)} revoked: {text(a.reason)}
        </>
      );
    case 'OwnershipTransferred':
      return (
        <>
          <DeviceLink device={a.device} /> changes owner: {short(text(a.previousOwner))} → {short(text(a.newOwner))} (epoch {text(a.epoch)}
          ): the previous owner's consents on it are void
        </>
      );
    case 'OwnerAcknowledged':
      return (
        <>
          <DeviceLink device={a.device} /> acknowledges its owner {short(text(a.owner))} (epoch {text(a.epoch)}), with its own signature
        </>
      );
    case 'ConsentGranted':
      return (
        <>
          consent {text(a.consentId)} granted by {short(text(a.owner))} to {short(text(a.recipient))}: {text(a.purpose)}
        </>
      );
    case 'ConsentRevoked':
      return (
        <>
          consent {text(a.consentId)} of {short(text(a.owner))} to {short(text(a.recipient))} revoked
        </>
      );
    case 'TermsAccepted':
      return (
        <>
          {short(text(a.recipient))} accepts the terms of consent {text(a.consentId)}
        </>
      );
    case 'LeakClaimed':
      return (
        <>
          {short(text(a.owner))} claims a leaked canary of consent {text(a.consentId)} found at {short(text(a.leakedTo))}: {wei(a.held)} of{' '}
          {short(text(a.recipient))}'s bond held
        </>
      );
    case 'LeakClaimRejected':
      return <>leak claim on consent {text(a.consentId)} rejected</>;
    case 'LeakDisputed':
      return <>{short(text(a.recipient))} disputes the leak claim</>;
    case 'LeakAttributed':
      return (
        <>
          leak of consent {text(a.consentId)} attributed to {short(text(a.recipient))}: {wei(a.paid)} paid to {short(text(a.owner))}
        </>
      );
    default:
      return <>{event.name}</>;
  }
}
