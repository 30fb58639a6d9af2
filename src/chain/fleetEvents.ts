import { BaseError, isAddressEqual, ResponseBodyTooLargeError, type Address, type Hash, type Log, type PublicClient } from 'viem';
import { flagReasonNames, skipReasonName, type DeviceStatusName, type FlagReason } from '../protocol/reasons.js';
import { decodeFleetLog } from './decodeFleetLog.js';

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
  return fleetEventsOfLogs(await fleetLogs(publicClient, fleet, fromBlock, toBlock));
}

/**
 * The fleet's logs of a block range; a range whose answer is too large for one response (viem
 * reads at most 10 MB, about 18,000 readings' events) is read in halves.
 */
async function fleetLogs(publicClient: PublicClient, fleet: Address, fromBlock: bigint, toBlock: bigint): Promise<Log[]> {
  try {
    return await publicClient.getLogs({ address: fleet, fromBlock, toBlock });
  } catch (error) {
    const tooLarge = error instanceof BaseError && error.walk((e) => e instanceof ResponseBodyTooLargeError) !== null;
    if (!tooLarge || toBlock === fromBlock) throw error;
    const middle = (fromBlock + toBlock) / 2n;
    return [...(await fleetLogs(publicClient, fleet, fromBlock, middle)), ...(await fleetLogs(publicClient, fleet, middle + 1n, toBlock))];
  }
}

/** The fleet's events among mined logs (a receipt's, or getLogs'), in order; `fleet` keeps only that contract's. */
export function fleetEventsOfLogs(logs: readonly Log[], fleet?: Address): FleetEvent[] {
  const out: FleetEvent[] = [];
  for (const log of logs) {
    if (log.topics.length === 0 || (fleet !== undefined && !isAddressEqual(log.address, fleet))) continue;
    const at = { transactionHash: log.transactionHash!, blockNumber: log.blockNumber! };
    const event = decodeFleetLog(log);
    switch (event.kind) {
      case 'registered':
      case 'status':
      case 'accepted':
        out.push({ ...at, ...event });
        break;
      case 'flagged':
        out.push({
          ...at,
          kind: 'flagged',
          device: event.device,
          sequence: event.sequence,
          reasons: flagReasonNames(event.reasonBits),
          metric: event.metric,
          value: event.value,
        });
        break;
      case 'skipped':
        out.push({ ...at, kind: 'skipped', device: event.device, sequence: event.sequence, reason: skipReasonName(event.reason) });
        break;
      case 'classProfile':
        out.push({ ...at, kind: 'profile', classId: event.classId, version: event.version });
        break;
      case 'deviceProfile':
        out.push({ ...at, kind: 'profile', device: event.device, version: event.version });
        break;
      default:
        break;
    }
  }
  return out;
}
