import { createPublicClient, createWalletClient, defineChain, type Account, type Chain, type Transport } from 'viem';
import { chainTransport, isIpcEndpoint } from './chainTransport.js';

/** A viem chain object for a Pythia chain reached at rpcUrl (an http(s) URL or an IPC socket path). */
export function pythiaChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `pythia-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    // viem's chain object names HTTP and WebSocket URLs only: an IPC socket appears in the transport alone.
    rpcUrls: { default: { http: isIpcEndpoint(rpcUrl) ? [] : [rpcUrl] } },
  });
}

export type ChainClientsParameters = {
  chainId: number;
  rpcUrl: string;
  /** How often a failed request is tried again (default 3; the CLI takes 1, so that a stopped node is reported at once). */
  retryCount?: number;
  /** Another way to the chain than rpcUrl alone, e.g. the gateway's failover over its nodes (rpcUrl then only names the chain). */
  transport?: Transport;
};

export function createChainClients({ chainId, rpcUrl, retryCount = 3, ...rest }: ChainClientsParameters) {
  const chain = pythiaChain(chainId, rpcUrl);
  const transport = rest.transport ?? chainTransport(rpcUrl, { retryCount, timeout: 30_000 });
  // cacheTime 0: viem otherwise answers getBlockNumber from a cache as old as the polling interval,
  // and a caller that has just waited for a block would read the height before it.
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250, cacheTime: 0 });
  const walletClient = <A extends Account>(account: A) => createWalletClient({ account, chain, transport });
  return { chain, publicClient, walletClient };
}

export type ChainClients = ReturnType<typeof createChainClients>;
