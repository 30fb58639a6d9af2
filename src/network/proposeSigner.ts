import { join, resolve } from 'node:path';
import { getAddress, type Address } from 'viem';
import { ipcRequest } from './ipcClient.js';
import { findNode, readNetworkConfig } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';
import { readNodeProcess } from './nodeProcess.js';
import type { SignerVote } from './readNodeStatus.js';

export type ProposeSignerParameters = {
  dir: string;
  /** The validator that votes: its name, or its number (2 = validator-2). */
  validator: string;
  address: Address;
  /** add / remove a signer, or discard this validator's pending vote on the address. */
  vote: 'add' | 'remove' | 'discard';
};

export type ProposeSignerReturnType = {
  validator: string;
  address: Address;
  vote: ProposeSignerParameters['vote'];
  proposals: SignerVote[];
};

export class ProposeError extends Error {
  override readonly name = 'ProposeError';
}

/**
 * One validator's vote to add or remove a signer (clique_propose over its IPC socket). The node
 * casts the vote in each block it seals until the vote passes; a change needs the votes of more
 * than half of the current signers, each from its own validator.
 */
export async function proposeSigner(parameters: ProposeSignerParameters): Promise<ProposeSignerReturnType> {
  const dir = resolve(parameters.dir);
  const network = readNetworkConfig(dir);
  const node = findNode(network, parameters.validator);
  if (node.role !== 'validator') throw new ProposeError(`${node.name} is an observer: only validators vote`);
  const nodeDir = join(dir, node.dir);
  if (readNodeProcess(nodeDir).state !== 'running')
    throw new ProposeError(`${node.name} is not running: start it first (pythia network up)`);
  const address = getAddress(parameters.address);
  const { ipcPath } = nodePaths(nodeDir);
  if (parameters.vote === 'discard') await ipcRequest(ipcPath, 'clique_discard', [address]);
  else await ipcRequest(ipcPath, 'clique_propose', [address, parameters.vote === 'add']);
  const proposals = await ipcRequest<Record<string, boolean>>(ipcPath, 'clique_proposals');
  return {
    validator: node.name,
    address,
    vote: parameters.vote,
    proposals: Object.entries(proposals).map(([a, add]) => ({ address: getAddress(a), vote: add ? 'add' : 'remove' })),
  };
}
