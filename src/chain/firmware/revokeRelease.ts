import type { Hex, LocalAccount } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { revocationTypedData, type FirmwareDomainParameters } from '../../protocol/firmwareTypedData.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { sortSignatures, type ReleaseSignature } from './signManifest.js';

export type RevokeReleaseParameters = WriteContext & { releaseId: Hex; reason: string };

/**
 * Revokes a release no device reported running yet, for good: the class's manufacturer. A release
 * devices run is refused (ReleaseInstalled): revoking it needs the release keys (revokeReleaseWithKeys).
 */
export function revokeRelease(parameters: RevokeReleaseParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, releaseId, reason } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'revokeRelease',
    args: [releaseId, reason],
  });
}

export type SignRevocationParameters = FirmwareDomainParameters & { key: LocalAccount; releaseId: Hex };

/** Signs the revocation of a release with one CURRENT release key (EIP-712 ReleaseRevocation). */
export async function signRevocation({ key, ...parameters }: SignRevocationParameters): Promise<ReleaseSignature> {
  return { signer: key.address, signature: await key.signTypedData(revocationTypedData(parameters)) };
}

export type RevokeReleaseWithKeysParameters = RevokeReleaseParameters & {
  /** At least the class's threshold of signatures by its current release keys (signRevocation); any order. */
  signatures: readonly ReleaseSignature[];
};

/** Revokes any release, installed or not, with a threshold of the class's release keys (anyone submits). */
export function revokeReleaseWithKeys(parameters: RevokeReleaseWithKeysParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, releaseId, reason, signatures } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'revokeReleaseWithKeys',
    args: [releaseId, reason, sortSignatures(signatures)],
  });
}
