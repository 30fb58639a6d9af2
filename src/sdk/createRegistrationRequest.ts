import { hashMessage, hexToBytes } from 'viem';
import { registrationMessage } from '../protocol/registrationMessage.js';
import { signDigest } from '../protocol/signDigest.js';
import type { DeviceKey, RegistrationRequest } from './types.js';

export type CreateRegistrationRequestParameters = {
  classId: number;
  /** Free-form facts for the operator (site, location, firmware...); not covered by the proof. */
  metadata?: Record<string, unknown>;
};

export type CreateRegistrationRequestReturnType = RegistrationRequest;

/** The JSON an operator needs to register this device, with a proof of possession of its key. */
export function createRegistrationRequest(
  key: DeviceKey,
  { classId, metadata }: CreateRegistrationRequestParameters,
): CreateRegistrationRequestReturnType {
  if (!Number.isInteger(classId) || classId < 0 || classId > 0xffff) throw new RangeError('classId must be a uint16');
  const digest = hexToBytes(hashMessage(registrationMessage(key.deviceId, classId)));
  return {
    deviceId: key.deviceId,
    publicKey: key.publicKey,
    classId,
    ...(metadata === undefined ? {} : { metadata }),
    proof: signDigest(key.privateKey, digest),
  };
}
