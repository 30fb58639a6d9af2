import type { Address } from 'viem';
import type { Deployment } from './deployment.js';

/** The contracts a deployment.json may name, fleet included. */
export type DeploymentContractName = keyof Deployment['contracts'];

/** How each contract is named in messages. */
const contractLabels: Record<DeploymentContractName, string> = {
  fleet: 'fleet contract',
  pythiaRegistry: 'Pythia registry',
  deviceIdentity: 'DeviceIdentity contract',
  deviceOwnership: 'DeviceOwnership contract',
  firmwareRegistry: 'firmware registry',
  policyRegistry: 'policy registry',
  consentRegistry: 'consent registry',
  accessLog: 'access log',
  feedMarket: 'feed market',
  recipientBonds: 'recipientBonds contract',
  sharingLog: 'sharingLog contract',
  canaryRegistry: 'canaryRegistry contract',
  deletionRequests: 'deletionRequests contract',
  recipientTerms: 'recipientTerms contract',
  timelock: 'council timelock',
};

/** A command needs a contract that this deployment does not have. */
export class ContractMissingError extends Error {
  constructor(
    readonly contract: DeploymentContractName,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a deployment lacks a contract and what to do, in one sentence. `pythia up` adds the Pythia
 * registry to any deployment, and everything built on device ownership to a deployment that has
 * it; identity and ownership themselves cannot be added to a fleet deployed before them.
 */
function missingContractMessage(deployment: Deployment, name: DeploymentContractName): string {
  const label = contractLabels[name];
  if (name === 'recipientTerms' && deployment.contracts.recipientBonds) {
    return `this deployment's consent suite predates two-sided terms (issue #12: no ${label}): run \`pythia up\` once, which deploys a new suite beside it`;
  }
  if (name === 'deviceIdentity' || name === 'deviceOwnership') {
    return `this deployment has no DeviceIdentity/DeviceOwnership contracts (it predates them): deploy a new node with \`pythia up --data-dir <new dir>\``;
  }
  if (name === 'pythiaRegistry' || deployment.contracts.deviceOwnership) {
    return `this deployment has no ${label}: run \`pythia up\` once to add it (the fleet is kept)`;
  }
  return `this deployment has no ${label}: its fleet predates device identity and ownership, which it needs; deploy a new node with \`pythia up --data-dir <new dir>\``;
}

/** The address of one of the deployment's contracts, or a ContractMissingError that says what to do. */
export function requireContract(deployment: Deployment, name: DeploymentContractName): Address {
  const address = deployment.contracts[name];
  if (address) return address;
  throw new ContractMissingError(name, missingContractMessage(deployment, name));
}
