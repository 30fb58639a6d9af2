import type { Address, PublicClient } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import type { PolicyLedger } from '../../policy/ledger.js';

export type ChainPolicyLedgerParameters = {
  publicClient: Pick<PublicClient, 'readContract'>;
  consentRegistry: Address;
};

/**
 * The ledger records a policy may require, read from the chain at the latest block. A record
 * whose contract is not deployed cannot be established: the lookup throws, and the caller refuses.
 */
export function chainPolicyLedger(parameters: ChainPolicyLedgerParameters): PolicyLedger {
  const { publicClient, consentRegistry } = parameters;
  return {
    isConsentLive: (consentId) =>
      publicClient.readContract({ address: consentRegistry, abi: consentRegistryAbi, functionName: 'isLive', args: [consentId] }),
    hasSharingLogEntry: () => {
      throw new Error('this deployment has no sharing log');
    },
    bondOf: () => {
      throw new Error('this deployment has no recipient bonds');
    },
  };
}
