import { bytesToHex, type Address, type Hex } from 'viem';
import { deviceIdentityAbi, pythiaFleetAbi } from '../contracts/abis.js';
import { deviceIdFromPublicKey, rawPublicKey } from '../protocol/deviceId.js';
import { signDeviceProvenance } from '../protocol/signDeviceProvenance.js';
import { signKeyRotation } from '../protocol/signKeyRotation.js';
import type { DeviceKey } from '../protocol/deviceId.js';
import type { ChainClients } from './clients.js';
import { governedCalls, timelockCall } from './timelock.js';
import { contractWriter, type SendContractTransactionReturnType, type WriteContext } from './sendContractTransaction.js';

type ReadContext = Pick<ChainClients, 'publicClient'> & { identity: Address };

/**
 * The identity contract's ABI plus the fleet's errors: the fleet's refusals (a key already
 * registered, an unknown class, ...) bubble up through the identity contract unchanged, and
 * should be named like its own.
 */
const identityAndFleetErrorsAbi = [...deviceIdentityAbi, ...pythiaFleetAbi.filter((item) => item.type === 'error')];

const send = ({ clients, account, address }: WriteContext) => contractWriter({ clients, account, address }, identityAndFleetErrorsAbi);

export type AssignClassManufacturerParameters = Omit<WriteContext, 'address'> & {
  /** The DeviceIdentity contract. */
  identity: Address;
  /** The council's timelock, DEFAULT_ADMIN_ROLE of the identity contract; `account` is its proposer and executor. */
  timelock: Address;
  classId: number;
  /** The manufacturer's account; the zero address unassigns the class. */
  manufacturer: Address;
};

export type AssignClassManufacturerReturnType = Awaited<ReturnType<typeof governedCalls>>;

/**
 * Assigns a device class to a manufacturer. Only the identity contract's DEFAULT_ADMIN_ROLE, the
 * council's timelock, may (issue #12: it decides who provisions the class's devices and publishes
 * its firmware), so this schedules the call on the timelock and, when its delay is 0 (a local
 * deployment), executes it at once; otherwise `executed` is null and the operation is executed
 * once ready (`pythia admin execute <operationId>`).
 */
export function assignClassManufacturer(parameters: AssignClassManufacturerParameters): Promise<AssignClassManufacturerReturnType> {
  const { clients, account, identity, timelock, classId, manufacturer } = parameters;
  const call = timelockCall({
    address: identity,
    abi: deviceIdentityAbi,
    functionName: 'assignClassManufacturer',
    args: [classId, manufacturer],
  });
  return governedCalls({ clients, account, address: timelock, calls: [call] });
}

/** The manufacturer a class is assigned to, or null. */
export async function readClassManufacturer(context: ReadContext, classId: number): Promise<Address | null> {
  const manufacturer = await context.publicClient.readContract({
    address: context.identity,
    abi: deviceIdentityAbi,
    functionName: 'classManufacturer',
    args: [classId],
  });
  return manufacturer === ZERO_ADDRESS ? null : manufacturer;
}

export type ProvisionDevicesParameters = WriteContext & {
  classId: number;
  /** Device public keys, 64 bytes X ‖ Y or 65 bytes 04 ‖ X ‖ Y. */
  publicKeys: readonly Hex[];
} & (
    | {
        /** Signs each key's DeviceProvenance here (the manufacturer's private key). */
        manufacturerKey: Hex;
        signatures?: undefined;
      }
    | {
        /** DeviceProvenance signatures made elsewhere (signDeviceProvenance), one per key, same order. */
        signatures: readonly Hex[];
        manufacturerKey?: undefined;
      }
  );

export type ProvisionDevicesReturnType = SendContractTransactionReturnType & {
  devices: Array<{ device: Address; publicKey: Hex; signature: Hex }>;
};

/**
 * Provisions devices of one class under the class manufacturer's signatures, all or nothing:
 * the identity contract checks every signature and registers the devices in the fleet, the
 * manufacturer being their first owner. Anyone may send it (`account` pays the gas).
 */
