import { decodeEventLog, getAbiItem, getAddress, toEventSelector, type Address, type Hex } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import type { Profile } from '../protocol/profile.js';
import { deviceStatusNames, type DeviceStatusName } from '../protocol/reasons.js';
import type { ReceiptLog } from './types.js';

/** A fleet event of a receipt, decoded: what the chain recorded. */
export type FleetLog = { logIndex: number } & (
  | { kind: 'accepted'; device: Address; sequence: bigint }
  | { kind: 'flagged'; device: Address; sequence: bigint; reasonBits: number; metric: number; value: number }
  | { kind: 'skipped'; device: Address; sequence: bigint; reason: number }
  | { kind: 'status'; device: Address; previous: DeviceStatusName; current: DeviceStatusName; by: Address }
  | { kind: 'registered'; device: Address; classId: number }
  | { kind: 'keyRotated'; device: Address; newSigner: Address }
  | { kind: 'classProfile'; classId: number; profile: Profile }
  | { kind: 'deviceProfile'; device: Address; profile: Profile }
  | { kind: 'deviceProfileCleared'; device: Address }
  | { kind: 'deviceFlagged'; device: Address; reasons: number }
  | { kind: 'role'; role: Hex; account: Address; granted: boolean }
  | { kind: 'other'; name: string }
);

export const isReadingOutcomeLog = (log: FleetLog): log is Extract<FleetLog, { kind: 'accepted' | 'flagged' | 'skipped' }> =>
  log.kind === 'accepted' || log.kind === 'flagged' || log.kind === 'skipped';

/** Most logs of a batch are ReadingAccepted: decoded by hand (device in topic 1, sequence in data). */
const READING_ACCEPTED = toEventSelector(getAbiItem({ abi: pythiaFleetAbi, name: 'ReadingAccepted' }));

const plainProfile = (p: Profile): Profile => ({ ...p, minValue: [...p.minValue], maxValue: [...p.maxValue], maxDelta: [...p.maxDelta] });

/** Decodes the logs the fleet emitted (others are left out), in log order. Undecodable logs are `other`. */
export function decodeFleetLogs(logs: readonly ReceiptLog[], fleet: Address): FleetLog[] {
  const address = fleet.toLowerCase();
  const out: FleetLog[] = [];
  for (const log of logs) {
    if (log.address.toLowerCase() !== address) continue;
    const at = { logIndex: log.logIndex };
    if (log.topics[0] === READING_ACCEPTED && log.topics.length === 2 && log.data.length === 66) {
      out.push({ ...at, kind: 'accepted', device: getAddress(`0x${log.topics[1]!.slice(26)}`), sequence: BigInt(log.data) });
      continue;
    }
    let event;
    try {
      event = decodeEventLog({ abi: pythiaFleetAbi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
    } catch {
      out.push({ ...at, kind: 'other', name: log.topics[0] ?? 'anonymous' });
      continue;
    }
    const a = event.args as Record<string, unknown>;
    switch (event.eventName) {
      case 'ReadingAccepted':
        out.push({ ...at, kind: 'accepted', device: a.device as Address, sequence: a.sequence as bigint });
        break;
      case 'ReadingFlagged':
        out.push({
          ...at,
          kind: 'flagged',
          device: a.device as Address,
          sequence: a.sequence as bigint,
          reasonBits: Number(a.reasons),
          metric: Number(a.metric),
          value: Number(a.value),
        });
        break;
      case 'ReadingSkipped':
        out.push({ ...at, kind: 'skipped', device: a.device as Address, sequence: a.sequence as bigint, reason: Number(a.reason) });
        break;
      case 'DeviceStatusChanged':
        out.push({
          ...at,
          kind: 'status',
          device: a.device as Address,
          previous: deviceStatusNames[Number(a.previous)] ?? 'none',
          current: deviceStatusNames[Number(a.current)] ?? 'none',
          by: a.by as Address,
        });
        break;
      case 'DeviceRegistered':
        out.push({ ...at, kind: 'registered', device: a.device as Address, classId: Number(a.classId) });
        break;
      case 'DeviceKeyRotated':
        out.push({ ...at, kind: 'keyRotated', device: a.device as Address, newSigner: a.newSigner as Address });
        break;
      case 'ClassProfileSet':
        out.push({ ...at, kind: 'classProfile', classId: Number(a.classId), profile: plainProfile(a.profile as Profile) });
        break;
      case 'DeviceProfileSet':
        out.push({ ...at, kind: 'deviceProfile', device: a.device as Address, profile: plainProfile(a.profile as Profile) });
        break;
      case 'DeviceProfileCleared':
        out.push({ ...at, kind: 'deviceProfileCleared', device: a.device as Address });
        break;
      case 'DeviceFlagged':
        out.push({ ...at, kind: 'deviceFlagged', device: a.device as Address, reasons: Number(a.reasons) });
        break;
      case 'RoleGranted':
      case 'RoleRevoked':
        out.push({ ...at, kind: 'role', role: a.role as Hex, account: a.account as Address, granted: event.eventName === 'RoleGranted' });
        break;
      default:
        out.push({ ...at, kind: 'other', name: event.eventName });
    }
  }
  return out;
}
