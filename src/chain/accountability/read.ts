import type { Address, Hex, PublicClient } from 'viem';
import { canaryRegistryAbi, deletionRequestsAbi, recipientBondsAbi, recipientTermsAbi, sharingLogAbi } from '../../contracts/abis.js';
import type { RecipientTerms } from '../../protocol/recipientTerms.js';

type Reader = { publicClient: Pick<PublicClient, 'readContract'>; address: Address; blockNumber?: bigint };

const at = (r: Reader) => (r.blockNumber === undefined ? {} : { blockNumber: r.blockNumber });

export type BondState = {
  recipient: Address;
  /** Wei counting as bond. */
  bond: bigint;
  /** Wei being unbonded (penalties still reach it) and when it can be withdrawn as things stand (0 = nothing pending). */
  pending: bigint;
  availableAt: bigint;
  /** Wei held for contested leak claims (neither withdrawable nor paid until the claims are settled). */
  held: bigint;
  /** Unix seconds until which the recipient's accepted obligations lock its bond (0 = never locked). */
  lockedUntil: bigint;
  /** Penalties credited to this address (as an owner) because a direct payment failed. */
  claimable: bigint;
};

/** A recipient's bond, pending withdrawal, holds, lock and penalty credit, read at one block. */
export async function readBond(parameters: Reader & { recipient: Address }): Promise<BondState> {
  const { publicClient, address, recipient } = parameters;
  const base = { address, abi: recipientBondsAbi, ...at(parameters) } as const;
  const [bond, [pending, availableAt], held, claimable, terms] = await Promise.all([
    publicClient.readContract({ ...base, functionName: 'bondOf', args: [recipient] }),
    publicClient.readContract({ ...base, functionName: 'pendingWithdrawal', args: [recipient] }),
    publicClient.readContract({ ...base, functionName: 'heldOf', args: [recipient] }),
    publicClient.readContract({ ...base, functionName: 'claimableOf', args: [recipient] }),
    publicClient.readContract({ ...base, functionName: 'terms' }),
  ]);
  const lockedUntil = await publicClient.readContract({
    address: terms,
    abi: recipientTermsAbi,
    functionName: 'lockedUntil',
    args: [recipient],
    ...at(parameters),
  });
  return { recipient, bond, pending, availableAt: BigInt(availableAt), held, lockedUntil: BigInt(lockedUntil), claimable };
}

export type TermsState = {
  /** What the recipient accepts (or accepted): RecipientTerms.termsOf. */
  terms: RecipientTerms;
  /** Unix seconds of the acceptance (0 = not accepted: the consent carries no penalty). */
  acceptedAt: bigint;
  recipient: Address;
  owner: Address;
  /** The consent's expiry + claim window: the last moment a leak can be claimed or deletion requested. */
  claimsUntil: bigint;
};

/** A consent's terms and whether its recipient accepted them (RecipientTerms; reverts UnknownConsent). */
export async function readTerms(parameters: Reader & { consentId: bigint }): Promise<TermsState> {
  const { publicClient, address, consentId } = parameters;
  const base = { address, abi: recipientTermsAbi, ...at(parameters) } as const;
  const [t, acceptedAt, liability] = await Promise.all([
    publicClient.readContract({ ...base, functionName: 'termsOf', args: [consentId] }),
    publicClient.readContract({ ...base, functionName: 'acceptedAt', args: [consentId] }),
    publicClient.readContract({ ...base, functionName: 'liability', args: [consentId] }),
  ]);
  return {
    terms: {
      consentId: t.consentId,
      consentTermsHash: t.consentTermsHash,
      policyId: t.policyId,
      penaltyWei: t.penaltyWei,
      deletionPeriod: BigInt(t.deletionPeriod),
      claimWindow: BigInt(t.claimWindow),
      disputeWindow: BigInt(t.disputeWindow),
      maxDeletionRequests: t.maxDeletionRequests,
    },
    acceptedAt: BigInt(acceptedAt),
    recipient: liability.recipient,
    owner: liability.owner,
    claimsUntil: BigInt(liability.claimsUntil),
  };
}

/** IDeletionRequests.Status, by index. */
export const deletionStatusNames = ['none', 'pending', 'acknowledged', 'penalised'] as const;
export type DeletionStatusName = (typeof deletionStatusNames)[number];

export type DeletionRequestState = {
  requestId: bigint;
  consentId: bigint;
  owner: Address;
  recipient: Address;
  devices: Address[];
  streams: number;
  automatic: boolean;
  status: DeletionStatusName;
  fromTime: bigint;
  toTime: bigint;
  deadline: bigint;
  requestedAt: bigint;
  closedAt: bigint;
  evidenceHash: Hex;
};

