import { join, resolve } from 'node:path';
import { findGeth, type GethBinary } from './findGeth.js';
import { findNode, readNetworkConfig } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';
import { readNodeProcess } from './nodeProcess.js';
import { startSealing } from './startSealing.js';
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
 * Starts the network's nodes (all, or those named), each its own detached geth, in parallel.
 * Validators started together seal only once they are connected to each other, in turn order
 * (startSealing.ts: sealing apart once held a new network at block 1). Either every node asked
 * for runs (and every validator seals) afterwards, or the nodes this call started are stopped
 * again and the error names each failure.
 */
export async function startNetwork(parameters: StartNetworkParameters): Promise<StartNodeReturnType[]> {
  const dir = resolve(parameters.dir);
  const network = readNetworkConfig(dir);
  const progress = parameters.onProgress ?? (() => {});
  const nodes = parameters.nodes ? parameters.nodes.map((n) => findNode(network, n)) : network.nodes;
  const geth = parameters.geth ?? findGeth();
  progress(`starting ${nodes.map((n) => n.name).join(', ')} (geth ${geth.version})`);
  const sealTogether = nodes.filter((n) => n.role === 'validator').length > 1;
  const results = await Promise.allSettled(
    nodes.map((n) =>
      startNode({
        nodeDir: join(dir, n.dir),
        ...(parameters.passphrase !== undefined && { passphrase: parameters.passphrase }),
        geth,
        sealAtStart: !sealTogether,
        ...(parameters.timeoutMs !== undefined && { timeoutMs: parameters.timeoutMs }),
      }),
    ),
  );
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${nodes[i]!.name}: ${(r.reason as Error).message}`] : []));
  const started = results.flatMap((r, i) => (r.status === 'fulfilled' && !r.value.alreadyRunning ? [nodes[i]!] : []));
  const stopStarted = () => Promise.all(started.map((n) => stopNode({ nodeDir: join(dir, n.dir) }).catch(() => undefined)));
  if (failures.length > 0) {
    await stopStarted();
    throw new StartNetworkError(failures.join('\n'));
  }
  const idle = started.filter((n) => n.role === 'validator');
  if (sealTogether && idle.length > 0) {
    const running = network.nodes.filter((n) => readNodeProcess(join(dir, n.dir)).state === 'running');
    progress(`waiting for ${idle.map((n) => n.name).join(', ')} to connect to each other before they seal`);
    try {
      const sealing = await startSealing({
        validators: idle.map((n) => ({ name: n.name, ipcPath: nodePaths(join(dir, n.dir)).ipcPath, signer: n.address! })),
        peers: running.length - 1,
        ...(parameters.timeoutMs !== undefined && { timeoutMs: parameters.timeoutMs }),
        onProgress: progress,
      });
      progress(
        `sealing after ${sealing.waitedMs} ms${sealing.inTurn ? ` (${sealing.inTurn}, in turn for the next block, started last)` : ''}`,
      );
    } catch (error) {
      await stopStarted();
      throw new StartNetworkError(`the validators did not start sealing: ${(error as Error).message}`);
    }
  }
  return results.map((r) => (r as PromiseFulfilledResult<StartNodeReturnType>).value);
}
