import { createTestClient, http } from 'viem';
import type { ChainClients } from '../chain/clients.js';

/** Moves an Anvil chain's clock forward and mines a block at the new time (tests only). */
export async function advanceAnvilTime(publicClient: ChainClients['publicClient'], seconds: number): Promise<void> {
  const testClient = createTestClient({
    mode: 'anvil',
    chain: publicClient.chain,
    transport: http(publicClient.chain.rpcUrls.default.http[0]),
  });
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
}