/** A deletion request (the contract refuses an unknown id with UnknownRequest). */
export async function readDeletionRequest(parameters: Reader & { requestId: bigint }): Promise<DeletionRequestState> {
  const { publicClient, address, requestId } = parameters;
  const r = await publicClient.readContract({
    address,
    abi: deletionRequestsAbi,
    functionName: 'request',
    args: [requestId],
    ...at(parameters),
  });
  return {
    requestId,
    consentId: r.consentId,
    owner: r.owner,
    recipient: r.recipient,
    devices: [...r.devices],
    streams: r.streams,
    automatic: r.automatic,
    status: deletionStatusNames[r.status] ?? 'none',
    fromTime: BigInt(r.fromTime),
    toTime: BigInt(r.toTime),
    deadline: BigInt(r.deadline),
    requestedAt: BigInt(r.requestedAt),
    closedAt: BigInt(r.closedAt),
    evidenceHash: r.evidenceHash,
  };
}

/** The ids of the deletion requests raised under a consent, oldest first. */
export async function listDeletionRequests(parameters: Reader & { consentId: bigint }): Promise<bigint[]> {
  const { publicClient, address, consentId } = parameters;
  const ids = await publicClient.readContract({
    address,
    abi: deletionRequestsAbi,
    functionName: 'requestsOf',
    args: [consentId],
    ...at(parameters),
  });
  return [...ids];
}

/** ICanaryRegistry.ClaimStatus, by index. */
export const claimStatusNames = ['none', 'open', 'disputed', 'upheld', 'rejected'] as const;
export type ClaimStatusName = (typeof claimStatusNames)[number];

export type ClaimState = {
  status: ClaimStatusName;
  /** Unix seconds: the recipient may dispute until then. */
  disputeDeadline: bigint;
  disputedAt: bigint;
  leakedTo: Address;
  holdId: bigint;
  penalty: bigint;
  evidenceHash: Hex;
  answerHash: Hex;
};

export type CanaryState = {
  commitment: Hex;
  consentId: bigint;
  committedAt: bigint;
  claimedAt: bigint;
  /** The logged delivery that carried it. */
  deliveryKey: Hex;
  /** When the AccessLog logged that delivery (unix seconds; proven at commitment). */
  deliveredAt: bigint;
  claim: ClaimState;
};

/** A canary commitment's record (committedAt 0 = unknown) and its leak claim (status none = no claim). */
export async function readCanary(parameters: Reader & { commitment: Hex }): Promise<CanaryState> {
  const { publicClient, address, commitment } = parameters;
  const base = { address, abi: canaryRegistryAbi, ...at(parameters) } as const;
  const [c, k] = await Promise.all([
    publicClient.readContract({ ...base, functionName: 'canary', args: [commitment] }),
    publicClient.readContract({ ...base, functionName: 'claim', args: [commitment] }),
  ]);
  return {
    commitment,
    consentId: BigInt(c.consentId),
    committedAt: BigInt(c.committedAt),
    claimedAt: BigInt(c.claimedAt),
    deliveryKey: c.deliveryKey,
    deliveredAt: BigInt(c.deliveredAt),
    claim: {
      status: claimStatusNames[k.status] ?? 'none',
      disputeDeadline: BigInt(k.disputeDeadline),
      disputedAt: BigInt(k.disputedAt),
      leakedTo: k.leakedTo,
      holdId: k.holdId,
      penalty: k.penalty,
      evidenceHash: k.evidenceHash,
      answerHash: k.answerHash,
    },
  };
}

export type SharingEntry = {
  entryId: bigint;
  consentId: bigint;
  sharedWith: Address;
  loggedAt: bigint;
  dataHash: Hex;
};

/** Every share logged under a consent, oldest first. */
export async function readSharingEntries(parameters: Reader & { consentId: bigint }): Promise<SharingEntry[]> {
  const { publicClient, address, consentId } = parameters;
  const base = { address, abi: sharingLogAbi, ...at(parameters) } as const;
  const ids = await publicClient.readContract({ ...base, functionName: 'entriesOf', args: [consentId] });
  return Promise.all(
    ids.map(async (entryId) => {
      const e = await publicClient.readContract({ ...base, functionName: 'entry', args: [entryId] });
      return {
        entryId,
        consentId: e.consentId,
        sharedWith: e.sharedWith,
        loggedAt: BigInt(e.loggedAt),
        dataHash: e.dataHash,
      };
    }),
  );
}
