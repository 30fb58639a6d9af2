import { getAddress, type Address } from 'viem';

/**
 * The text a device signs (EIP-191 personal_sign) to prove it holds the key it asks to be
 * registered with (docs/protocol.md, "Registration request"). Fixed, human-readable, and naming
 * the device id (EIP-55 case) and class.
 */
export function registrationMessage(deviceId: Address, classId: number): string {
  return `Pythia device registration\ndevice: ${getAddress(deviceId)}\nclass: ${classId}`;
}
