import type { Address, Hex, PublicClient } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import type { FirmwareManifest } from '../../protocol/firmwareTypedData.js';

/** A published release: its manifest as the release keys signed it, and what the registry recorded of it. */
export type FirmwareRelease = FirmwareManifest & {
  releaseId: Hex;
  revoked: boolean;
  /** The reason given at revocation (null while not revoked). */
  revokedReason: string | null;
  blockNumber: bigint;
};

export type ListReleasesParameters = {
  publicClient: Pick<PublicClient, 'getContractEvents' | 'readContract'>;
  registry: Address;
  /** Only this class. */
  classId?: number;
  /** Where to start reading events (the deployment block). Default 0. */
  fromBlock?: bigint;
};

/**
 * Every published release, oldest first: the manifests from ReleasePublished events (the location
 * lives only there), whether each is revoked from the registry's state, the reason from ReleaseRevoked.
 */
export async function listReleases(parameters: ListReleasesParameters): Promise<FirmwareRelease[]> {
  const { publicClient, registry, classId, fromBlock = 0n } = parameters;
  const filter = { address: registry, abi: firmwareRegistryAbi, fromBlock, strict: true } as const;
  const args = classId === undefined ? {} : { args: { classId } };
  const [published, revocations] = await Promise.all([
    publicClient.getContractEvents({ ...filter, eventName: 'ReleasePublished', ...args }),
    publicClient.getContractEvents({ ...filter, eventName: 'ReleaseRevoked', ...args }),
  ]);
  const reasons = new Map(revocations.map((log) => [log.args.releaseId.toLowerCase(), log.args.reason]));
  const releases = await Promise.all(
    published.map(async (log) => {
      const { releaseId } = log.args;
      const stored = await publicClient.readContract({
        address: registry,
        abi: firmwareRegistryAbi,
        functionName: 'getRelease',
        args: [releaseId],
      });
      return {
        releaseId,
        classId: log.args.classId,
        sequence: log.args.sequence,
        digest: log.args.digest,
        size: log.args.size,
        location: log.args.location,
        issuedAt: log.args.issuedAt,
        revoked: stored.revoked,
        revokedReason: stored.revoked ? (reasons.get(releaseId.toLowerCase()) ?? '') : null,
        blockNumber: log.blockNumber,
      };
    }),
  );
  return releases.sort((a, b) => a.classId - b.classId || (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
}
