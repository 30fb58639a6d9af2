import type { Account, Address } from 'viem';
import type { ChainClients } from '../clients.js';
import type { Deployment } from '../deployment.js';

/** What every policy transaction needs: the chain, the sender and the registry. */
export type PolicyWriteContext = { clients: ChainClients; account: Account; registry: Address };

export class PolicyRegistryMissingError extends Error {}

/** The policy registry of a deployment, or a clear error for a deployment without one. */
export function policyRegistryAddress(deployment: Deployment): Address {
  const address = deployment.contracts.policyRegistry;
  if (address) return address;
  throw new PolicyRegistryMissingError('this deployment has no policy registry: run `pythia up` once to add it (the fleet is kept)');
}
