import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Address } from 'viem';
import { freePort } from '../chain/anvil.js';
import { writeFileAtomic } from '../keystore/index.js';
import {
  commandLineHas,
  isProcessRunning,
  processIdentity,
  readCommandLine,
  runningPids,
  type ProcessIdentity,
} from '../processes/processIdentity.js';
import { terminateProcess } from '../processes/terminateProcess.js';
import { findGeth, type GethBinary } from './findGeth.js';
import { gethConfigToml } from './gethConfigToml.js';
import { initNetwork } from './initNetwork.js';
import { NETWORK_FILE, nodeConfigOf, readNetworkConfig, writeNetworkConfig, writeNodeConfig, type NetworkConfig } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';
import { removePidFile } from './nodeProcess.js';
import { startNode } from './startNode.js';

/** Seconds between blocks of the single node: a reading is final after two blocks (one signer). */
export const SINGLE_NODE_PERIOD = 1;
/** Restarts of a node that keeps dying, within RESTART_WINDOW_MS, before the chain is given up. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/** How long an orphan geth of this folder may take to shut down (it flushes its caches) before it is killed. */
const ORPHAN_GRACE_MS = 60_000;

export type InitSingleNodeChainParameters = {
  /** The chain folder (`<data dir>/chain`); must not exist or be empty. */
  chainDir: string;
  /** Encrypts the validator's signer key (the role keys' passphrase). */
  passphrase: string;
  /** Accounts funded at genesis (the node's role keys), in wei. */
  fund: Readonly<Record<Address, bigint>>;
  period?: number;
  scryptN?: number;
  geth?: GethBinary;
  onProgress?: (message: string) => void;
};

/**
 * Creates the chain of a single durable node: a one-validator Clique network folder (initNetwork:
 * genesis with this node's signer and the given accounts funded, a random private chain id, the
 * signer key encrypted). It is an ordinary network folder: `pythia network status --dir` reads it.
 */
export async function initSingleNodeChain(parameters: InitSingleNodeChainParameters): Promise<NetworkConfig> {
  return initNetwork({
    dir: parameters.chainDir,
    validators: 1,
    period: parameters.period ?? SINGLE_NODE_PERIOD,
    fund: parameters.fund,
    passphrase: parameters.passphrase,
    ...(parameters.scryptN !== undefined && { scryptN: parameters.scryptN }),
    ...(parameters.geth && { geth: parameters.geth }),
    ...(parameters.onProgress && { onProgress: parameters.onProgress }),
  });
}

/** Whether `chainDir` holds a chain made by initSingleNodeChain (or any network folder). */
export function isNetworkFolder(chainDir: string): boolean {
  return existsSync(join(chainDir, NETWORK_FILE));
}

export type StartSingleNodeChainParameters = {
  chainDir: string;
  passphrase: string;
  geth?: GethBinary;
  onProgress?: (message: string) => void;
  /** The node died and could not be brought back: the Pythia node cannot go on. */
  onFatal?: (error: Error) => void;
};

export type SingleNodeChain = {
  /** The validator's IPC socket (0600 in its 0700 data directory): it serves no HTTP (gethArguments). */
  rpcUrl: string;
  chainId: number;
  /** Seconds between blocks. */
  period: number;
  /** Pid of the geth process now running. */
  pid: () => number;
  /** Whether geth is stopped by the kernel when this process dies, even by kill -9 (Linux, setpriv). */
  diesWithParent: boolean;
  /** Stops geth (SIGTERM; it writes its caches and exits) and waits until it is gone. */
  stop: () => Promise<void>;
};

/**
 * Runs the single validator of `chainDir` as a child of this process: crash-safe storage (archive
 * mode, state written every block; docs/network.md), stopped with this process (and by the kernel
 * if this process dies, on Linux), restarted if it dies on its own. A geth of this folder left
 * running by a crashed node (recognised by its data directory on its command line) is stopped
 * first. It is reached only on its IPC socket (a validator's key is unlocked: no HTTP). Its peer
 * and engine ports are free ones chosen at each start and written to the folder's node.json and
 * network.json. The caller holds the data directory's lock.
 */
