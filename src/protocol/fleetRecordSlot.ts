import { encodeAbiParameters, keccak256, type Address, type Hex } from 'viem';

/** The fleet's storage slot of the device records mapping (after AccessControl's 0 and AccessControlDefaultAdminRules' 1-2). */
export const FLEET_RECORDS_SLOT = 3n;

/** Storage slot of a device's packed record in the fleet contract: keccak256(abi.encode(device, 3)). */
export function fleetRecordSlot(device: Address): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [device, FLEET_RECORDS_SLOT]));
}
