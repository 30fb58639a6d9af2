import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { getAddress, isAddress, type Address } from 'viem';
import { writeFileAtomic } from '../keystore/index.js';

/**
 * The files that describe a network: `network.json` in the network folder (every node, for the
 * host that runs them all) and `node.json` in each node's folder (everything that one node needs,
 * so that a partner can run its folder alone).
 */
export const NETWORK_FILE = 'network.json';
export const NODE_FILE = 'node.json';

export type NodeRole = 'validator' | 'observer';

export type NodePorts = {
  /** devp2p (TCP), where peers connect. */
  p2p: number;
  /** JSON-RPC over HTTP (eth, net, web3 only), on 127.0.0.1. */
  http: number;
  /** geth's engine API (JWT), on 127.0.0.1; unused by Clique but always opened by geth, so it needs a port of its own. */
  authrpc: number;
};

export type NetworkNode = {
  /** validator-1, observer-1, ... */
  name: string;
  role: NodeRole;
  /** Folder of the node, relative to the network folder. */
  dir: string;
  /** The Clique signer address (validators only); its key is in the node's keystore/. */
  address?: Address;
  /** Address the node listens on for peers and that peers dial. */
  host: string;
  ports: NodePorts;
  /** enode://<node public key>@<host>:<p2p port>, known from the node key made at init. */
  enode: string;
};

export type NetworkConfig = {
  version: 1;
  chainId: number;
  /** Seconds between blocks. */
  period: number;
  gasLimit: bigint;
  /** geth's --netrestrict: the IP networks (CIDR, comma-separated) peers may come from. */
  netrestrict: string;
  gethVersion: string;
  createdAt: string;
  nodes: NetworkNode[];
};

/** One node's own description (node.json): the network's parameters and its entry, without the folder. */
export type NodeConfig = Omit<NetworkConfig, 'nodes'> & { node: Omit<NetworkNode, 'dir'> };

export class NetworkConfigError extends Error {
  override readonly name = 'NetworkConfigError';
}

const ENODE = /^enode:\/\/[0-9a-f]{128}@[^:@\s]+:\d{1,5}$/;
const NAME = /^[a-z][a-z0-9-]{0,39}$/;

type Json = Record<string, unknown>;

function fail(where: string, message: string): never {
  throw new NetworkConfigError(`${where}: ${message}`);
}

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'must be an object');
  return value as Json;
}

function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    fail(where, `must be an integer from ${min} to ${max}`);
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(where, 'must be a non-empty string');
  return value;
}

function port(value: unknown, where: string): number {
  return integer(value, where, 1, 65_535);
}

function parseNode(value: unknown, where: string, withDir: boolean): NetworkNode {
  const n = object(value, where);
  const name = text(n.name, `${where}.name`);
  if (!NAME.test(name)) fail(`${where}.name`, 'lowercase letters, digits and dashes, starting with a letter');
  const role = n.role;
  if (role !== 'validator' && role !== 'observer') fail(`${where}.role`, 'must be "validator" or "observer"');
  let dir = '.';
  if (withDir) {
    dir = text(n.dir, `${where}.dir`);
    const normalized = normalize(dir);
    if (isAbsolute(dir) || normalized.startsWith('..') || normalized.includes(`${sep}..`))
      fail(`${where}.dir`, 'must be a folder inside the network folder');
  }
  let address: Address | undefined;
  if (role === 'validator') {
    if (typeof n.address !== 'string' || !isAddress(n.address, { strict: false }))
      fail(`${where}.address`, 'a validator needs its signer address');
    address = getAddress(n.address);
  } else if (n.address !== undefined) fail(`${where}.address`, 'an observer has no signer address');
  const host = text(n.host, `${where}.host`);
  const ports = object(n.ports, `${where}.ports`);
  const enode = text(n.enode, `${where}.enode`);
  if (!ENODE.test(enode)) fail(`${where}.enode`, 'must be enode://<128 hex digits>@<host>:<port>');
  return {
    name,
    role,
    dir,
    ...(address && { address }),
    host,
    ports: {
      p2p: port(ports.p2p, `${where}.ports.p2p`),
      http: port(ports.http, `${where}.ports.http`),
      authrpc: port(ports.authrpc, `${where}.ports.authrpc`),
    },
    enode,
  };
}

