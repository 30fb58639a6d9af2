import type { NetworkConfig, NodeRole } from './networkConfig.js';

/** The HTTP JSON-RPC URLs of a network's nodes (validators first), e.g. for a client that fails over between them. */
export function networkRpcUrls(network: NetworkConfig, options: { role?: NodeRole } = {}): string[] {
  return [...network.nodes]
    .filter((n) => !options.role || n.role === options.role)
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'validator' ? -1 : 1))
    .map((n) => `http://127.0.0.1:${n.ports.http}`);
}
