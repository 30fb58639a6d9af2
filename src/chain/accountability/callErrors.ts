import type { Abi } from 'viem';
import {
  canaryRegistryAbi,
  consentRegistryAbi,
  deletionRequestsAbi,
  policyRegistryAbi,
  recipientBondsAbi,
  sharingLogAbi,
} from '../../contracts/abis.js';

/**
 * The accountability contracts call the consent and policy registries and the bonds; a revert there
 * (e.g. the registry's UnknownConsent for a consent id that was never granted) bubbles up as is.
 * Simulating with the contract's ABI alone would leave it undecoded ("revert()"), so each write is
 * simulated with the errors of every contract it may call appended.
 */
const dependencyErrors = [consentRegistryAbi, policyRegistryAbi, recipientBondsAbi, sharingLogAbi].flatMap((abi) =>
  (abi as Abi).filter((item) => item.type === 'error'),
);

function withDependencyErrors(abi: Abi): Abi {
  const own = new Set(abi.filter((item) => item.type === 'error').map((item) => (item as { name: string }).name));
  const seen = new Set<string>();
  const extra = dependencyErrors.filter((item) => {
    const name = (item as { name: string }).name;
    if (own.has(name) || seen.has(name)) return false;
    seen.add(name);
    return true;
  });
  return [...abi, ...extra];
}

export const sharingLogCallAbi = withDependencyErrors(sharingLogAbi as Abi);
export const deletionRequestsCallAbi = withDependencyErrors(deletionRequestsAbi as Abi);
export const canaryRegistryCallAbi = withDependencyErrors(canaryRegistryAbi as Abi);
