import type { Hex } from 'viem';
import { requireContractEvent } from '../contractEvent.js';
import { policyRegistryAbi } from '../../contracts/abis.js';
import type { PolicyTerms } from '../../policy/compilePolicyTerms.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type PublishPolicyParameters = WriteContext & {
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
  const { clients, account, address, name, contentHash, uri, terms } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: policyRegistryAbi,
    functionName: 'publishPolicy',
    args: [name, contentHash, uri, terms],
  });
  const published = requireContractEvent({
    abi: policyRegistryAbi,
    address,
    eventName: 'PolicyPublished',
    logs: sent.logs,
    transactionHash: sent.hash,
  });
  return { ...sent, policyId: published.policyId, version: Number(published.version) };
}
