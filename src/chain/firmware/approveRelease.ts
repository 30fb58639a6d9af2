import type { Address, Hex } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';

export type ApproveReleaseParameters = WriteContext & {
  device: Address;
  releaseId: Hex;
  /** false withdraws an approval. Default true. */
  approved?: boolean;
};

/** Approves a release for a device in the current ownership epoch: the device's owner. */
export function approveRelease(parameters: ApproveReleaseParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, device, releaseId, approved = true } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'setReleaseApproval',
    args: [device, releaseId, approved],
  });
}
