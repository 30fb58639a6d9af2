import type { Account, Address } from 'viem';
import type { ChainClients } from '../clients.js';
import type { Deployment } from '../deployment.js';

/** What every firmware transaction needs: the chain, the sender and the registry. */
export type FirmwareWriteContext = { clients: ChainClients; account: Account; registry: Address };

export class FirmwareRegistryMissingError extends Error {}

/** The firmware registry of a deployment, or a clear error for a deployment without one. */
export function firmwareRegistryAddress(deployment: Deployment): Address {
  const address = deployment.contracts.firmwareRegistry;
  if (address) return address;
  throw new FirmwareRegistryMissingError(
    deployment.contracts.deviceOwnership
      ? 'this deployment has no firmware registry: run `pythia up` once to add it (the fleet is kept)'
      : 'this deployment has no firmware registry: its fleet predates device identity and ownership, which the registry needs',
  );
}
