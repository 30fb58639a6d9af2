import type { Address, Hex } from 'viem';
import { fleetRecordSlot } from '../protocol/fleetRecordSlot.js';
import { callRpc } from './anvilRpc.js';

export type ReadDeviceStatusProofParameters = {
  /** A geth node's endpoint (IPC socket or HTTP URL) that serves `debug_getRawHeader` and `eth_getProof`. */
  rpcUrl: string;
  fleet: Address;
  device: Address;
  /** Default: the node's head. */
  blockNumber?: bigint;
};

export type EthGetProofResult = {
  address: Address;
  accountProof: Hex[];
  balance: Hex;
  codeHash: Hex;
  nonce: Hex;
  storageHash: Hex;
  storageProof: { key: Hex; value: Hex; proof: Hex[] }[];
};

export type ReadDeviceStatusProofReturnType = {
  blockNumber: bigint;
  /** The block's header, RLP-encoded (what the validator sealed, seal included). */
  header: Hex;
  /** eth_getProof of the device's record slot in the fleet, at that block (EIP-1186). */
  proof: EthGetProofResult;
};

/**
 * What lets a device check its status without trusting the Pythia (docs/protocol.md, "Chain
 * proofs"): a sealed header and an EIP-1186 proof of the device's fleet record at that block.
 */
export async function readDeviceStatusProof(parameters: ReadDeviceStatusProofParameters): Promise<ReadDeviceStatusProofReturnType> {
  const { rpcUrl, fleet, device } = parameters;
  const blockNumber = parameters.blockNumber ?? BigInt(await callRpc<Hex>(rpcUrl, 'eth_blockNumber', [], 10_000));
  const tag = `0x${blockNumber.toString(16)}`;
  const [header, proof] = await Promise.all([
    callRpc<Hex>(rpcUrl, 'debug_getRawHeader', [tag], 10_000),
    callRpc<EthGetProofResult>(rpcUrl, 'eth_getProof', [fleet, [fleetRecordSlot(device)], tag], 10_000),
  ]);
  return { blockNumber, header, proof };
}
