import type { Address, Hex, PublicClient } from 'viem';
import { fleetRecordSlot } from '../protocol/fleetRecordSlot.js';

export type ReadDeviceStatusProofParameters = {
  /** A client of a geth node: it serves `debug_getRawHeader` and `eth_getProof` (Anvil has no Clique seal to prove). */
  publicClient: Pick<PublicClient, 'request' | 'getBlockNumber'>;
  fleet: Address;
  device: Address;
  /** Default: the node's head. */
  blockNumber?: bigint;
};

/** The part of an `eth_getProof` answer (EIP-1186) a device checks, for the device's record slot. */
export type DeviceRecordProof = {
  address: Address;
  accountProof: Hex[];
  storageProof: { key: Hex; value: Hex; proof: Hex[] }[];
};

export type ReadDeviceStatusProofReturnType = {
  blockNumber: bigint;
  /** The block's header, RLP-encoded (what the validator sealed, seal included). */
  header: Hex;
  /** eth_getProof of the device's record slot in the fleet, at that block (EIP-1186). */
  proof: DeviceRecordProof;
};

type RawRequest = (args: { method: string; params: unknown[] }) => Promise<unknown>;

/**
 * What lets a device check its status without trusting the Pythia (docs/protocol.md, "Chain
 * proofs"): a sealed header and an EIP-1186 proof of the device's fleet record at that block.
 */
export async function readDeviceStatusProof(parameters: ReadDeviceStatusProofParameters): Promise<ReadDeviceStatusProofReturnType> {
  const { publicClient, fleet, device } = parameters;
  // Methods viem's typed request does not list (debug_getRawHeader): the same request, untyped.
  const request = publicClient.request as unknown as RawRequest;
  const blockNumber = parameters.blockNumber ?? (await publicClient.getBlockNumber({ cacheTime: 0 }));
  const tag = `0x${blockNumber.toString(16)}`;
  const [header, proof] = await Promise.all([
    request({ method: 'debug_getRawHeader', params: [tag] }) as Promise<Hex>,
    request({ method: 'eth_getProof', params: [fleet, [fleetRecordSlot(device)], tag] }) as Promise<DeviceRecordProof>,
  ]);
  return {
    blockNumber,
    header,
    proof: {
      address: proof.address,
      accountProof: proof.accountProof,
      storageProof: proof.storageProof.map(({ key, value, proof: nodes }) => ({ key, value, proof: nodes })),
    },
  };
}
