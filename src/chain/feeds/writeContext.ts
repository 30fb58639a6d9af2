import type { Account, Address } from 'viem';
import type { ChainClients } from '../clients.js';
import type { Deployment } from '../deployment.js';

/** What every feed market transaction needs: the chain, the sender and the market. */
export type FeedWriteContext = { clients: ChainClients; account: Account; market: Address };

export class FeedMarketMissingError extends Error {}

/** The feed market of a deployment, or a clear error for a deployment without one. */
export function feedMarketAddress(deployment: Deployment): Address {
  const address = deployment.contracts.feedMarket;
  if (address) return address;
  throw new FeedMarketMissingError(
    'this deployment has no feed market: run `pythia up`, which adds it with the consent registry (issue #5)',
  );
}
