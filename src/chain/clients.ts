import { createPublicClient, createWalletClient, defineChain, http, type Account, type Chain } from 'viem';

/** A viem chain object for a Pythia chain reached at rpcUrl. */
export function pythiaChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `pythia-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export type ChainClientsParameters = { chainId: number; rpcUrl: string };

export function createChainClients({ chainId, rpcUrl }: ChainClientsParameters) {
  const chain = pythiaChain(chainId, rpcUrl);
  const transport = http(rpcUrl, { retryCount: 3, timeout: 30_000 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const walletClient = <A extends Account>(account: A) => createWalletClient({ account, chain, transport });
  return { chain, publicClient, walletClient };
}

export type ChainClients = ReturnType<typeof createChainClients>;
