import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { writeFileAtomic } from '../keystore/index.js';
import { cliqueGenesis } from './cliqueGenesis.js';
import { enodeOf } from './enodeOf.js';
import { findGeth, type GethBinary } from './findGeth.js';
import { nodeConfigOf, writeNetworkConfig, type NetworkConfig, type NetworkNode, type NodeRole } from './networkConfig.js';
import { MAX_IPC_PATH_LENGTH, nodePaths } from './nodePaths.js';
import { writeNodeFolder } from './writeNodeFolder.js';

/** Seconds between blocks unless told otherwise. */
export const DEFAULT_PERIOD = 2;
/** Block gas limit: the embedded chain's, large enough for a relayer batch of a few hundred readings. */
export const DEFAULT_GAS_LIMIT = 300_000_000n;
/** Node k (0, 1, ...) listens on base + 10k (p2p), + 10k + 1 (HTTP) and + 10k + 2 (engine API). */
export const DEFAULT_BASE_PORT = 30_400;
export const PORTS_PER_NODE = 10;
/** Peers on loopback only, unless the folders are spread over hosts (docs/network.md). */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_NETRESTRICT = '127.0.0.0/8';
export const MAX_NODES = 32;
export const GENESIS_FILE = 'genesis.json';

export type InitNetworkParameters = {
  /** The network folder; must not exist or be empty. */
  dir: string;
  validators: number;
  observers?: number;
  /** Default: a random private chain id, so that no transaction of another network replays here. */
  chainId?: number;
  period?: number;
  /** Clique's checkpoint interval in blocks (default CLIQUE_EPOCH); tests use a small one to see checkpoints. */
  epoch?: number;
  gasLimit?: bigint;
  basePort?: number;
  /** Accounts funded at genesis (e.g. the deployer), in wei. No key is made or known for them here. */
  fund?: Readonly<Record<Address, bigint>>;
  /** Encrypts the validators' signer keys (as the role keys are). */
  passphrase: string;
  scryptN?: number;
  geth?: GethBinary;
  onProgress?: (message: string) => void;
};

export class NetworkInitError extends Error {
  override readonly name = 'NetworkInitError';
}

export function nodePorts(basePort: number, index: number): NetworkNode['ports'] {
  const p2p = basePort + PORTS_PER_NODE * index;
  return { p2p, http: p2p + 1, authrpc: p2p + 2 };
}

/** Refuses a folder that exists and is not empty, or is so deep that the nodes' IPC socket paths would be too long. */
export function checkNewNetworkDir(dir: string): void {
  const path = resolve(dir);
  if (existsSync(path) && (!statSync(path).isDirectory() || readdirSync(path).length > 0))
    throw new NetworkInitError(`${path} exists and is not an empty folder: choose a new one`);
  const longest = nodePaths(join(path, `observer-${MAX_NODES}`)).ipcPath;
  if (longest.length > MAX_IPC_PATH_LENGTH)
    throw new NetworkInitError(`${path} is too deep: node IPC sockets need paths under ${MAX_IPC_PATH_LENGTH} bytes`);
}

/** A random chain id in a range no public network uses. */
export function randomChainId(): number {
  return randomInt(1_000_000_000, 2_000_000_000);
}

type Planned = { node: NetworkNode; signerKey?: Hex; nodeKey: Hex };

/** A fresh node of the network: its keys made here, on the machine that will run it. */
export function planNode(name: string, role: NodeRole, host: string, ports: NetworkNode['ports']): Planned {
  const nodeKey = generatePrivateKey();
  const signerKey = role === 'validator' ? generatePrivateKey() : undefined;
  return {
    node: {
      name,
      role,
      dir: name,
      ...(signerKey && { address: privateKeyToAccount(signerKey).address }),
      host,
      ports,
      enode: enodeOf(nodeKey, host, ports.p2p),
    },
    ...(signerKey && { signerKey }),
    nodeKey,
  };
}

/**
 * Creates a Clique network folder: the genesis (the validators as signers), one folder per node
 * (validator-1.., observer-1..) with its encrypted signer key (validators), node key, static peers
 * (every other node) and initialised data directory, and network.json. Built beside the target and
 * renamed into place at the end, so a failure leaves nothing behind.
 */
