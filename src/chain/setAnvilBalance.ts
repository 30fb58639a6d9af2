import { createTestClient, type Address } from 'viem';
import { chainTransport } from './chainTransport.js';
import { pythiaChain } from './clients.js';

export type SetAnvilBalanceParameters = { rpcUrl: string; chainId: number; address: Address; value: bigint };

/** Sets an account's balance on an Anvil chain (anvil_setBalance): how the embedded chain pays for gas. */
export async function setAnvilBalance({ rpcUrl, chainId, address, value }: SetAnvilBalanceParameters): Promise<void> {
  const testClient = createTestClient({ mode: 'anvil', chain: pythiaChain(chainId, rpcUrl), transport: chainTransport(rpcUrl) });
  await testClient.setBalance({ address, value });
}
