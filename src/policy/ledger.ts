import type { Address } from 'viem';

type MaybePromise<T> = T | Promise<T>;

/**
 * The ledger records a policy may require (requiresLedgerRecord). The gateway backs it with the
 * chain (SharingLog.hasShared, ConsentRegistry.isLive, RecipientBonds.bondOf), tests with maps.
 * A lookup that throws makes the evaluation throw: the caller must then refuse, never guess.
 */
export type PolicyLedger = {
  /** Whether the recipient of `consentId` logged an onward share to `party`. */
  hasSharingLogEntry(consentId: bigint, party: Address): MaybePromise<boolean>;
  /** Whether the consent is live now (not revoked, inside its window, device not transferred). */
  isConsentLive(consentId: bigint): MaybePromise<boolean>;
  /** The recipient's bond in wei. */
  bondOf(recipient: Address): MaybePromise<bigint>;
};

export type MemoryLedgerRecords = {
  /** "consentId:party" pairs with a sharing-log entry (party in any case). */
  sharingLog?: Iterable<readonly [bigint, Address]>;
  liveConsents?: Iterable<bigint>;
  bonds?: Iterable<readonly [Address, bigint]>;
};

/** A ledger held in memory (tests, `pythia policy evaluate --ledger`). */
export function memoryLedger(records: MemoryLedgerRecords = {}): PolicyLedger {
  const shares = new Set([...(records.sharingLog ?? [])].map(([id, party]) => `${id}:${party.toLowerCase()}`));
  const live = new Set(records.liveConsents ?? []);
  const bonds = new Map([...(records.bonds ?? [])].map(([who, wei]) => [who.toLowerCase(), wei]));
  return {
    hasSharingLogEntry: (consentId, party) => shares.has(`${consentId}:${party.toLowerCase()}`),
    isConsentLive: (consentId) => live.has(consentId),
    bondOf: (recipient) => bonds.get(recipient.toLowerCase()) ?? 0n,
  };
}
