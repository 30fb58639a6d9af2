import { join, resolve } from 'node:path';
import { findNode, readNetworkConfig } from './networkConfig.js';
import { stopNode, type StopNodeReturnType } from './stopNode.js';

export type StopNetworkParameters = {
  dir: string;
  /** Only these nodes (names or validator numbers); default all. */
  nodes?: readonly string[];
  timeoutMs?: number;
};

/** Stops the network's nodes (SIGTERM, then waits for each process to end). */
export async function stopNetwork(parameters: StopNetworkParameters): Promise<StopNodeReturnType[]> {
  const dir = resolve(parameters.dir);
  const network = readNetworkConfig(dir);
  const nodes = parameters.nodes ? parameters.nodes.map((n) => findNode(network, n)) : network.nodes;
  return Promise.all(
    nodes.map((n) =>
      stopNode({ nodeDir: join(dir, n.dir), ...(parameters.timeoutMs !== undefined && { timeoutMs: parameters.timeoutMs }) }),
    ),
  );
}
