import { parseEther, type Address, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { nativeAccount } from '../chain/nativeAccount.js';
import type { ChainClients } from '../chain/clients.js';
import { anvilTestClient } from './anvilTestClient.js';

/** Gives an account gas money on an Anvil chain (anvil_setBalance; tests only). */
export async function fundOnAnvil(publicClient: ChainClients['publicClient'], address: Address, ether = '10'): Promise<void> {
  await anvilTestClient(publicClient).setBalance({ address, value: parseEther(ether) });
}

/** A fresh random account (never a well-known key) funded on an Anvil chain, with its private key. */
export async function fundedAccount(publicClient: ChainClients['publicClient']): Promise<LocalAccount & { privateKey: `0x${string}` }> {
  const privateKey = generatePrivateKey();
  const account = nativeAccount(privateKey);
  await fundOnAnvil(publicClient, account.address);
  return Object.assign(account, { privateKey });
}
