import { join, resolve } from 'node:path';
import { findGeth, type GethBinary } from './findGeth.js';
import { findNode, readNetworkConfig } from './networkConfig.js';
import { startNode, type StartNodeReturnType } from './startNode.js';
import { stopNode } from './stopNode.js';

export type StartNetworkParameters = {
  dir: string;
  /** For the validators' signer keys. */
  passphrase?: string;
  /** Only these nodes (names or validator numbers); default all. */
  nodes?: readonly string[];
  geth?: GethBinary;
  timeoutMs?: number;
  onProgress?: (message: string) => void;
};

export class StartNetworkError extends Error {
  override readonly name = 'StartNetworkError';
}

/**
 * Starts the network's nodes (all, or those named), each its own detached geth, in parallel so
 * that they find each other before they seal. Either every node asked for runs afterwards, or the
 * nodes this call started are stopped again and the error names each failure.
 */
export async function startNetwork(parameters: StartNetworkParameters): Promise<StartNodeReturnType[]> {
  const dir = resolve(parameters.dir);
  const network = readNetworkConfig(dir);
  const progress = parameters.onProgress ?? (() => {});
  const nodes = parameters.nodes ? parameters.nodes.map((n) => findNode(network, n)) : network.nodes;
  const geth = parameters.geth ?? findGeth();
  progress(`starting ${nodes.map((n) => n.name).join(', ')} (geth ${geth.version})`);
  const results = await Promise.allSettled(
    nodes.map((n) =>
      startNode({
        nodeDir: join(dir, n.dir),
        ...(parameters.passphrase !== undefined && { passphrase: parameters.passphrase }),
        geth,
        ...(parameters.timeoutMs !== undefined && { timeoutMs: parameters.timeoutMs }),
      }),
    ),
  );
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${nodes[i]!.name}: ${(r.reason as Error).message}`] : []));
  if (failures.length > 0) {
    const started = results.flatMap((r, i) => (r.status === 'fulfilled' && !r.value.alreadyRunning ? [nodes[i]!] : []));
    await Promise.all(started.map((n) => stopNode({ nodeDir: join(dir, n.dir) }).catch(() => undefined)));
    throw new StartNetworkError(failures.join('\n'));
  }
  return results.map((r) => (r as PromiseFulfilledResult<StartNodeReturnType>).value);
}
