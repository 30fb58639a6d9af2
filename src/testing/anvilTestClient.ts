import { createTestClient, http } from 'viem';
import type { ChainClients } from '../chain/clients.js';

/** viem's test client (anvil_* and evm_* methods, typed) for the Anvil chain `publicClient` talks to (tests only). */
export function anvilTestClient(publicClient: ChainClients['publicClient']) {
  return createTestClient({ mode: 'anvil', chain: publicClient.chain, transport: http(publicClient.chain.rpcUrls.default.http[0]) });
}
