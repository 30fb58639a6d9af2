import type { Address, PublicClient } from 'viem';
import { policyRegistryAbi } from '../../contracts/abis.js';
import type { PolicyVersionRecord } from './policyVersion.js';
import { readPolicy } from './readPolicy.js';

export type ListPolicyVersionsParameters = {
  publicClient: Pick<PublicClient, 'getContractEvents' | 'readContract'>;
  registry: Address;
  /** Only this publisher's policies. */
  publisher?: Address;
  /** Only the policy of this name (with or without publisher). */
  name?: string;
  /** Where to start reading events (the deployment block). Default 0. */
  fromBlock?: bigint;
};

/** Every published version, from PolicyPublished events: by publisher, name, then version. */
export async function listPolicyVersions(parameters: ListPolicyVersionsParameters): Promise<PolicyVersionRecord[]> {
  const { publicClient, registry, publisher, name, fromBlock = 0n } = parameters;
  const events = await publicClient.getContractEvents({
    address: registry,
    abi: policyRegistryAbi,
    eventName: 'PolicyPublished',
    ...(publisher ? { args: { publisher } } : {}),
    fromBlock,
    strict: true,
  });
  const matching = events.filter((log) => name === undefined || log.args.name === name);
  const versions = await Promise.all(
    matching.map((log) => readPolicy({ publicClient, registry, policyId: log.args.policyId, fromBlock: log.blockNumber })),
  );
  return versions
    .filter((v): v is PolicyVersionRecord => v !== null)
    .sort(
      (a, b) =>
        a.publisher.toLowerCase().localeCompare(b.publisher.toLowerCase()) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
        a.version - b.version,
    );
}
