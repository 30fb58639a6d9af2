import { bytesToHex, concatBytes, keccak256, type Address, type Hex } from 'viem';
import { pythiaRegistryAbi } from '../contracts/abis.js';
import { deviceIdFromPublicKey, rawPublicKey } from '../protocol/deviceId.js';
import type { ChainClients } from './clients.js';
import { sendContractTransaction, type SendContractTransactionReturnType, type WriteContext } from './sendContractTransaction.js';

/** TEE types as the registry numbers them (IPythiaRegistry.TeeType). */
export const teeTypeNames = ['none', 'sgx', 'tdx'] as const;
export type TeeTypeName = (typeof teeTypeNames)[number];
export const pythiaStatusNames = ['none', 'active', 'revoked'] as const;
export type PythiaStatusName = (typeof pythiaStatusNames)[number];
export const measurementStatusNames = ['none', 'approved', 'revoked'] as const;
export type MeasurementStatusName = (typeof measurementStatusNames)[number];

/** Measurement length in bytes per attested TEE type: MRENCLAVE (SGX) 32, MRTD (TDX) 48. */
export const MEASUREMENT_BYTES: Record<Exclude<TeeTypeName, 'none'>, number> = { sgx: 32, tdx: 48 };

/** keccak256(quote ‖ collateral): what the registry records in place of the evidence itself. */
export function evidenceHashOf(quote: Uint8Array, collateral: Uint8Array): Hex {
  return keccak256(concatBytes([quote, collateral]));
}

/** Attestation evidence for a key, as verified off chain (src/attestation). */
export type PythiaEvidence = {
  teeType: 'sgx' | 'tdx';
  /** MRENCLAVE (SGX) or MRTD (TDX). */
  measurement: Hex;
  /** keccak256(quote ‖ collateral), see evidenceHashOf. */
  evidenceHash: Hex;
  /** Where the quote and collateral can be fetched ('' = not published). */
  evidenceUri?: string;
};

export type RegisterPythiaKeyParameters = WriteContext & {
  /** 64-byte X ‖ Y or 65-byte 0x04 ‖ X ‖ Y secp256k1 public key. */
  publicKey: Hex;
  /** Omit for an unattested key (no TEE): the registry flags it attested = false. */
  evidence?: PythiaEvidence;
};

/** The key's address, its 64-byte public key and the registry's Evidence fields (all zero for an unattested key). */
export function pythiaRegistrationArgs(parameters: Pick<RegisterPythiaKeyParameters, 'publicKey' | 'evidence'>) {
  const publicKey = bytesToHex(rawPublicKey(parameters.publicKey));
  const key = deviceIdFromPublicKey(publicKey);
  const { evidence } = parameters;
  const fields = evidence
    ? {
        teeType: teeTypeNames.indexOf(evidence.teeType),
        measurement: evidence.measurement,
        evidenceHash: evidence.evidenceHash,
        evidenceUri: evidence.evidenceUri ?? '',
      }
    : { teeType: 0, measurement: '0x' as Hex, evidenceHash: `0x${'00'.repeat(32)}` as Hex, evidenceUri: '' };
  return { key, publicKey, fields };
}

/**
 * Registers a Pythia key (operator). Does not verify evidence: the caller verifies the quote and
 * that its report data binds the key (src/attestation) before calling this.
 */
export async function registerPythiaKey(
  parameters: RegisterPythiaKeyParameters,
): Promise<SendContractTransactionReturnType & { key: Address; attested: boolean }> {
  const { clients, account, address, evidence } = parameters;
  const { key, publicKey, fields } = pythiaRegistrationArgs(parameters);
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: pythiaRegistryAbi,
    functionName: 'registerPythia',
    args: [key, publicKey, fields.teeType, fields.measurement, fields.evidenceHash, fields.evidenceUri],
  });
  return { ...sent, key, attested: evidence !== undefined };
}

export type RotatePythiaKeyParameters = RegisterPythiaKeyParameters & { previousKey: Address };

/**
 * Replaces a Pythia key by a new one in one transaction (operator): the previous key is revoked
 * ("rotated") and names its successor, the new key is registered with its own evidence.
 */
export async function rotatePythiaKey(
  parameters: RotatePythiaKeyParameters,
): Promise<SendContractTransactionReturnType & { key: Address; attested: boolean }> {
  const { clients, account, address, evidence, previousKey } = parameters;
  const { key, publicKey, fields } = pythiaRegistrationArgs(parameters);
  const sent = await sendContractTransaction({
    clients,
    account,
    address,
    abi: pythiaRegistryAbi,
    functionName: 'rotatePythiaKey',
    args: [previousKey, key, publicKey, fields],
  });
  return { ...sent, key, attested: evidence !== undefined };
}

/** Revokes a Pythia key for good (operator). */
export function revokePythiaKey(parameters: WriteContext & { key: Address; reason: string }): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, key, reason } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: pythiaRegistryAbi,
    functionName: 'revokePythia',
    args: [key, reason],
  });
}

export type MeasurementParameters = WriteContext & { teeType: 'sgx' | 'tdx'; measurement: Hex };

