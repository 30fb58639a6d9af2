import type { Address, PublicClient } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { readConsent, type ConsentRecord } from './readConsent.js';

export type ListConsentsParameters = {
  publicClient: Pick<PublicClient, 'readContract' | 'getContractEvents' | 'getBlock'>;
  registry: Address;
  /** Every consent this owner gave, across all devices. */
  owner?: Address;
  /** Every consent given to this recipient (with owner: only those between the two). */
  recipient?: Address;
  /** Where grant events start (the deployment block). Default 0. */
  fromBlock?: bigint;
};

/** Consents by owner and/or recipient, oldest first, each with its status, all read at one block. */
export async function listConsents(parameters: ListConsentsParameters): Promise<ConsentRecord[]> {
  const { publicClient, registry, owner, recipient, fromBlock } = parameters;
  if (!owner && !recipient) throw new Error('listConsents: give an owner, a recipient or both');
  // getBlock, not getBlockNumber: viem caches the block number for a polling interval.
  const { number: blockNumber } = await publicClient.getBlock();
  const read = { address: registry, abi: consentRegistryAbi, blockNumber } as const;
  const ids = owner
    ? await publicClient.readContract({ ...read, functionName: 'consentsGivenBy', args: [owner] })
    : await publicClient.readContract({ ...read, functionName: 'consentsGivenTo', args: [recipient!] });
  const records = await Promise.all(
    ids.map((consentId) =>
      readConsent({ publicClient, registry, consentId, blockNumber, ...(fromBlock === undefined ? {} : { fromBlock }) }),
    ),
  );
  return owner && recipient ? records.filter((r) => r.recipient.toLowerCase() === recipient.toLowerCase()) : records;
}
