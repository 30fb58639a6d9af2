import type { Abi } from 'viem';
import {
  canaryRegistryAbi,
  consentRegistryAbi,
  deletionRequestsAbi,
  deviceOwnershipAbi,
  feedMarketAbi,
  policyRegistryAbi,
  recipientBondsAbi,
  recipientTermsAbi,
  sharingLogAbi,
} from '../contracts/abis.js';

/**
 * A contract that calls others lets their reverts bubble up as they are (e.g. the consent
 * registry's UnknownConsent for a consent id that was never granted). Simulating with the
 * contract's own ABI alone would leave such an error undecoded ("revert()"), so its writes are
 * simulated with the errors of every contract it may call appended (its own win on a name clash).
 */
export function withErrorsOf(abi: Abi, ...called: readonly Abi[]): Abi {
  const seen = new Set(abi.filter((item) => item.type === 'error').map((item) => (item as { name: string }).name));
  const extra = called
    .flatMap((dependency) => dependency.filter((item) => item.type === 'error'))
    .filter((item) => {
      const name = (item as { name: string }).name;
      if (seen.has(name)) return false;
      seen.add(name);
      return true;
    });
  return [...abi, ...extra];
}

const registries = [consentRegistryAbi, policyRegistryAbi] as readonly Abi[];

export const sharingLogCallAbi = withErrorsOf(sharingLogAbi as Abi, ...registries);
export const recipientTermsCallAbi = withErrorsOf(recipientTermsAbi as Abi, ...registries);
export const deletionRequestsCallAbi = withErrorsOf(
  deletionRequestsAbi as Abi,
  ...registries,
  recipientBondsAbi as Abi,
  recipientTermsAbi as Abi,
);
export const canaryRegistryCallAbi = withErrorsOf(
  canaryRegistryAbi as Abi,
  ...registries,
  recipientBondsAbi as Abi,
  recipientTermsAbi as Abi,
  sharingLogAbi as Abi,
);
/** The market grants through the consent registry, records acceptances and checks offers against the ownership token. */
export const feedMarketCallAbi = withErrorsOf(
  feedMarketAbi as Abi,
  consentRegistryAbi as Abi,
  recipientTermsAbi as Abi,
  deviceOwnershipAbi as Abi,
);
