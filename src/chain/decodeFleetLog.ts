import { decodeEventLog, getAbiItem, getAddress, toEventSelector, type Address, type Hex } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import type { Profile } from '../protocol/profile.js';
import { deviceStatusNames, type DeviceStatusName } from '../protocol/reasons.js';

/** One event of the fleet contract, decoded into a plain object (enums as in the ABI, reasons as bits). */
export type FleetLogEvent =
  | { kind: 'accepted'; device: Address; sequence: bigint }
  | { kind: 'flagged'; device: Address; sequence: bigint; reasonBits: number; metric: number; value: number }
  | { kind: 'skipped'; device: Address; sequence: bigint; reason: number }
  | { kind: 'status'; device: Address; previous: DeviceStatusName; current: DeviceStatusName; by: Address; reason: string }
  | { kind: 'registered'; device: Address; classId: number }
  | { kind: 'keyRotated'; device: Address; newSigner: Address }
  | { kind: 'classProfile'; classId: number; version: number; profile: Profile }
  | { kind: 'deviceProfile'; device: Address; version: number; profile: Profile }
  | { kind: 'deviceProfileCleared'; device: Address }
  | { kind: 'deviceFlagged'; device: Address; reasons: number }
  | { kind: 'role'; role: Hex; account: Address; granted: boolean }
  /** Any other fleet event (by name), or a log the fleet's ABI cannot decode (by its first topic). */
  | { kind: 'other'; name: string };

/** Most logs of a batch are ReadingAccepted: decoded by hand (device in topic 1, sequence in data). */
const READING_ACCEPTED = toEventSelector(getAbiItem({ abi: pythiaFleetAbi, name: 'ReadingAccepted' }));

const plainProfile = (p: Profile): Profile => ({ ...p, minValue: [...p.minValue], maxValue: [...p.maxValue], maxDelta: [...p.maxDelta] });

/** Decodes one log emitted by the fleet contract (the caller checks the log's address). */
export function decodeFleetLog(log: { topics: readonly Hex[]; data: Hex }): FleetLogEvent {
  if (log.topics[0] === READING_ACCEPTED && log.topics.length === 2 && log.data.length === 66) {
    return { kind: 'accepted', device: getAddress(`0x${log.topics[1]!.slice(26)}`), sequence: BigInt(log.data) };
  }
  let event;
  try {
    event = decodeEventLog({ abi: pythiaFleetAbi, data: log.data, topics: log.topics as [Hex, ...Hex[]] });
  } catch {
    return { kind: 'other', name: log.topics[0] ?? 'anonymous' };
  }
  const a = event.args as Record<string, unknown>;
  switch (event.eventName) {
    case 'ReadingAccepted':
      return { kind: 'accepted', device: a.device as Address, sequence: a.sequence as bigint };
    case 'ReadingFlagged':
      return {
        kind: 'flagged',
        device: a.device as Address,
        sequence: a.sequence as bigint,
        reasonBits: Number(a.reasons),
        metric: Number(a.metric),
        value: Number(a.value),
      };
    case 'ReadingSkipped':
      return { kind: 'skipped', device: a.device as Address, sequence: a.sequence as bigint, reason: Number(a.reason) };
    case 'DeviceStatusChanged':
      return {
        kind: 'status',
        device: a.device as Address,
        previous: deviceStatusNames[Number(a.previous)] ?? 'none',
        current: deviceStatusNames[Number(a.current)] ?? 'none',
        by: a.by as Address,
        reason: a.reason as string,
      };
    case 'DeviceRegistered':
      return { kind: 'registered', device: a.device as Address, classId: Number(a.classId) };
    case 'DeviceKeyRotated':
      return { kind: 'keyRotated', device: a.device as Address, newSigner: a.newSigner as Address };
    case 'ClassProfileSet':
      return { kind: 'classProfile', classId: Number(a.classId), version: Number(a.version), profile: plainProfile(a.profile as Profile) };
    case 'DeviceProfileSet':
      return {
        kind: 'deviceProfile',
        device: a.device as Address,
        version: Number(a.version),
        profile: plainProfile(a.profile as Profile),
      };
    case 'DeviceProfileCleared':
      return { kind: 'deviceProfileCleared', device: a.device as Address };
    case 'DeviceFlagged':
      return { kind: 'deviceFlagged', device: a.device as Address, reasons: Number(a.reasons) };
    case 'RoleGranted':
    case 'RoleRevoked':
      return { kind: 'role', role: a.role as Hex, account: a.account as Address, granted: event.eventName === 'RoleGranted' };
    default:
      return { kind: 'other', name: event.eventName };
  }
}
