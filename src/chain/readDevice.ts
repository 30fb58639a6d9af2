import type { Address, Hex } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import type { ChainClients } from './clients.js';
import type { Deployment } from './deployment.js';
import { deviceStatusNames, type DeviceStatusName } from '../protocol/reasons.js';

export type DeviceSummary = {
  device: Address;
  status: DeviceStatusName;
  classId: number;
  hasOwnProfile: boolean;
  lastSequence: string;
  lastTimestamp: number;
  lastValues: number[];
  flags: number;
  flagsInWindow: number;
  autoSuspensions: number;
  publicKey: Hex;
};

/** One device as the fleet contract sees it, with enums as names and big numbers as strings. */
export async function readDeviceView(
  context: Pick<ChainClients, 'publicClient'> & { deployment: Deployment },
  device: Address,
): Promise<DeviceSummary> {
  const view = await context.publicClient.readContract({
    address: context.deployment.contracts.fleet,
    abi: pythiaFleetAbi,
    functionName: 'getDevice',
    args: [device],
  });
  return {
    device,
    status: deviceStatusNames[Number(view.status)] ?? 'none',
    classId: Number(view.classId),
    hasOwnProfile: view.hasOwnProfile,
    lastSequence: view.lastSequence.toString(),
    lastTimestamp: Number(view.lastTimestamp),
    lastValues: view.lastValues.map(Number),
    flags: Number(view.flags),
    flagsInWindow: Number(view.flagsInWindow),
    autoSuspensions: Number(view.autoSuspensions),
    publicKey: view.publicKey,
  };
}
