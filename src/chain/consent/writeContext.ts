import type { Account, Address } from 'viem';
import type { ChainClients } from '../clients.js';
import type { Deployment } from '../deployment.js';

/** What every consent transaction needs: the chain, the sender (an owner) and the registry. */
export type ConsentWriteContext = { clients: ChainClients; account: Account; registry: Address };

export class ConsentRegistryMissingError extends Error {}

/** The consent registry of a deployment, or a clear error for a deployment without one. */
export function consentRegistryAddress(deployment: Deployment): Address {
  const address = deployment.contracts.consentRegistry;
  if (address) return address;
  throw new ConsentRegistryMissingError(
    deployment.contracts.deviceOwnership
      ? 'this deployment has no consent registry: run `pythia up` once to add it (the fleet is kept)'
      : 'this deployment has no consent registry: its fleet predates device ownership, which consents are keyed by',
  );
}