export async function provisionDevices(parameters: ProvisionDevicesParameters): Promise<ProvisionDevicesReturnType> {
  const { clients, address: identity, classId } = parameters;
  const publicKeys = parameters.publicKeys.map((key) => bytesToHex(rawPublicKey(key)));
  if (publicKeys.length === 0) throw new RangeError('provisionDevices needs at least one public key');
  const chainId = clients.chain.id;
  const signatures =
    parameters.signatures ??
    publicKeys.map((publicKey) =>
      signDeviceProvenance({ manufacturerKey: parameters.manufacturerKey, chainId, identityContract: identity, publicKey, classId }),
    );
  if (signatures.length !== publicKeys.length) throw new RangeError('one signature per public key');
  const sent = await send(parameters)('provisionDevices', [publicKeys, classId, signatures]);
  return {
    ...sent,
    devices: publicKeys.map((publicKey, i) => ({ device: deviceIdFromPublicKey(publicKey), publicKey, signature: signatures[i]! })),
  };
}

export type RotateDeviceKeyParameters = WriteContext & {
  device: Address;
  /** The device's current key and its next key: both sign the rotation. `account` (the owner) sends it. */
  oldKey: Pick<DeviceKey, 'privateKey'>;
  newKey: Pick<DeviceKey, 'privateKey' | 'publicKey'>;
};

/**
 * Rotates a device's key (the owner): reads the rotation nonce, has the old and the new key sign
 * the EIP-712 KeyRotation, and sends both signatures. The device id stays; the fleet expects
 * readings signed by the new key from then on (PythiaFleet.deviceSigner).
 */
export async function rotateDeviceKey(
  parameters: RotateDeviceKeyParameters,
): Promise<SendContractTransactionReturnType & { nonce: bigint }> {
  const { clients, address: identity, device, oldKey, newKey } = parameters;
  const nonce = await readKeyRotations({ publicClient: clients.publicClient, identity }, device);
  const newPublicKey = bytesToHex(rawPublicKey(newKey.publicKey));
  const message = { chainId: clients.chain.id, identityContract: identity, device, newPublicKey, nonce };
  const oldKeySignature = signKeyRotation({ ...message, key: oldKey });
  const newKeySignature = signKeyRotation({ ...message, key: newKey });
  const sent = await send(parameters)('rotateDeviceKey', [device, newPublicKey, oldKeySignature, newKeySignature]);
  return { ...sent, nonce };
}

/** Completed key rotations of a device: the nonce its next rotation signs. */
export function readKeyRotations(context: ReadContext, device: Address): Promise<bigint> {
  return context.publicClient.readContract({
    address: context.identity,
    abi: deviceIdentityAbi,
    functionName: 'keyRotations',
    args: [device],
  });
}

/** Revokes a device whose key is compromised (its owner, or the identity contract's OPERATOR_ROLE). Final. */
export function revokeCompromisedKey(
  parameters: WriteContext & { device: Address; reason: string },
): Promise<SendContractTransactionReturnType> {
  return send(parameters)('revokeCompromisedKey', [parameters.device, parameters.reason]);
}

/** The device's service endpoint for the current ownership epoch (owner only; '' = back to the default). */
export function setServiceEndpoint(
  parameters: WriteContext & { device: Address; endpoint: string },
): Promise<SendContractTransactionReturnType> {
  return send(parameters)('setServiceEndpoint', [parameters.device, parameters.endpoint]);
}

/** The endpoint of every device whose owner set none, e.g. the Pythia's URL (OPERATOR_ROLE). */
export function setDefaultServiceEndpoint(parameters: WriteContext & { endpoint: string }): Promise<SendContractTransactionReturnType> {
  return send(parameters)('setDefaultServiceEndpoint', [parameters.endpoint]);
}

/** The raw DidDocument struct the identity contract returns (IDeviceIdentityManagement.DidDocument). */
export async function readDidRecord(context: ReadContext, device: Address) {
  return context.publicClient.readContract({
    address: context.identity,
    abi: deviceIdentityAbi,
    functionName: 'didDocument',
    args: [device],
  });
}

export type DidRecord = Awaited<ReturnType<typeof readDidRecord>>;

export const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000';
