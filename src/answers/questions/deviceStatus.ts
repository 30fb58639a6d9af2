import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import { deviceStatusNames, type DeviceStatusName } from '../../protocol/reasons.js';
import { deviceSubjectParams, type DeviceSubjectParams } from './deviceSubjectParams.js';
import type { Question } from './types.js';

export type DeviceStatusParams = DeviceSubjectParams;

export type DeviceStatusAnswer = {
  /** none (not registered), active, suspended or revoked. */
  status: DeviceStatusName;
  classId: number;
  /** Highest reading sequence recorded on chain (0 before the first). */
  lastSequence: bigint;
  /** Readings flagged in the device's lifetime. */
  flags: number;
  /** Automatic suspensions so far (the next one past the profile's bound revokes). */
  autoSuspensions: number;
  /** Version of the device's effective profile (0 for an unregistered device). */
  profileVersion: number;
};

const isUint = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

/**
 * Question 1, `device_status`: a device's status as the fleet contract has it. A device asks it
 * about itself (am I still allowed to report?) or about another device (is my peer sound?).
 * params: bstr .size 20 (the subject's device id).
 * answer: [status, classId, lastSequence, flags, autoSuspensions, profileVersion], all uint;
 * status 0 none, 1 active, 2 suspended, 3 revoked.
 */
export const deviceStatusQuestion: Question<DeviceStatusParams, DeviceStatusAnswer> = {
  id: 1,
  name: 'device_status',
  ...deviceSubjectParams('device_status'),
  async resolve({ publicClient, fleetAddress, blockNumber }, { device }) {
    const view = await publicClient.readContract({
      address: fleetAddress,
      abi: gatewayFleetAbi,
      functionName: 'getDevice',
      args: [device],
      blockNumber,
    });
    let profileVersion = 0;
    if (view.status !== 0) {
      const [, version] = await publicClient.readContract({
        address: fleetAddress,
        abi: gatewayFleetAbi,
        functionName: 'effectiveProfile',
        args: [device],
        blockNumber,
      });
      profileVersion = version;
    }
    return {
      status: deviceStatusNames[view.status] ?? 'none',
      classId: view.classId,
      lastSequence: view.lastSequence,
      flags: view.flags,
      autoSuspensions: view.autoSuspensions,
      profileVersion,
    };
  },
  encodeAnswer: (a) => [deviceStatusNames.indexOf(a.status), a.classId, a.lastSequence, a.flags, a.autoSuspensions, a.profileVersion],
  decodeAnswer(value) {
    if (!Array.isArray(value) || value.length !== 6) throw new Error('device_status answer must be an array of 6 integers');
    const [status, classId, lastSequence, flags, autoSuspensions, profileVersion] = value as unknown[];
    const sequence =
      typeof lastSequence === 'bigint' ? lastSequence : isUint(lastSequence, Number.MAX_SAFE_INTEGER) ? BigInt(lastSequence) : -1n;
    if (
      !isUint(status, deviceStatusNames.length - 1) ||
      !isUint(classId, 0xffff) ||
      sequence < 0n ||
      sequence > 0xffffffffffffffffn ||
      !isUint(flags, 0xffffffff) ||
      !isUint(autoSuspensions, 0xff) ||
      !isUint(profileVersion, 0xffffffff)
    ) {
      throw new Error('device_status answer has a field out of range');
    }
    return { status: deviceStatusNames[status]!, classId, lastSequence: sequence, flags, autoSuspensions, profileVersion };
  },
};
