import type { Address, Hex, PublicClient } from 'viem';
import { NoSealedHeaderError, readDeviceStatusProof, readRawHeader, type DeviceRecordProof } from '../../chain/readDeviceStatusProof.js';
import { ChainUnavailableError, shortError } from '../core/deviceDirectory.js';

export type StatusProofAnswer = { device: Address; blockNumber: number; header: Hex; proof: DeviceRecordProof };
export type ChainHeaderAnswer = { number: number; header: Hex };
/** What a device asked for could not be proven here (404 status_proof_unavailable); any other failure throws ChainUnavailableError. */
export type ProofUnavailable = { ok: false; error: 'status_proof_unavailable'; message: string };

export type ReadStatusProofAnswerParameters = { publicClient: PublicClient; fleetAddress: Address; device: Address };

/**
 * The answer of GET /v1/devices/{id}/status-proof and of its MQTT twin (docs/protocol.md, "Chain
 * proofs"): the head's sealed header and the EIP-1186 proof of the device's fleet record at it.
 */
export async function readStatusProofAnswer(
  parameters: ReadStatusProofAnswerParameters,
): Promise<{ ok: true; answer: StatusProofAnswer } | ProofUnavailable> {
  const device = parameters.device.toLowerCase() as Address;
  try {
    const read = await readDeviceStatusProof({ publicClient: parameters.publicClient, fleet: parameters.fleetAddress, device });
    return { ok: true, answer: { device, blockNumber: Number(read.blockNumber), header: read.header, proof: read.proof } };
  } catch (error) {
    if (error instanceof NoSealedHeaderError)
      return { ok: false, error: 'status_proof_unavailable', message: `the chain node cannot prove: ${shortError(error)}` };
    throw new ChainUnavailableError(`could not read a proof for ${device}: ${shortError(error)}`);
  }
}

export type ReadChainHeaderAnswerParameters = { publicClient: PublicClient; number: bigint };

/** The answer of GET /v1/chain/headers/{number} and of its MQTT twin: one sealed header (a checkpoint a device follows). */
export async function readChainHeaderAnswer(
  parameters: ReadChainHeaderAnswerParameters,
): Promise<{ ok: true; answer: ChainHeaderAnswer } | ProofUnavailable> {
  const { number } = parameters;
  let header: Hex | undefined;
  try {
    header = await readRawHeader({ publicClient: parameters.publicClient, blockNumber: number });
  } catch (error) {
    if (error instanceof NoSealedHeaderError)
      return { ok: false, error: 'status_proof_unavailable', message: `the chain node gives no sealed header: ${shortError(error)}` };
    throw new ChainUnavailableError(`could not read the header of block ${number}: ${shortError(error)}`);
  }
  if (header === undefined) return { ok: false, error: 'status_proof_unavailable', message: `block ${number} is not sealed yet` };
  return { ok: true, answer: { number: Number(number), header } };
}