/** Approves a code measurement (governance). */
export function approveMeasurement(parameters: MeasurementParameters): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, teeType, measurement } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: pythiaRegistryAbi,
    functionName: 'approveMeasurement',
    args: [teeTypeNames.indexOf(teeType), measurement],
  });
}

/** Revokes a code measurement (governance): every key attested with it stops being trusted. */
export function revokeMeasurement(parameters: MeasurementParameters & { reason: string }): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, teeType, measurement, reason } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: pythiaRegistryAbi,
    functionName: 'revokeMeasurement',
    args: [teeTypeNames.indexOf(teeType), measurement, reason],
  });
}

/**
 * Binds the account that sends a Pythia's transactions to its key (operator). The fleet, the access
 * log and the canary registry accept that relayer only while the key is trusted; the key's earlier
 * relayer, if any, stops being trusted.
 */
export function bindRelayer(parameters: WriteContext & { key: Address; relayer: Address }): Promise<SendContractTransactionReturnType> {
  const { clients, account, address, key, relayer } = parameters;
  return sendContractTransaction({
    clients,
    account,
    address,
    abi: pythiaRegistryAbi,
    functionName: 'bindRelayer',
    args: [key, relayer],
  });
}

/** A Pythia key as the registry sees it, with enums as names. */
export type PythiaSummary = {
  key: Address;
  status: PythiaStatusName;
  teeType: TeeTypeName;
  attested: boolean;
  /** Trusted now by a device that accepts unattested keys / by one that requires attestation. */
  trusted: boolean;
  trustedAttested: boolean;
  measurement: Hex | null;
  measurementKey: Hex | null;
  measurementStatus: MeasurementStatusName | null;
  evidenceHash: Hex | null;
  evidenceUri: string;
  publicKey: Hex | null;
  registrar: Address | null;
  registeredAt: number;
  revokedAt: number;
  successor: Address | null;
  /** The account that relays for the key (trusted while the key is), or null. */
  relayer: Address | null;
};

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
const ZERO_HASH = `0x${'00'.repeat(32)}`;

/** Reads one key's record and whether it is trusted now (status 'none' for an unknown key). */
export async function readPythia(
  context: Pick<ChainClients, 'publicClient'> & { registry: Address },
  key: Address,
): Promise<PythiaSummary> {
  const { publicClient, registry } = context;
  const [record, trusted, trustedAttested, relayer] = await Promise.all([
    publicClient.readContract({ address: registry, abi: pythiaRegistryAbi, functionName: 'pythia', args: [key] }),
    publicClient.readContract({ address: registry, abi: pythiaRegistryAbi, functionName: 'isTrusted', args: [key, false] }),
    publicClient.readContract({ address: registry, abi: pythiaRegistryAbi, functionName: 'isTrusted', args: [key, true] }),
    publicClient.readContract({ address: registry, abi: pythiaRegistryAbi, functionName: 'relayerOf', args: [key] }),
  ]);
  const measurementStatus =
    record.measurementKey === ZERO_HASH
      ? null
      : (measurementStatusNames[
          Number(
            await publicClient.readContract({
              address: registry,
              abi: pythiaRegistryAbi,
              functionName: 'measurementStatus',
              args: [record.measurementKey],
            }),
          )
        ] ?? 'none');
  return {
    key,
    status: pythiaStatusNames[Number(record.status)] ?? 'none',
    teeType: teeTypeNames[Number(record.teeType)] ?? 'none',
    attested: record.attested,
    trusted,
    trustedAttested,
    measurement: record.measurement === '0x' ? null : record.measurement,
    measurementKey: record.measurementKey === ZERO_HASH ? null : record.measurementKey,
    measurementStatus,
    evidenceHash: record.evidenceHash === ZERO_HASH ? null : record.evidenceHash,
    evidenceUri: record.evidenceUri,
    publicKey: record.publicKey === '0x' ? null : record.publicKey,
    registrar: record.registrar === ZERO_ADDRESS ? null : record.registrar,
    registeredAt: Number(record.registeredAt),
    revokedAt: Number(record.revokedAt),
    successor: record.successor === ZERO_ADDRESS ? null : record.successor,
    relayer: relayer === ZERO_ADDRESS ? null : relayer,
  };
}

/**
 * Every key the registry trusts now (registered, not revoked, its measurement still approved if
 * attested), oldest first: what a provisioning bundle lists. Found from PythiaRegistered events,
 * then each key is read at the same block.
 */
export async function listTrustedPythiaKeys(context: Pick<ChainClients, 'publicClient'> & { registry: Address }): Promise<PythiaSummary[]> {
  const { publicClient, registry } = context;
  const logs = await publicClient.getContractEvents({
    address: registry,
    abi: pythiaRegistryAbi,
    eventName: 'PythiaRegistered',
    fromBlock: 0n,
    strict: true,
  });
  const keys = [...new Set(logs.map((log) => log.args.key))];
  const summaries = await Promise.all(keys.map((key) => readPythia(context, key)));
  return summaries.filter((summary) => summary.trusted);
}
