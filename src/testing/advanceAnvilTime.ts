import type { ChainClients } from '../chain/clients.js';
import { anvilTestClient } from './anvilTestClient.js';

/** Moves an Anvil chain's clock forward and mines a block at the new time (tests only). */
export async function advanceAnvilTime(publicClient: ChainClients['publicClient'], seconds: number): Promise<void> {
  const testClient = anvilTestClient(publicClient);
  await testClient.increaseTime({ seconds });
  await testClient.mine({ blocks: 1 });
}
