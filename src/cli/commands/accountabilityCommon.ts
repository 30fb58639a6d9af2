import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { bytesToHex, isHex, parseEther, type Address, type Hex, type LocalAccount } from 'viem';
import {
  accountabilityAddress,
  AccountabilityContractMissingError,
  type AccountabilityContract,
} from '../../chain/accountability/index.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../output.js';
import { loadSignerAccount, sendAs } from '../signer.js';

/** Options every accountability command takes (issue #5: bond, share, canary, deletion). */
export type AccountabilityOptions = { dataDir?: string; json?: boolean; signerKey?: string };

const UINT64_MAX = (1n << 64n) - 1n;

/** What a refusal of the accountability contracts means, in the words of the person who ran the command. */
const REFUSAL_HINTS: Record<string, string> = {
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

/** Runs a write: a contract refusal keeps its custom error name and gains a hint; no gas money is said plainly. */
export async function refusing<T>(context: CommandContext, account: LocalAccount, what: string, action: () => Promise<T>): Promise<T> {
  return sendAs(context, account, what, action, REFUSAL_HINTS);
}

export function contractOf(context: CommandContext, name: AccountabilityContract): Address {
  try {
    return accountabilityAddress(context.deployment, name);
  } catch (error) {
    if (error instanceof AccountabilityContractMissingError) throw new CliError(error.message);
    throw error;
  }
}

/** The signer's own key: these actions belong to a recipient or an owner, never to a node role. */
export function signerOf(context: CommandContext, options: AccountabilityOptions, who: string): Promise<LocalAccount> {
  if (!options.signerKey) throw new UsageError(`--signer-key <keystore> is required: the ${who}'s key signs this`);
  return loadSignerAccount(context, { signerKey: options.signerKey, role: 'operator', purpose: who });
}

export const withCommon = (command: Command, signer?: string) => {
  if (signer) command.option('--signer-key <keystore>', signer);
  return command.option('--data-dir <dir>', 'Pythia data directory (default ./.pythia)').option('--json', 'machine-readable output');
};

export function parseAmountArg(value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value)) throw new InvalidArgumentError(`must be an amount in ether, e.g. 0.05, got "${value}"`);
  const wei = parseEther(value);
  if (wei <= 0n) throw new InvalidArgumentError('must be above 0');
  return wei;
}

export function parseIdArg(name: string) {
  return (value: string): bigint => {
    if (!/^\d{1,78}$/.test(value)) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    const n = BigInt(value);
    if (n < 1n || n >= 1n << 256n) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

export function parseUint64Arg(name: string) {
  return (value: string): bigint => {
    if (!/^\d{1,20}$/.test(value) || BigInt(value) > UINT64_MAX)
      throw new InvalidArgumentError(`${name} must be an integer 0..2^64-1, got "${value}"`);
    return BigInt(value);
  };
}

export function parseHashArg(value: string): Hex {
  if (!isHex(value) || value.length !== 66) throw new InvalidArgumentError(`must be 32 bytes of hex (0x + 64 digits), got "${value}"`);
  if (/^0x0{64}$/.test(value)) throw new InvalidArgumentError('must not be zero');
  return value.toLowerCase() as Hex;
}

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

/** Unix seconds from an ISO time (2027-01-31T00:00:00Z) or a plain number of seconds. */
export function parseTimeArg(value: string): bigint {
  if (/^\d{1,12}$/.test(value)) return BigInt(value);
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(`must be an ISO time (2027-01-31T00:00:00Z) or unix seconds, got "${value}"`);
  }
  return BigInt(Math.floor(ms / 1000));
}

/** A future deadline: an ISO time, or +<n>d / +<n>h from now. */
export function parseDeadlineArg(value: string): bigint {
  const relative = /^\+(\d{1,4})([dh])$/.exec(value);
  const now = Date.now();
  const ms = relative ? now + Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000) : Date.parse(value);
  if (!Number.isFinite(ms) || (!relative && !/^\d{4}-\d{2}-\d{2}/.test(value))) {
    throw new InvalidArgumentError('must be an ISO time (2027-01-31T00:00:00Z), +<days>d or +<hours>h');
  }
  if (ms <= now) throw new InvalidArgumentError('must be in the future');
  return BigInt(Math.floor(ms / 1000));
}

export const isoTime = (seconds: bigint): string => (seconds === 0n ? '-' : new Date(Number(seconds) * 1000).toISOString());
