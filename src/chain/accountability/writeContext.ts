import type { Account, Address, Hex } from 'viem';
import type { ChainClients } from '../clients.js';
import type { Deployment } from '../deployment.js';

/** What every accountability transaction needs: the chain, the sender and the contract. */
export type AccountabilityWriteContext = { clients: ChainClients; account: Account; address: Address };

/** The accountability contracts (issues #5, #12), by their deployment.json names. */
export type AccountabilityContract = 'recipientBonds' | 'sharingLog' | 'canaryRegistry' | 'deletionRequests' | 'recipientTerms';

export class AccountabilityContractMissingError extends Error {}

/** A contract of the deployment, or a clear error for a deployment without it. */
export function accountabilityAddress(deployment: Deployment, name: AccountabilityContract): Address {
  const address = deployment.contracts[name];
  if (address) return address;
  if (deployment.contracts.recipientBonds) {
    throw new AccountabilityContractMissingError(
      `this deployment's consent suite predates two-sided terms (issue #12: no ${name}); run \`pythia up\` with this version, which deploys a new suite beside it`,
    );
  }
  throw new AccountabilityContractMissingError(
    `this deployment has no ${name} contract: it comes with the consent and policy registries (issue #5); run \`pythia up\` with a version that deploys them`,
  );
}

/** The first log of `address` decoded as `eventName`, for the id an action returns. */
export type RawLog = { address: Address; data: Hex; topics: [Hex, ...Hex[]] };
