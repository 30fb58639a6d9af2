import type { Address } from 'viem';
import { inspectReading } from '../protocol/inspectReading.js';
import type { Profile } from '../protocol/profile.js';
import { respondToFlag } from '../protocol/respondToFlag.js';
import type { BlockModel, CalldataReading, DeviceModel, ReadingOutcome, StatusChange } from './types.js';

export type ApplyReadingParameters = {
  model: BlockModel;
  reading: CalldataReading;
  /** The address the reading's signature recovers (recoverCompactSigner), undefined if none. */
  signer: Address | undefined;
  blockTime: bigint;
};

export type ApplyReadingReturnType = { outcome: ReadingOutcome; response: StatusChange | undefined };

/** A device the fleet never registered: no record, so its id is the only key that could sign for it. */
export function unknownDevice(device: Address): DeviceModel {
  return {
    device,
    status: 'none',
    classId: 0,
    ownProfile: undefined,
    signer: device,
    lastSequence: 0n,
    lastTimestamp: 0n,
    lastValues: undefined,
    flags: 0,
    flagsInWindow: 0,
    flagWindowStart: 0n,
    autoSuspensions: 0,
  };
}

/** The profile in force for a device: its own, else its class's. */
export function effectiveProfileOf(model: BlockModel, device: DeviceModel): Profile | undefined {
  return device.ownProfile ?? model.classProfiles.get(device.classId);
}

/**
 * One batch item by the rules of docs/protocol.md, applied to the model in place: is it attributable
 * (signature by the device's current key, device active, sequence above its last), and if so what does
 * the inspection say and what does the contract do in response. Returns the outcome the chain must
 * record for it and the automatic status change that must follow, if any.
 */
export function applyReading({ model, reading, signer, blockTime }: ApplyReadingParameters): ApplyReadingReturnType {
  const key = reading.device.toLowerCase();
  let device = model.devices.get(key);
  if (!device) {
    device = unknownDevice(reading.device);
    model.devices.set(key, device);
  }
  const skipped = (
    reason: 'BadSignature' | 'Replayed' | 'UnknownDevice' | 'DeviceSuspended' | 'DeviceRevoked',
  ): ApplyReadingReturnType => ({
    outcome: { status: 'skipped', reason },
    response: undefined,
  });
  if (signer === undefined || signer.toLowerCase() !== device.signer.toLowerCase()) return skipped('BadSignature');
  if (device.status === 'none') return skipped('UnknownDevice');
  if (device.status === 'suspended') return skipped('DeviceSuspended');
  if (device.status === 'revoked') return skipped('DeviceRevoked');
  if (reading.sequence <= device.lastSequence) return skipped('Replayed');

  const profile = effectiveProfileOf(model, device);
  if (!profile) throw new Error(`no profile for device ${device.device} (class ${device.classId}): the chain state read is incomplete`);
  const verdict = inspectReading({
    profile,
    previous: device.lastSequence === 0n ? undefined : { timestamp: device.lastTimestamp, values: device.lastValues },
    reading,
    blockTime,
  });
  device.lastSequence = reading.sequence;
  device.lastTimestamp = verdict.recordedTimestamp;
  if (verdict.values) device.lastValues = verdict.values;
  if (verdict.reasonBits === 0) return { outcome: { status: 'accepted' }, response: undefined };

  const outcome: ReadingOutcome = { status: 'flagged', reasons: verdict.reasons, metric: verdict.metric, value: verdict.value };
  const { state, action } = respondToFlag({ state: device, profile, blockTime });
  Object.assign(device, state);
  if (action === 'none') return { outcome, response: undefined };
  const current = action === 'revoke' ? 'revoked' : 'suspended';
  device.status = current;
  return { outcome, response: { previous: 'active', current } };
}
