import type { Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { sortSignatures, type ReleaseSignature } from './signManifest.js';
import { releaseIdOf, type FirmwareManifest } from '../../protocol/firmwareTypedData.js';

export type PublishReleaseParameters = WriteContext & {
  manifest: FirmwareManifest;
  /** At least the class's threshold of release key signatures (signManifest); any order. */
  signatures: readonly ReleaseSignature[];
};

export type PublishReleaseReturnType = SendContractTransactionReturnType & { releaseId: Hex };

/**
 * Publishes a threshold-signed manifest (anyone may submit). The signatures are sent sorted by
 * signer address, ascending, as the registry requires.
 */
export async function publishRelease(parameters: PublishReleaseParameters): Promise<PublishReleaseReturnType> {
  const { clients, account, address, manifest, signatures } = parameters;
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'publishRelease',
    args: [manifest, sortSignatures(signatures)],
  });
  return { ...sent, releaseId: releaseIdOf(manifest.classId, manifest.sequence) };
}