function parseCommon(c: Json, where: string): Omit<NetworkConfig, 'nodes'> {
  if (c.version !== 1) fail(`${where}.version`, 'must be 1');
  if (typeof c.gasLimit !== 'string' || !/^\d{4,20}$/.test(c.gasLimit)) fail(`${where}.gasLimit`, 'must be a decimal string');
  return {
    version: 1,
    chainId: integer(c.chainId, `${where}.chainId`, 1, 2 ** 53 - 1),
    period: integer(c.period, `${where}.period`, 1, 3_600),
    gasLimit: BigInt(c.gasLimit),
    netrestrict: text(c.netrestrict, `${where}.netrestrict`),
    gethVersion: text(c.gethVersion, `${where}.gethVersion`),
    createdAt: text(c.createdAt, `${where}.createdAt`),
  };
}

/** Validates a network.json document. */
export function parseNetworkConfig(value: unknown, where = NETWORK_FILE): NetworkConfig {
  const c = object(value, where);
  const common = parseCommon(c, where);
  if (!Array.isArray(c.nodes) || c.nodes.length === 0) fail(`${where}.nodes`, 'must list at least one node');
  const nodes = c.nodes.map((n, i) => parseNode(n, `${where}.nodes[${i}]`, true));
  const seen = new Set<string>();
  for (const key of nodes.flatMap((n) => [`name ${n.name}`, `folder ${normalize(n.dir)}`, `node key ${n.enode.split('@')[0]}`])) {
    if (seen.has(key)) fail(`${where}.nodes`, `two nodes have the same ${key}`);
    seen.add(key);
  }
  const ports = nodes.flatMap((n) => [n.ports.p2p, n.ports.http, n.ports.authrpc].map((p) => `${n.host}:${p}`));
  const duplicate = ports.find((p, i) => ports.indexOf(p) !== i);
  if (duplicate) fail(`${where}.nodes`, `two listeners on ${duplicate}`);
  if (!nodes.some((n) => n.role === 'validator')) fail(`${where}.nodes`, 'a network needs at least one validator');
  return { ...common, nodes };
}

/** Validates a node.json document. */
export function parseNodeConfig(value: unknown, where = NODE_FILE): NodeConfig {
  const c = object(value, where);
  const { dir: _dir, ...node } = parseNode(c.node, `${where}.node`, false);
  return { ...parseCommon(c, where), node };
}

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new NetworkConfigError(`${path} not found`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NetworkConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

const toJson = (value: object) => `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;

export function readNetworkConfig(networkDir: string): NetworkConfig {
  const path = join(networkDir, NETWORK_FILE);
  if (!existsSync(path))
    throw new NetworkConfigError(`${networkDir} is not a network folder (no ${NETWORK_FILE}): create one with \`pythia network init\``);
  return parseNetworkConfig(readJson(path), path);
}

export function readNodeConfig(nodeDir: string): NodeConfig {
  return parseNodeConfig(readJson(join(nodeDir, NODE_FILE)), join(nodeDir, NODE_FILE));
}

/** Writes network.json atomically (a crash leaves the old or the new file, never half of one). */
export async function writeNetworkConfig(networkDir: string, config: NetworkConfig): Promise<void> {
  parseNetworkConfig(JSON.parse(toJson(config)));
  await writeFileAtomic(join(networkDir, NETWORK_FILE), toJson(config), { mode: 0o600 });
}

export async function writeNodeConfig(nodeDir: string, config: NodeConfig): Promise<void> {
  parseNodeConfig(JSON.parse(toJson(config)));
  await writeFileAtomic(join(nodeDir, NODE_FILE), toJson(config), { mode: 0o600 });
}

/** The node.json of a network's node. */
export function nodeConfigOf(network: NetworkConfig, node: NetworkNode): NodeConfig {
  const { nodes: _nodes, ...common } = network;
  const { dir: _dir, ...own } = node;
  return { ...common, node: own };
}

/** A node by name, or by 1-based validator number ("2" = validator-2). */
export function findNode(network: NetworkConfig, nameOrNumber: string): NetworkNode {
  const name = /^\d+$/.test(nameOrNumber) ? `validator-${Number(nameOrNumber)}` : nameOrNumber;
  const node = network.nodes.find((n) => n.name === name);
  if (!node) throw new NetworkConfigError(`no node ${name} in this network (nodes: ${network.nodes.map((n) => n.name).join(', ')})`);
  return node;
}
