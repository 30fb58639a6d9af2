import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../keystore/index.js';
import { findGeth, type GethBinary } from './findGeth.js';
import { gethConfigToml } from './gethConfigToml.js';
import { GENESIS_FILE, MAX_NODES, PORTS_PER_NODE, planNode } from './initNetwork.js';
import { nodeConfigOf, readNetworkConfig, writeNetworkConfig, type NetworkNode, type NodeRole } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';
import { writeNodeFolder } from './writeNodeFolder.js';

export type AddNetworkNodeParameters = {
  /** An existing network folder. */
  dir: string;
  role: NodeRole;
  /** Encrypts a new validator's signer key. */
  passphrase?: string;
  scryptN?: number;
  geth?: GethBinary;
};

export class AddNodeError extends Error {
  override readonly name = 'AddNodeError';
}

/**
 * Adds a node to a network folder: a new partner's validator (which seals once the validators
 * vote it in: `pythia network propose <address> add`) or an observer. It gets the next name and
 * ports, the network's genesis, every other node as a static peer, and every other node whose folder
 * is on this host gets it (in config.toml, read when that node next starts; the new node dials the
 * running ones itself).
 */
export async function addNetworkNode(parameters: AddNetworkNodeParameters): Promise<NetworkNode> {
  const dir = resolve(parameters.dir);
  const network = readNetworkConfig(dir);
  if (network.nodes.length >= MAX_NODES) throw new AddNodeError(`at most ${MAX_NODES} nodes on one host`);
  if (parameters.role === 'validator' && parameters.passphrase === undefined)
    throw new AddNodeError('a validator needs a passphrase for its signer key');
  const geth = parameters.geth ?? findGeth();
  const genesisPath = join(dir, GENESIS_FILE);
  if (!existsSync(genesisPath)) throw new AddNodeError(`${genesisPath} is missing`);
  const genesisJson = readFileSync(genesisPath, 'utf8');

  const numbers = network.nodes.filter((n) => n.role === parameters.role).map((n) => Number(/-(\d+)$/.exec(n.name)?.[1] ?? 0));
  const name = `${parameters.role}-${Math.max(0, ...numbers) + 1}`;
  const p2p = Math.max(...network.nodes.map((n) => n.ports.p2p)) + PORTS_PER_NODE;
  if (p2p + 2 > 65_535) throw new AddNodeError('no ports left above the existing nodes');
  const host = network.nodes[0]!.host;
  const planned = planNode(name, parameters.role, host, { p2p, http: p2p + 1, authrpc: p2p + 2 });
  if (existsSync(join(dir, name))) throw new AddNodeError(`${join(dir, name)} exists already`);
  const updated = { ...network, nodes: [...network.nodes, planned.node] };

  const staging = join(dir, `.${name}.add-${randomBytes(4).toString('hex')}`);
  try {
    await writeNodeFolder({
      nodeDir: staging,
      config: nodeConfigOf(updated, planned.node),
      ...(planned.signerKey && { signerKey: planned.signerKey }),
      nodeKey: planned.nodeKey,
      ...(parameters.passphrase !== undefined && { passphrase: parameters.passphrase }),
      ...(parameters.scryptN && { scryptN: parameters.scryptN }),
      genesisJson,
      staticNodes: network.nodes.map((n) => n.enode),
      geth,
    });
    renameSync(staging, join(dir, name));
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  await writeNetworkConfig(dir, updated);
  for (const other of network.nodes) {
    const nodeDir = join(dir, other.dir);
    // A partner adding its own node on its own host has only network.json and the genesis of the others.
    if (!existsSync(nodeDir)) continue;
    const peers = updated.nodes.filter((n) => n !== other).map((n) => n.enode);
    await writeFileAtomic(
      nodePaths(nodeDir).gethConfig,
      gethConfigToml({ listenAddr: `${other.host}:${other.ports.p2p}`, staticNodes: peers }),
      {
        mode: 0o600,
      },
    );
  }
  return planned.node;
}