export async function startSingleNodeChain(parameters: StartSingleNodeChainParameters): Promise<SingleNodeChain> {
  const chainDir = resolve(parameters.chainDir);
  const progress = parameters.onProgress ?? (() => {});
  const network = readNetworkConfig(chainDir);
  if (network.nodes.length !== 1 || network.nodes[0]!.role !== 'validator') {
    throw new Error(
      `${chainDir} is a network of ${network.nodes.length} nodes, not a single node: run it with \`pythia network up --dir ${chainDir}\` and start Pythia with \`pythia up --network ${chainDir}\``,
    );
  }
  const nodeDir = join(chainDir, network.nodes[0]!.dir);
  const geth = parameters.geth ?? findGeth();
  await stopOrphans(nodeDir, progress);

  let current: { pid: number; exited: Promise<unknown> } | undefined;
  let stopping = false;
  let restarting: Promise<void> | undefined;
  let diesWithParent = false;
  const restarts: number[] = [];

  const launch = async () => {
    const ports = await choosePorts(network.nodes[0]!.ports.http);
    await writePorts(chainDir, ports);
    const started = await startNode({ nodeDir, passphrase: parameters.passphrase, geth, dieWithParent: true });
    diesWithParent = started.diesWithParent === true;
    const run = { pid: started.pid, exited: started.exited! };
    current = run;
    void run.exited.then(({ code, signal }) => {
      removePidFileOf(nodeDir, run.pid);
      if (stopping || current !== run) return;
      restarting = restart(signal ?? `exit code ${code}`);
    });
  };

  const restart = async (how: string) => {
    const now = Date.now();
    restarts.push(now);
    while (restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      parameters.onFatal?.(new Error(`the chain node (geth) died ${restarts.length} times within a minute (last: ${how}); giving up`));
      return;
    }
    progress(`the chain node (geth, pid ${current?.pid}) stopped unexpectedly (${how}); restarting it (its storage is crash-safe)`);
    try {
      await launch();
    } catch (error) {
      parameters.onFatal?.(error as Error);
    }
  };

  await launch();
  return {
    rpcUrl: nodePaths(nodeDir).ipcPath,
    chainId: network.chainId,
    period: network.period,
    pid: () => current!.pid,
    get diesWithParent() {
      return diesWithParent;
    },
    stop: async () => {
      stopping = true;
      await restarting;
      const run = current;
      if (!run) return;
      const identity = processIdentity(run.pid);
      if (identity) await terminateProcess(identity, { graceMs: ORPHAN_GRACE_MS });
      await run.exited;
      removePidFileOf(nodeDir, run.pid);
    },
  };
}

type Ports = { http: number; p2p: number; authrpc: number };

/** Free peer and engine ports; `http` is kept as it is in node.json (a validator opens no HTTP port). */
async function choosePorts(http: number): Promise<Ports> {
  const chosen = new Set<number>();
  const another = async () => {
    for (;;) {
      const p = await freePort();
      if (!chosen.has(p)) {
        chosen.add(p);
        return p;
      }
    }
  };
  chosen.add(http);
  return { http, p2p: await another(), authrpc: await another() };
}

/** Writes this start's ports to the folder (node.json, network.json, geth's config.toml), each file atomically. */
async function writePorts(chainDir: string, ports: Ports): Promise<void> {
  const network = readNetworkConfig(chainDir);
  const node = network.nodes[0]!;
  if (node.ports.http === ports.http && node.ports.p2p === ports.p2p && node.ports.authrpc === ports.authrpc) return;
  const moved = { ...node, ports, enode: node.enode.replace(/:\d+$/, `:${ports.p2p}`) };
  const updated: NetworkConfig = { ...network, nodes: [moved] };
  const nodeDir = join(chainDir, node.dir);
  await writeFileAtomic(nodePaths(nodeDir).gethConfig, gethConfigToml({ listenAddr: `${node.host}:${ports.p2p}`, staticNodes: [] }), {
    mode: 0o600,
  });
  await writeNodeConfig(nodeDir, nodeConfigOf(updated, moved));
  await writeNetworkConfig(chainDir, updated);
}

/**
 * The geth processes of this node's data directory that no live Pythia node owns (the caller
 * holds the data directory's lock): the one its pid file names and any other whose command line
 * names the data directory (one started just before a crash, before its pid file was written).
 */
export function findOrphanNodes(nodeDir: string): ProcessIdentity[] {
  const dataDir = resolve(nodePaths(nodeDir).dataDir);
  // No /proc: only the pid file tells.
  const pids = runningPids() ?? [];
  const fromPidFile = readPidFile(nodeDir);
  if (fromPidFile !== undefined && !pids.includes(fromPidFile)) pids.push(fromPidFile);
  return pids.flatMap((pid) => {
    if (pid === process.pid || !commandLineHas(readCommandLine(pid), '--datadir', dataDir)) return [];
    const identity = processIdentity(pid);
    return identity ? [identity] : [];
  });
}

function readPidFile(nodeDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(nodePaths(nodeDir).pidFile, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function stopOrphans(nodeDir: string, progress: (message: string) => void): Promise<void> {
  for (const orphan of findOrphanNodes(nodeDir)) {
    progress(`found the chain node of this data directory still running without its Pythia node (geth, pid ${orphan.pid}): stopping it`);
    await terminateProcess(orphan, { graceMs: ORPHAN_GRACE_MS });
    if (isProcessRunning(orphan)) throw new Error(`could not stop geth (pid ${orphan.pid}) of ${nodeDir}`);
  }
  removePidFile(nodeDir);
}

/** Removes the node's pid file if it still names `pid`. */
function removePidFileOf(nodeDir: string, pid: number): void {
  if (readPidFile(nodeDir) === pid) removePidFile(nodeDir);
}
