import type { Hex } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type WriteContext } from '../sendContractTransaction.js';

export type RevokeConsentParameters = WriteContext & { consentId: bigint };

export type RevokeConsentReturnType = { consentId: bigint; hash: Hex; blockNumber: bigint };

/** Revokes one consent, at once and for good (its owner only). */
export async function revokeConsent(parameters: RevokeConsentParameters): Promise<RevokeConsentReturnType> {
  const { clients, account, address, consentId } = parameters;
  const { hash, blockNumber } = await sendContractTransaction({
    clients,
    account,
    address,
    abi: consentRegistryAbi,
    functionName: 'revokeConsent',
    args: [consentId],
  });
  return { consentId, hash, blockNumber };
}
