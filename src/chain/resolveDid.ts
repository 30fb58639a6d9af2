import { getAddress, hexToBytes, isAddress, type Address, type Hex } from 'viem';
import { deviceIdentityAbi, pythiaFleetAbi } from '../contracts/abis.js';
import { deviceStatusNames, type DeviceStatusName } from '../protocol/reasons.js';
import type { ChainClients } from './clients.js';
import { ZERO_ADDRESS, type DidRecord } from './deviceIdentity.js';

/**
 * did:pythia (docs/protocol.md, "Device identity (DID)"): `did:pythia:<chainId>:<deviceId>`, the
 * chain id in decimal and the device id as an EIP-55 address. Resolved from the chain's
 * DeviceIdentity.didDocument view; the document follows did:ethr's shape (secp256k1 recovery
 * method with a CAIP-10 account) with the owner's did:pkh as controller.
 */
export const DID_METHOD = 'pythia';

export function deviceDid(chainId: number, device: Address): string {
  return `did:${DID_METHOD}:${chainId}:${getAddress(device)}`;
}

/** did:pkh (CAIP-10 on eip155) of an account: how the document names the owner who controls it. */
export function accountDid(chainId: number, account: Address): string {
  return `did:pkh:eip155:${chainId}:${getAddress(account)}`;
}

export class InvalidDidError extends Error {}

/** Splits a did:pythia into chain id and device id; throws InvalidDidError with the reason. */
export function parseDeviceDid(did: string): { chainId: number; device: Address } {
  const match = /^did:pythia:(\d{1,15}):(0x[0-9a-fA-F]{40})$/.exec(did);
  if (!match) throw new InvalidDidError(`not a did:pythia:<chainId>:<deviceId> DID: ${did}`);
  const chainId = Number(match[1]);
  if (chainId <= 0 || !Number.isSafeInteger(chainId)) throw new InvalidDidError(`bad chain id in ${did}`);
  if (!isAddress(match[2]!, { strict: false })) throw new InvalidDidError(`bad device id in ${did}`);
  return { chainId, device: getAddress(match[2]!) };
}

export type PublicKeyJwk = { kty: 'EC'; crv: 'secp256k1'; x: string; y: string };

export type VerificationMethod =
  | { id: string; type: 'EcdsaSecp256k1RecoveryMethod2020'; controller: string; blockchainAccountId: string }
  | { id: string; type: 'JsonWebKey2020'; controller: string; publicKeyJwk: PublicKeyJwk };

export type DidDocument = {
  '@context': string[];
  id: string;
  controller?: string;
  verificationMethod: VerificationMethod[];
  authentication: string[];
  assertionMethod: string[];
  service?: Array<{ id: string; type: 'PythiaGateway'; serviceEndpoint: string }>;
};

/** What the chain says about the device beyond the W3C fields (all from the same block). */
export type PythiaDidMetadata = {
  deviceId: Address;
  status: DeviceStatusName;
  classId: number;
  /** The device's current key, 64 bytes X ‖ Y, and its address (the device id until the first rotation). */
  publicKey: Hex;
  signer: Address;
  owner: Address | null;
  /** The class manufacturer whose EIP-712 DeviceProvenance signature provisioned the device; null if an operator registered it directly. */
  manufacturer: Address | null;
  provenanceSignature: Hex | null;
  /** Who registered the device in the fleet (the identity contract for a provisioned device), when the resolver reads events. */
  registrar?: Address;
  ownershipEpoch: string;
  acknowledgedEpoch: string;
  /** Whether the device acknowledged its current owner (signed OwnerAcknowledgement for this epoch). */
  ownerAcknowledged: boolean;
  keyRotations: string;
  /** Addresses of the keys rotated out, oldest first, when the resolver reads events. */
  previousSigners?: Address[];
  blockNumber: string;
};

export type ResolveDidReturnType = {
  didDocument: DidDocument;
  didDocumentMetadata: { deactivated: boolean; pythia: PythiaDidMetadata };
  didResolutionMetadata: { contentType: 'application/did+ld+json' };
};

export const DID_CONTEXTS = [
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/suites/secp256k1recovery-2020/v2',
  'https://w3id.org/security/suites/jws-2020/v1',
];

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/** The JWK of a 64-byte X ‖ Y secp256k1 public key (RFC 8812). */
export function secp256k1Jwk(publicKey: Hex): PublicKeyJwk {
  const bytes = hexToBytes(publicKey);
  if (bytes.length !== 64) throw new RangeError('public key must be 64 bytes X ‖ Y');
  return { kty: 'EC', crv: 'secp256k1', x: base64url(bytes.subarray(0, 32)), y: base64url(bytes.subarray(32)) };
}

export type DidDocumentFromRecordParameters = {
  chainId: number;
  device: Address;
  record: DidRecord;
  blockNumber: bigint;
  registrar?: Address;
  previousSigners?: Address[];
};

