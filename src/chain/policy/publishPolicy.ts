import { decodeEventLog, type Address, type Hex } from 'viem';
import { policyRegistryAbi } from '../../contracts/abis.js';
import type { PolicyTerms } from '../../policy/compilePolicyTerms.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import type { PolicyWriteContext } from './writeContext.js';

export type PublishPolicyParameters = PolicyWriteContext & {
  /** The policy's name: versions are numbered per (publisher, name). */
  name: string;
  /** policyContentHash of the document (keccak256 of its canonical JSON). */
  contentHash: Hex;
  /** Where the document can be fetched. */
  uri: string;
  /** compilePolicyTerms of the same document. */
  terms: PolicyTerms;
};

export type PublishPolicyReturnType = SendContractTransactionReturnType & { policyId: Hex; version: number };

/** Publishes the next version of the sender's policy `name`; returns its id and version number. */
export async function publishPolicy(parameters: PublishPolicyParameters): Promise<PublishPolicyReturnType> {
  const { clients, account, registry, name, contentHash, uri, terms } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: policyRegistryAbi,
    functionName: 'publishPolicy',
    args: [name, contentHash, uri, terms],
  });
  for (const log of sent.logs as { address: Address; data: Hex; topics: [Hex, ...Hex[]] }[]) {
    if (log.address.toLowerCase() !== registry.toLowerCase()) continue;
    const event = decodeEventLog({ abi: policyRegistryAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'PolicyPublished') {
      const args = event.args as { policyId: Hex; version: number };
      return { ...sent, policyId: args.policyId, version: Number(args.version) };
    }
  }
  throw new Error(`publishPolicy in ${sent.hash} emitted no PolicyPublished`);
}
