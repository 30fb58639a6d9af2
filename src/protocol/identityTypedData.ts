import { hashTypedData, hexToBytes, keccak256, type Address, type Hex } from 'viem';
import { rawPublicKey } from './deviceId.js';

/**
 * EIP-712 domains and types of the identity and ownership messages (docs/protocol.md, "Device
 * identity (DID)"). They must match DeviceIdentity and DeviceOwnership byte for byte: the
 * contracts' provenanceDigest, keyRotationDigest and ownerAcknowledgementDigest views are the
 * reference, and the tests compare against them.
 */
export const IDENTITY_DOMAIN_NAME = 'Pythia Identity';
export const OWNERSHIP_DOMAIN_NAME = 'Pythia Ownership';
const DOMAIN_VERSION = '1';

export const deviceProvenanceTypes = {
  DeviceProvenance: [
    { name: 'publicKeyHash', type: 'bytes32' },
    { name: 'classId', type: 'uint16' },
  ],
} as const;

export const keyRotationTypes = {
  KeyRotation: [
    { name: 'device', type: 'address' },
    { name: 'newPublicKeyHash', type: 'bytes32' },
    { name: 'nonce', type: 'uint64' },
  ],
} as const;

export const ownerAcknowledgementTypes = {
  OwnerAcknowledgement: [
    { name: 'device', type: 'address' },
    { name: 'owner', type: 'address' },
    { name: 'epoch', type: 'uint64' },
  ],
} as const;

/** keccak256 of the 64-byte X ‖ Y form (the contracts hash exactly the bytes they store). */
function publicKeyHash(publicKey: Hex): Hex {
  return keccak256(rawPublicKey(publicKey));
}

function requireUint(name: string, value: bigint, bits: number): bigint {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new RangeError(`${name} must be a uint${bits}`);
  return value;
}

export type DeviceProvenanceDigestParameters = {
  chainId: number;
  identityContract: Address;
  /** The device's public key: 64 bytes X ‖ Y or 65 bytes 04 ‖ X ‖ Y. */
  publicKey: Hex;
  classId: number;
};

/** What a manufacturer signs to vouch for a device key in a class (DeviceIdentity.provenanceDigest). */
export function deviceProvenanceDigest(parameters: DeviceProvenanceDigestParameters): Uint8Array {
  const { chainId, identityContract, publicKey, classId } = parameters;
  if (!Number.isInteger(classId)) throw new RangeError('classId must be a uint16');
  requireUint('classId', BigInt(classId), 16);
  return hexToBytes(
    hashTypedData({
      domain: { name: IDENTITY_DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: identityContract },
      types: deviceProvenanceTypes,
      primaryType: 'DeviceProvenance',
      message: { publicKeyHash: publicKeyHash(publicKey), classId },
    }),
  );
}

export type KeyRotationDigestParameters = {
  chainId: number;
  identityContract: Address;
  /** The device id (it stays the same across rotations). */
  device: Address;
  newPublicKey: Hex;
  /** The device's completed rotations so far: DeviceIdentity.keyRotations(device). */
  nonce: bigint | number;
};

/** What the old and the new device key both sign to rotate a key (DeviceIdentity.keyRotationDigest). */
export function keyRotationDigest(parameters: KeyRotationDigestParameters): Uint8Array {
  const { chainId, identityContract, device, newPublicKey } = parameters;
  const nonce = requireUint('nonce', BigInt(parameters.nonce), 64);
  return hexToBytes(
    hashTypedData({
      domain: { name: IDENTITY_DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: identityContract },
      types: keyRotationTypes,
      primaryType: 'KeyRotation',
      message: { device, newPublicKeyHash: publicKeyHash(newPublicKey), nonce },
    }),
  );
}

export type OwnerAcknowledgementDigestParameters = {
  chainId: number;
  ownershipContract: Address;
  device: Address;
  owner: Address;
  epoch: bigint | number;
};

/** What a device signs to acknowledge its owner (DeviceOwnership.ownerAcknowledgementDigest). */
export function ownerAcknowledgementDigest(parameters: OwnerAcknowledgementDigestParameters): Uint8Array {
  const { chainId, ownershipContract, device, owner } = parameters;
  const epoch = requireUint('epoch', BigInt(parameters.epoch), 64);
  return hexToBytes(
    hashTypedData({
      domain: { name: OWNERSHIP_DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: ownershipContract },
      types: ownerAcknowledgementTypes,
      primaryType: 'OwnerAcknowledgement',
      message: { device, owner, epoch },
    }),
  );
}