/**
 * Builds the DID resolution result from the contract's DidDocument struct (pure). The key's
 * fragment names the rotation it came from (#key-0 is the provisioned key), so a signature
 * checked against an old document names a method that no longer exists in the new one. A
 * revoked device is deactivated: no verification methods and no service, as did:ethr does.
 */
export function didDocumentFromRecord(parameters: DidDocumentFromRecordParameters): ResolveDidReturnType {
  const { chainId, record, blockNumber } = parameters;
  const device = getAddress(parameters.device);
  const id = deviceDid(chainId, device);
  const status = deviceStatusNames[Number(record.status)] ?? 'none';
  const deactivated = status === 'revoked';
  const owner = record.controller === ZERO_ADDRESS ? null : record.controller;
  const controller = owner ? accountDid(chainId, owner) : undefined;
  const keyFragment = `${id}#key-${record.keyRotations}`;
  const verificationMethod: VerificationMethod[] = deactivated
    ? []
    : [
        {
          id: keyFragment,
          type: 'EcdsaSecp256k1RecoveryMethod2020',
          controller: id,
          blockchainAccountId: `eip155:${chainId}:${record.signer}`,
        },
        { id: `${keyFragment}-jwk`, type: 'JsonWebKey2020', controller: id, publicKeyJwk: secp256k1Jwk(record.publicKey) },
      ];
  const methodIds = verificationMethod.map((method) => method.id);
  const didDocument: DidDocument = {
    '@context': DID_CONTEXTS,
    id,
    ...(controller ? { controller } : {}),
    verificationMethod,
    authentication: methodIds,
    assertionMethod: methodIds,
    ...(!deactivated && record.serviceEndpoint
      ? { service: [{ id: `${id}#pythia`, type: 'PythiaGateway' as const, serviceEndpoint: record.serviceEndpoint }] }
      : {}),
  };
  const manufacturer = record.manufacturer === ZERO_ADDRESS ? null : record.manufacturer;
  return {
    didDocument,
    didDocumentMetadata: {
      deactivated,
      pythia: {
        deviceId: device,
        status,
        classId: Number(record.classId),
        publicKey: record.publicKey,
        signer: record.signer,
        owner,
        manufacturer,
        provenanceSignature: manufacturer ? record.provenanceSignature : null,
        ...(parameters.registrar ? { registrar: parameters.registrar } : {}),
        ownershipEpoch: record.ownershipEpoch.toString(),
        acknowledgedEpoch: record.acknowledgedEpoch.toString(),
        ownerAcknowledged: record.ownershipEpoch > 0n && record.acknowledgedEpoch === record.ownershipEpoch,
        keyRotations: record.keyRotations.toString(),
        ...(parameters.previousSigners ? { previousSigners: parameters.previousSigners } : {}),
        blockNumber: blockNumber.toString(),
      },
    },
    didResolutionMetadata: { contentType: 'application/did+ld+json' },
  };
}

export type ResolveDidParameters = Pick<ChainClients, 'publicClient'> & {
  identity: Address;
  /** With the fleet, the resolver also reads the registration and rotation events (registrar, previous keys). */
  fleet?: Address;
  /** First block to read events from (the deployment block). */
  fromBlock?: bigint;
};

export class UnknownDeviceDidError extends Error {}

/**
 * Resolves a device's DID from the chain: every read at one block, so the document is consistent.
 * Throws UnknownDeviceDidError (the W3C `notFound`) for a device the fleet never registered.
 */
export async function resolveDid(parameters: ResolveDidParameters, device: Address): Promise<ResolveDidReturnType> {
  const { publicClient, identity, fleet } = parameters;
  const [chainId, blockNumber] = await Promise.all([publicClient.getChainId(), publicClient.getBlockNumber({ cacheTime: 0 })]);
  const record = (await publicClient.readContract({
    address: identity,
    abi: deviceIdentityAbi,
    functionName: 'didDocument',
    args: [device],
    blockNumber,
  })) as DidRecord;
  if (Number(record.status) === 0) throw new UnknownDeviceDidError(`${deviceDid(chainId, device)}: no such device on chain ${chainId}`);
  if (!fleet) return didDocumentFromRecord({ chainId, device, record, blockNumber });
  const events = { address: fleet, abi: pythiaFleetAbi, args: { device }, fromBlock: parameters.fromBlock ?? 0n, toBlock: blockNumber };
  const [registered, rotated] = await Promise.all([
    publicClient.getContractEvents({ ...events, eventName: 'DeviceRegistered', strict: true }),
    publicClient.getContractEvents({ ...events, eventName: 'DeviceKeyRotated', strict: true }),
  ]);
  return didDocumentFromRecord({
    chainId,
    device,
    record,
    blockNumber,
    ...(registered[0] ? { registrar: registered[0].args.registrar } : {}),
    previousSigners: rotated.map((log) => log.args.previousSigner),
  });
}
