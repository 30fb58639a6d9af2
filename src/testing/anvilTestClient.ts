import { createTestClient, custom } from 'viem';
import type { ChainClients } from '../chain/clients.js';

/** viem's test client (anvil_* and evm_* methods, typed) for the Anvil chain `publicClient` talks to, over its transport (tests only). */
export function anvilTestClient(publicClient: ChainClients['publicClient']) {
  return createTestClient({ mode: 'anvil', chain: publicClient.chain, transport: custom({ request: publicClient.request }) });
}
