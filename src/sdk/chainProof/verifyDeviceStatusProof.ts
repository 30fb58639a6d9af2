import type { Address, Hex } from 'viem';
import { type CliqueTrust, type HeaderFreshness, verifyCliqueHeader } from './verifyCliqueHeader.js';
import { type FleetRecordProof, type ProvenDeviceStatus, verifyFleetRecordProof } from './verifyFleetRecordProof.js';

export type VerifyDeviceStatusProofParameters = {
  /** RLP of a sealed header. */
  header: Hex | Uint8Array;
  /** eth_getProof of the device's record slot in the fleet at that header's block. */
  proof: FleetRecordProof;
  trust: CliqueTrust;
  freshness: HeaderFreshness;
  fleet: Address;
  device: Address;
};

export type VerifyDeviceStatusProofReturnType = {
  status: ProvenDeviceStatus;
  record: bigint;
  blockNumber: bigint;
  blockHash: Hex;
  timestamp: bigint;
  signer: Address;
};

/**
 * A device's status as the chain holds it, trusting neither the Pythia nor its network: a fresh
 * header sealed by a known validator (verifyCliqueHeader), then the device's fleet record proven
 * against that header's state root (verifyFleetRecordProof). Throws ChainProofError with a reason.
 */
export async function verifyDeviceStatusProof(parameters: VerifyDeviceStatusProofParameters): Promise<VerifyDeviceStatusProofReturnType> {
  const header = verifyCliqueHeader({ header: parameters.header, trust: parameters.trust, freshness: parameters.freshness });
  const { status, record } = await verifyFleetRecordProof({
    stateRoot: header.stateRoot,
    fleet: parameters.fleet,
    device: parameters.device,
    proof: parameters.proof,
  });
  return { status, record, blockNumber: header.number, blockHash: header.hash, timestamp: header.timestamp, signer: header.signer };
}
