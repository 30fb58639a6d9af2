import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bytesToHex, type Hex } from 'viem';
import { UsageError } from '../output.js';

/** What a refusal of the accountability contracts means, in the words of the person who ran the command. */
export const accountabilityRefusalHints: Readonly<Record<string, string>> = {
  ZeroAmount: 'the amount must be above 0',
  InsufficientBond: 'the bond is smaller than the amount (see `pythia bond show <address>`)',
  NoWithdrawalPending: 'nothing is being unbonded: run `pythia bond withdraw-request --amount <ether>` first',
  WithdrawalLocked: "the recipient's accepted obligations lock the bond until then (see `pythia bond show`)",
  TermsNotAccepted: "the recipient never accepted this consent's terms: its bond is not at stake under it",
  PenaltyAboveTerms: 'more than the accepted penalty',
  ClaimWindowClosed: "the consent's claim window (expiry + claim window) is over",
  PartyAlreadyClaimed: 'a leak to this party under this consent is claimed already (one penalty per party)',
  DeliveryMismatch: 'the delivery given is not the one the canary was committed with',
  CanaryNotInDelivery: 'the canary (device, stream, recipient) was not in the delivery it was committed with',
  UnknownClaim: 'no leak claim for this commitment',
  WrongClaimStatus: 'the claim is not in a state that allows this (see `pythia canary show <commitment>`)',
  DisputeWindowClosed: 'the dispute window of this claim is over',
  NotSettleable: 'the claim cannot be settled yet (see `pythia canary show <commitment>`)',
  TooManyRequests: 'the owner has raised the most deletion requests this consent allows',
  RequestWindowClosed: 'deletion under this consent could be requested until its expiry + claim window, which is over',
  NothingToClaim: 'no penalty is credited to the signer',
  PaymentFailed: 'the signer account refused the payment',
  NotConsentRecipient: "the signer is not the consent's recipient",
  ConsentNotLive: 'the consent is revoked, expired, not yet valid, or its devices changed hands',
  OnwardSharingNotAllowed: "the consent's policy does not allow onward sharing",
  InvalidSharedWith: 'the party must not be zero, the recipient itself or the owner',
  InvalidDataHash: 'the data hash must not be zero',
  InvalidPurpose: 'the purpose must be 1 to 256 bytes',
  UnknownConsent: 'no consent has this id',
  UnknownCommitment: 'no canary was committed with these fields (check recipient, consent, device, stream, value, sequence and salt)',
  AlreadyClaimed: 'this canary was revealed already: a commitment pays once',
  ConsentMismatch: 'the canary was committed under another consent',
  NotConsentOwner: "the signer is not the consent's owner",
  WrongRecipient: "the recipient is not the consent's recipient",
  CanaryNotInConsent: 'the consent does not cover this device or stream',
  InvalidLeakedTo: 'the party the data turned up at must not be zero, the recipient or the owner',
  LeakWasLogged: 'the recipient logged a share to that party before the delivery: it holds the data legally',
  MissingEvidence: 'an evidence hash is required',
  ReadingAlreadyAttributed: 'this leaked value of this reading was attributed already under another canary',
  DeviceNotInConsent: 'a device is not covered by the consent',
  DuplicateDevice: 'a device is named twice',
  StreamsNotInConsent: 'some streams are not covered by the consent',
  InvalidTimeRange: '--from must not be after --to',
  DeadlineTooSoon: "the deadline is sooner than the consent's deletion period (see `pythia consent terms <id>`)",
  DeadlineTooFar: "the deadline is more than 365 days away or after the consent's expiry + claim window + deletion period",
  UnknownRequest: 'no deletion request has this id',
  NotRequestRecipient: "the signer is not the request's recipient",
  RequestClosed: 'the request was acknowledged or penalised already',
  DeadlinePassed: 'the deadline has passed: too late to acknowledge',
  DeadlineNotPassed: 'the deadline has not passed yet',
  AccessControlUnauthorizedAccount: 'the signer lacks the role this needs',
};

/** SHA-256 of a file, as a 32-byte hash (evidence or shared data). */
export function fileHash(path: string): Hex {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return bytesToHex(createHash('sha256').update(bytes).digest());
}

/** One of --x-hash <h> or --x <file>: the hash to send. */
export function hashFrom(hash: Hex | undefined, file: string | undefined, what: string): Hex {
  if ((hash === undefined) === (file === undefined)) throw new UsageError(`give exactly one of --${what}-hash <0x…> and --${what} <file>`);
  return hash ?? fileHash(file!);
}
