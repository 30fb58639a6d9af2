import type { Address } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from '../sendContractTransaction.js';
import { updatePolicyNames, type UpdatePolicyName } from '../../protocol/firmwareTypedData.js';

export type SetUpdatePolicyParameters = WriteContext & { device: Address; policy: UpdatePolicyName };

/** Sets a device's update policy for the current ownership epoch: the device's owner. */
export function setUpdatePolicy(parameters: SetUpdatePolicyParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, device, policy } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: firmwareRegistryAbi,
    functionName: 'setUpdatePolicy',
    args: [device, updatePolicyNames.indexOf(policy)],
  });
}
