import type { Address, PublicClient } from 'viem';
import { consentRegistryAbi, deviceOwnershipAbi } from '../../contracts/abis.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';

export type ConsentWindowParameters = {
  publicClient: Pick<PublicClient, 'readContract'>;
  consentRegistry: Address;
  consentId: bigint;
  device: Address;
};

/** The readings a consent opens, by when this gateway received them (ms since the epoch): [receivedFrom, receivedBefore). */
export type ConsentWindowReturnType = { receivedFrom: number; receivedBefore: number };

/**
 * The readings a consent opens: those recorded (received by the gateway) from the later of the
 * consent's start and the start of the device's current ownership epoch, until its expiry. So a
 * consent gives no reading recorded under a previous owner, and history from before the grant only
 * when the owner chose a start in the past (the start is part of the terms the consent receipt
 * names). The deletion on revocation (DeletionRequests: start to revocation) and a feed sold for a
 * period cover the same window. The gateway's receipt time, not the device's clock: a device's
 * timestamp is the device's to set (a clock-skewed reading would otherwise slip in).
 * Call it after checkConsent said "none": the device's epoch at grant is then its current epoch.
 */
export async function consentWindow(parameters: ConsentWindowParameters): Promise<ConsentWindowReturnType> {
  const { publicClient, consentRegistry, consentId, device } = parameters;
  try {
    const [stored, ownership] = await Promise.all([
      publicClient.readContract({ address: consentRegistry, abi: consentRegistryAbi, functionName: 'consent', args: [consentId] }),
      publicClient.readContract({ address: consentRegistry, abi: consentRegistryAbi, functionName: 'ownership' }),
    ]);
    const epoch = await publicClient.readContract({
      address: ownership,
      abi: deviceOwnershipAbi,
      functionName: 'ownershipEpoch',
      args: [device],
    });
    const epochStart = await publicClient.readContract({
      address: ownership,
      abi: deviceOwnershipAbi,
      functionName: 'epochStartedAt',
      args: [device, epoch],
    });
    return windowOf({ start: stored.start, expiry: stored.expiry, epochStart: BigInt(epochStart) });
  } catch (error) {
    throw new ChainUnavailableError(`could not read the window of consent ${consentId}: ${shortError(error)}`);
  }
}

/**
 * [max(start, epochStart) + 1 s, expiry) in ms. Chain times are whole seconds (a block's), the
 * gateway's receipt times milliseconds: a reading received in the very second an ownership epoch
 * began may have come before the transfer, so the window opens at the next second.
 */
export function windowOf(input: { start: bigint; expiry: bigint; epochStart: bigint }): ConsentWindowReturnType {
  const from = Math.max(Number(input.start), Number(input.epochStart)) + 1;
  return { receivedFrom: from * 1000, receivedBefore: Number(input.expiry) * 1000 };
}
