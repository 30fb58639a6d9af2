import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chainTransport } from '../../chain/chainTransport.js';
import { nodePaths, nodeRpcEndpoint, readNetworkConfig, readNodeProcess, startNode, waitForNodeEnd } from '../../network/index.js';
import { seededRandom, type CrashTarget } from './killer.js';

/**
 * One validator of a `pythia network` at a time, chosen at random for each kill: SIGKILL of its
 * geth (no flush, no clean shutdown), then the same node started again from its own data
 * directory, as a partner's machine that died and came back. The other validators keep sealing
 * (Clique needs ⌊N/2⌋+1 of N), and a gateway on failover RPC URLs moves off the dead node.
 */
export type ValidatorCrashTarget = CrashTarget & {
  /** The validators killed, in order. */
  readonly victims: readonly string[];
};

export type ValidatorCrashTargetParameters = {
  /** The network folder (`pythia network init`). */
  dir: string;
  /** Decrypts the validators' signer keys when they start again. */
  passphrase: string;
  /** Chooses the victims (a run replays with its seed). */
  seed: number;
  /** Only these validators (names); default every validator of the network. */
  validators?: readonly string[];
};

export function validatorCrashTarget(parameters: ValidatorCrashTargetParameters): ValidatorCrashTarget {
  const network = readNetworkConfig(parameters.dir);
  const candidates = network.nodes.filter(
    (n) => n.role === 'validator' && (parameters.validators === undefined || parameters.validators.includes(n.name)),
  );
  if (candidates.length === 0) throw new Error(`no validator to kill in ${parameters.dir}`);
  const random = seededRandom(parameters.seed ^ 0x5eed);
  const victims: string[] = [];
  let down: (typeof candidates)[number] | undefined;
  const nodeDir = (node: (typeof candidates)[number]) => join(parameters.dir, node.dir);
  return {
    name: 'validator',
    victims,
    async kill() {
      const victim = candidates[Math.floor(random() * candidates.length)]!;
      const state = readNodeProcess(nodeDir(victim));
      if (state.state !== 'running') throw new Error(`${victim.name} is not running (${state.state}): nothing to kill`);
      process.kill(state.pid, 'SIGKILL');
      if (!(await waitForNodeEnd(state.pid, nodePaths(nodeDir(victim)).dataDir, 10_000)))
        throw new Error(`${victim.name} (pid ${state.pid}) still runs 10 s after SIGKILL`);
      victims.push(victim.name);
      down = victim;
    },
    /** Starts the killed validator again and resolves once it has caught up with the head the others had then. */
    async start() {
      if (!down) return;
      const { rpcUrl } = await startNode({ nodeDir: nodeDir(down), passphrase: parameters.passphrase });
      const others = network.nodes.filter((n) => n.role === 'validator' && n.name !== down!.name);
      // Validators answer only on their IPC socket (no HTTP: gethArguments).
      const heads = await Promise.all(others.map((n) => blockNumberAt(nodeRpcEndpoint(parameters.dir, n)).catch(() => 0)));
      const target = Math.max(0, ...heads);
      for (let waited = 0; (await blockNumberAt(rpcUrl).catch(() => -1)) < target; waited += 200) {
        if (waited > 60_000) throw new Error(`${down.name} has not caught up with block ${target} within 60 s of its restart`);
        await sleep(200);
      }
      down = undefined;
    },
  };
}

async function blockNumberAt(endpoint: string): Promise<number> {
  const result = await chainTransport(endpoint, { timeout: 5000, retryCount: 0 })({}).request({ method: 'eth_blockNumber' });
  if (typeof result !== 'string') throw new Error(`${endpoint}: no block number`);
  return Number(result);
}
