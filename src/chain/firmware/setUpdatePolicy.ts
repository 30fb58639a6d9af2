import type { Address } from 'viem';
import { firmwareRegistryAbi } from '../../contracts/abis.js';
import { sendContractTransaction, type SendContractTransactionReturnType } from '../sendContractTransaction.js';
import { updatePolicyNames, type UpdatePolicyName } from '../../protocol/firmwareTypedData.js';
import type { FirmwareWriteContext } from './writeContext.js';

export type SetUpdatePolicyParameters = FirmwareWriteContext & { device: Address; policy: UpdatePolicyName };

/** Sets a device's update policy for the current ownership epoch: the device's owner. */
export function setUpdatePolicy(parameters: SetUpdatePolicyParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, registry, device, policy } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address: registry,
    abi: firmwareRegistryAbi,
    functionName: 'setUpdatePolicy',
    args: [device, updatePolicyNames.indexOf(policy)],
  });
}
