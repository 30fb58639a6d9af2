import type { Address, PublicClient } from 'viem';
import { consentRegistryAbi, recipientBondsAbi, sharingLogAbi } from '../../contracts/abis.js';
import type { PolicyLedger } from '../../policy/ledger.js';

export type ChainPolicyLedgerParameters = {
  publicClient: Pick<PublicClient, 'readContract'>;
  consentRegistry: Address;
  sharingLog?: Address;
  recipientBonds?: Address;
};

/**
 * The ledger records a policy may require, read from the chain at the latest block. A record
 * whose contract is not deployed cannot be established: the lookup throws, and the caller refuses.
 */
export function chainPolicyLedger(parameters: ChainPolicyLedgerParameters): PolicyLedger {
  const { publicClient, consentRegistry, sharingLog, recipientBonds } = parameters;
  return {
    isConsentLive: (consentId) =>
      publicClient.readContract({ address: consentRegistry, abi: consentRegistryAbi, functionName: 'isLive', args: [consentId] }),
    hasSharingLogEntry: (consentId, party) => {
      if (!sharingLog) throw new Error('this deployment has no sharing log');
      return publicClient.readContract({ address: sharingLog, abi: sharingLogAbi, functionName: 'hasShared', args: [consentId, party] });
    },
    bondOf: (recipient) => {
      if (!recipientBonds) throw new Error('this deployment has no recipient bonds');
      return publicClient.readContract({ address: recipientBonds, abi: recipientBondsAbi, functionName: 'bondOf', args: [recipient] });
    },
  };
}
