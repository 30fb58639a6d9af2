import type { Address, Hex } from 'viem';
import type { ChainClients } from './clients.js';
import type { Deployment } from './deployment.js';
import { listTrustedPythiaKeys } from './pythiaRegistry.js';

export type ProvisioningBundleFieldsParameters = Pick<ChainClients, 'publicClient'> & {
  deployment: Pick<Deployment, 'chainId' | 'contracts' | 'gatewayUrl'>;
  /** This node's Pythia key: listed first (the device's default gateway signs with it). */
  pythiaKey: { address: Address; publicKey: Hex };
  requireAttested: boolean;
  freshness: { maxAgeSeconds: number; maxAgeBlocks: number };
  /** A Clique chain's genesis validators (block 0's extra-data): a device that trusts the chain starts from them. */
  clique?: readonly Address[] | undefined;
  /** The chain's Clique epoch (blocks between checkpoints), with clique. */
  cliqueEpoch?: number;
};

/**
 * What a provisioning bundle of this deployment holds (the sdk's ProvisioningBundle, which
 * parseProvisioningBundle validates): the chain, the contracts a device talks to, the Pythia keys
 * the registry trusts now (this node's first), the attestation policy and freshness bounds, and
 * the gateway, and on a Clique chain its validators. A deployment without a registry can only vouch for its own key, as unattested.
 */
export async function provisioningBundleFields(parameters: ProvisioningBundleFieldsParameters) {
  const { deployment, pythiaKey } = parameters;
  const registry = deployment.contracts.pythiaRegistry;
  const pythiaKeys = registry
    ? (await listTrustedPythiaKeys({ publicClient: parameters.publicClient, registry })).map((k) => ({
        address: k.key,
        publicKey: k.publicKey!,
        attested: k.attested,
        ...(k.measurement ? { measurement: k.measurement } : {}),
      }))
    : [{ address: pythiaKey.address, publicKey: pythiaKey.publicKey, attested: false }];
  pythiaKeys.sort((a, b) => Number(b.address === pythiaKey.address) - Number(a.address === pythiaKey.address));
  return {
    version: 1 as const,
    chainId: deployment.chainId,
    contracts: {
      fleet: deployment.contracts.fleet,
      ...(registry && { pythiaRegistry: registry }),
      ...(deployment.contracts.deviceOwnership && { deviceOwnership: deployment.contracts.deviceOwnership }),
      ...(deployment.contracts.firmwareRegistry && { firmwareRegistry: deployment.contracts.firmwareRegistry }),
      ...(deployment.contracts.consentRegistry && { consentRegistry: deployment.contracts.consentRegistry }),
    },
    pythiaKeys,
    attestationPolicy: { requireAttested: parameters.requireAttested },
    freshness: parameters.freshness,
    gatewayUrls: [deployment.gatewayUrl],
    ...(parameters.clique &&
      parameters.cliqueEpoch !== undefined && { clique: { epoch: parameters.cliqueEpoch, validators: [...parameters.clique] } }),
  };
}
