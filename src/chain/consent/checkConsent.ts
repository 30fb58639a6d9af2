import type { Address, PublicClient } from 'viem';
import { consentRegistryAbi } from '../../contracts/abis.js';
import { refusalName, type RefusalName } from '../../protocol/consentRefusal.js';

export type CheckConsentParameters = {
  publicClient: Pick<PublicClient, 'readContract'>;
  registry: Address;
  consentId: bigint;
  device: Address;
  recipient: Address;
  streams?: number;
  commands?: number;
  blockNumber?: bigint;
};

export type CheckConsentReturnType = { permitted: boolean; refusal: RefusalName };

/** Whether the consent permits `recipient` these streams and commands on `device` now (the AccessLog's test). */
export async function checkConsent(parameters: CheckConsentParameters): Promise<CheckConsentReturnType> {
  const { publicClient, registry, consentId, device, recipient, streams = 0, commands = 0 } = parameters;
  const code = await publicClient.readContract({
    address: registry,
    abi: consentRegistryAbi,
    functionName: 'checkConsent',
    args: [consentId, device, recipient, streams, commands],
    ...(parameters.blockNumber === undefined ? {} : { blockNumber: parameters.blockNumber }),
  });
  const refusal = refusalName(code);
  return { permitted: refusal === 'none', refusal };
}
