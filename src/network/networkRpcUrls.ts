import { join, resolve } from 'node:path';
import type { NetworkConfig, NetworkNode, NodeRole } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';

/**
 * Where the node's own processes reach one node of a network folder: a validator only on its IPC
 * socket (its signer key is unlocked: no HTTP; gethArguments), an observer on its loopback HTTP.
 */
export function nodeRpcEndpoint(networkDir: string, node: Pick<NetworkNode, 'dir' | 'role' | 'ports'>): string {
  return node.role === 'validator' ? nodePaths(join(resolve(networkDir), node.dir)).ipcPath : `http://127.0.0.1:${node.ports.http}`;
}

/** The JSON-RPC endpoints of a network's nodes (validators first), e.g. for a client that fails over between them. */
export function networkRpcUrls(networkDir: string, network: NetworkConfig, options: { role?: NodeRole } = {}): string[] {
  return [...network.nodes]
    .filter((n) => !options.role || n.role === options.role)
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'validator' ? -1 : 1))
    .map((n) => nodeRpcEndpoint(networkDir, n));
}
