import type { Address, Hex, PublicClient } from 'viem';
import { policyRegistryAbi } from '../../contracts/abis.js';
import type { PolicyVersionRecord } from './policyVersion.js';

export type ReadPolicyParameters = {
  publicClient: Pick<PublicClient, 'getContractEvents' | 'readContract'>;
  registry: Address;
  policyId: Hex;
  /** Where to start reading events (the deployment block). Default 0. */
  fromBlock?: bigint;
};

/**
 * A published version, or null for an unknown id. The stored version comes from the registry's
 * state; the name lives only in the PolicyPublished event.
 */
export async function readPolicy(parameters: ReadPolicyParameters): Promise<PolicyVersionRecord | null> {
  const { publicClient, registry, policyId, fromBlock = 0n } = parameters;
  const exists = await publicClient.readContract({
    address: registry,
    abi: policyRegistryAbi,
    functionName: 'policyExists',
    args: [policyId],
  });
  if (!exists) return null;
  const [stored, events] = await Promise.all([
    publicClient.readContract({ address: registry, abi: policyRegistryAbi, functionName: 'policy', args: [policyId] }),
    publicClient.getContractEvents({
      address: registry,
      abi: policyRegistryAbi,
      eventName: 'PolicyPublished',
      args: { policyId },
      fromBlock,
      strict: true,
    }),
  ]);
  return {
    policyId,
    policyKey: stored.policyKey,
    name: events[0]?.args.name ?? '',
    version: Number(stored.version),
    publisher: stored.publisher,
    contentHash: stored.contentHash,
    publishedAt: BigInt(stored.publishedAt),
    terms: {
      onwardSharing: stored.terms.onwardSharing,
      notifyOwner: stored.terms.notifyOwner,
      deleteOnRevoke: stored.terms.deleteOnRevoke,
      retentionSeconds: BigInt(stored.terms.retentionSeconds),
      deletionPeriodSeconds: BigInt(stored.terms.deletionPeriodSeconds),
      penaltyWei: BigInt(stored.terms.penaltyWei),
      minimumBondWei: BigInt(stored.terms.minimumBondWei),
    },
    uri: stored.uri,
  };
}
