import type { Hex } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction } from '../sendContractTransaction.js';
import type { ConsentWriteContext } from './writeContext.js';

export type RevokeConsentParameters = ConsentWriteContext & { consentId: bigint };

export type RevokeConsentReturnType = { consentId: bigint; hash: Hex; blockNumber: bigint };

/** Revokes one consent, at once and for good (its owner only). */
export async function revokeConsent(parameters: RevokeConsentParameters): Promise<RevokeConsentReturnType> {
  const { clients, account, registry, consentId } = parameters;
  const { hash, blockNumber } = await sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: consentRegistryAbi,
    functionName: 'revokeConsent',
    args: [consentId],
  });
  return { consentId, hash, blockNumber };
}
