import type { Address, PublicClient } from 'viem';
import { consentRegistryAbi, feedMarketAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

type Reader = { publicClient: Pick<PublicClient, 'readContract'>; market: Address };

/** The consent registry the market grants through (the market's immutable `consents`). */
export function consentRegistryOf(parameters: Reader): Promise<Address> {
  const { publicClient, market } = parameters;
  return publicClient.readContract({ address: market, abi: feedMarketAbi, functionName: 'consents' });
}

/** Whether `owner` approved the market as its grant agent on the consent registry. */
export async function isMarketGrantAgent(parameters: Reader & { owner: Address }): Promise<boolean> {
  const { publicClient, market, owner } = parameters;
  const registry = await consentRegistryOf(parameters);
  return publicClient.readContract({
    address: registry,
    abi: consentRegistryAbi,
    functionName: 'isGrantAgent',
    args: [owner, market],
  });
}

/**
 * The sender approves (or, with allowed = false, stops approving) the market at `address` as its
 * grant agent: a transaction to the consent registry the market grants through.
 */
export async function setMarketGrantAgent(
  parameters: WriteContext & { allowed: boolean },
): Promise<SendContractTransactionReturnType & { registry: Address }> {
  const { clients, account, address: market, allowed } = parameters;
  const registry = await consentRegistryOf({ publicClient: clients.publicClient, market });
  const sent = await sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: consentRegistryAbi,
    functionName: 'setGrantAgent',
    args: [market, allowed],
  });
  return { ...sent, registry };
}
