import { parseEventLogs, type Address, type Hash, type PublicClient } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { deviceStatusNames, flagReasonNames, skipReasonName, type DeviceStatusName, type FlagReason } from '../protocol/reasons.js';

type Located = { transactionHash: Hash; blockNumber: bigint };

/** The fleet contract's events, decoded into plain objects: the accounting log of the fleet. */
export type FleetEvent = Located &
  (
    | { kind: 'registered'; device: Address; classId: number }
    | { kind: 'status'; device: Address; previous: DeviceStatusName; current: DeviceStatusName; by: Address; reason: string }
    | { kind: 'accepted'; device: Address; sequence: bigint }
    | { kind: 'flagged'; device: Address; sequence: bigint; reasons: FlagReason[]; metric: number; value: number }
    | { kind: 'skipped'; device: Address; sequence: bigint; reason: string }
    | { kind: 'profile'; classId?: number; device?: Address; version: number }
  );

export async function readFleetEvents(
  publicClient: PublicClient,
  fleet: Address,
  fromBlock: bigint,
  toBlock: bigint,
): Promise<FleetEvent[]> {
  if (toBlock < fromBlock) return [];
  const logs = await publicClient.getLogs({ address: fleet, fromBlock, toBlock });
  const out: FleetEvent[] = [];
  for (const log of parseEventLogs({ abi: pythiaFleetAbi, logs })) {
    const at = { transactionHash: log.transactionHash!, blockNumber: log.blockNumber! };
    const a = log.args as Record<string, unknown>;
    switch (log.eventName) {
      case 'DeviceRegistered':
        out.push({ ...at, kind: 'registered', device: a.device as Address, classId: Number(a.classId) });
        break;
      case 'DeviceStatusChanged':
        out.push({
          ...at,
          kind: 'status',
          device: a.device as Address,
          previous: deviceStatusNames[Number(a.previous)]!,
          current: deviceStatusNames[Number(a.current)]!,
          by: a.by as Address,
          reason: a.reason as string,
        });
        break;
      case 'ReadingAccepted':
        out.push({ ...at, kind: 'accepted', device: a.device as Address, sequence: a.sequence as bigint });
        break;
      case 'ReadingFlagged':
        out.push({
          ...at,
          kind: 'flagged',
          device: a.device as Address,
          sequence: a.sequence as bigint,
          reasons: flagReasonNames(Number(a.reasons)),
          metric: Number(a.metric),
          value: Number(a.value),
        });
        break;
      case 'ReadingSkipped':
        out.push({
          ...at,
          kind: 'skipped',
          device: a.device as Address,
          sequence: a.sequence as bigint,
          reason: skipReasonName(Number(a.reason)),
        });
        break;
      case 'ClassProfileSet':
        out.push({ ...at, kind: 'profile', classId: Number(a.classId), version: Number(a.version) });
        break;
      case 'DeviceProfileSet':
        out.push({ ...at, kind: 'profile', device: a.device as Address, version: Number(a.version) });
        break;
      default:
        break;
    }
  }
  return out;
}
