import type { Address, Hex, PublicClient } from 'viem';
import { canaryRegistryAbi, deletionRequestsAbi, recipientBondsAbi, sharingLogAbi } from '../../contracts/abis.js';

type Reader = { publicClient: Pick<PublicClient, 'readContract'>; address: Address; blockNumber?: bigint };

const at = (r: Reader) => (r.blockNumber === undefined ? {} : { blockNumber: r.blockNumber });

export type BondState = {
  recipient: Address;
  /** Wei counting as bond. */
  bond: bigint;
  /** Wei being unbonded (penalties still reach it) and when it can be withdrawn (0 = nothing pending). */
  pending: bigint;
  availableAt: bigint;
  /** Penalties credited to this address (as an owner) because a direct payment failed. */
  claimable: bigint;
  /** The contract's unbonding delay, seconds. */
  unbondingDelay: bigint;
};

/** A recipient's bond, pending withdrawal and penalty credit, read at one block. */
export async function readBond(parameters: Reader & { recipient: Address }): Promise<BondState> {
  const { publicClient, address, recipient } = parameters;
  const base = { address, abi: recipientBondsAbi, ...at(parameters) } as const;
  const [bond, [pending, availableAt], claimable, unbondingDelay] = await Promise.all([
    publicClient.readContract({ ...base, functionName: 'bondOf', args: [recipient] }),
    publicClient.readContract({ ...base, functionName: 'pendingWithdrawal', args: [recipient] }),
    publicClient.readContract({ ...base, functionName: 'claimableOf', args: [recipient] }),
    publicClient.readContract({ ...base, functionName: 'unbondingDelay' }),
  ]);
  return { recipient, bond, pending, availableAt: BigInt(availableAt), claimable, unbondingDelay: BigInt(unbondingDelay) };
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

export type CanaryState = { commitment: Hex; consentId: bigint; committedAt: bigint; claimedAt: bigint };

/** A canary commitment's record (committedAt 0 = unknown). */
export async function readCanary(parameters: Reader & { commitment: Hex }): Promise<CanaryState> {
  const { publicClient, address, commitment } = parameters;
  const c = await publicClient.readContract({
    address,
    abi: canaryRegistryAbi,
    functionName: 'canary',
    args: [commitment],
    ...at(parameters),
  });
  return { commitment, consentId: BigInt(c.consentId), committedAt: BigInt(c.committedAt), claimedAt: BigInt(c.claimedAt) };
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