export async function initNetwork(parameters: InitNetworkParameters): Promise<NetworkConfig> {
  const dir = resolve(parameters.dir);
  const progress = parameters.onProgress ?? (() => {});
  const { validators, observers = 0, period = DEFAULT_PERIOD, gasLimit = DEFAULT_GAS_LIMIT, basePort = DEFAULT_BASE_PORT } = parameters;
  if (!Number.isSafeInteger(validators) || validators < 1) throw new NetworkInitError('a network needs at least one validator');
  if (!Number.isSafeInteger(observers) || observers < 0) throw new NetworkInitError('observers must be 0 or more');
  if (validators + observers > MAX_NODES) throw new NetworkInitError(`at most ${MAX_NODES} nodes on one host`);
  if (!Number.isSafeInteger(period) || period < 1 || period > 3_600) throw new NetworkInitError('the block period is 1 to 3600 seconds');
  if (parameters.epoch !== undefined && (!Number.isSafeInteger(parameters.epoch) || parameters.epoch < 2))
    throw new NetworkInitError('the epoch is at least 2 blocks');
  if (gasLimit < 5_000_000n || gasLimit > 2n ** 63n - 1n) throw new NetworkInitError('the gas limit must be at least 5,000,000');
  const lastPort = nodePorts(basePort, validators + observers - 1).authrpc;
  if (!Number.isSafeInteger(basePort) || basePort < 1024 || lastPort > 65_535)
    throw new NetworkInitError(`ports ${basePort}..${lastPort} do not fit in 1024..65535`);
  checkNewNetworkDir(dir);
  const geth = parameters.geth ?? findGeth();
  const chainId = parameters.chainId ?? randomChainId();

  const planned: Planned[] = [
    ...Array.from({ length: validators }, (_, i) => planNode(`validator-${i + 1}`, 'validator', DEFAULT_HOST, nodePorts(basePort, i))),
    ...Array.from({ length: observers }, (_, i) =>
      planNode(`observer-${i + 1}`, 'observer', DEFAULT_HOST, nodePorts(basePort, validators + i)),
    ),
  ];
  const network: NetworkConfig = {
    version: 1,
    chainId,
    period,
    gasLimit,
    netrestrict: DEFAULT_NETRESTRICT,
    gethVersion: geth.version,
    createdAt: new Date().toISOString(),
    nodes: planned.map((p) => p.node),
  };
  const genesis = cliqueGenesis({
    chainId,
    period,
    gasLimit,
    signers: planned.flatMap((p) => (p.node.address ? [p.node.address] : [])),
    alloc: parameters.fund ?? {},
    timestamp: Math.floor(Date.now() / 1000),
    ...(parameters.epoch !== undefined && { epoch: parameters.epoch }),
  });
  const genesisJson = `${JSON.stringify(genesis, null, 2)}\n`;

  const staging = join(dirname(dir), `.${basename(dir)}.init-${randomBytes(4).toString('hex')}`);
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 }); // `--dir new/net` as well as `--dir net`
  try {
    mkdirSync(staging, { mode: 0o700 });
    progress(
      `creating ${validators} validator${validators === 1 ? '' : 's'} and ${observers} observer${observers === 1 ? '' : 's'} (chain id ${chainId})`,
    );
    await Promise.all(
      planned.map((p) =>
        writeNodeFolder({
          nodeDir: join(staging, p.node.dir),
          config: nodeConfigOf(network, p.node),
          ...(p.signerKey && { signerKey: p.signerKey }),
          nodeKey: p.nodeKey,
          passphrase: parameters.passphrase,
          ...(parameters.scryptN && { scryptN: parameters.scryptN }),
          genesisJson,
          staticNodes: planned.filter((other) => other !== p).map((other) => other.node.enode),
          geth,
        }),
      ),
    );
    await writeFileAtomic(join(staging, GENESIS_FILE), genesisJson, { mode: 0o600 });
    await writeNetworkConfig(staging, network);
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return network;
}
