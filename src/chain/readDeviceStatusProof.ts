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
  // The header first, so that a node that cannot give one is told apart from a failing proof.
  const header = await readRawHeader({ publicClient, blockNumber, head: blockNumber });
  if (header === undefined) throw new NoSealedHeaderError(new Error(`block ${blockNumber} has no header`));
  const proof = (await request({ method: 'eth_getProof', params: [fleet, [fleetRecordSlot(device)], tag] })) as DeviceRecordProof;
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

/**
 * The sealed header of a block, RLP-encoded (geth's `debug_getRawHeader`), or undefined when the
 * block is above the node's head (`head`: the caller's head, read here when not given).
 * NoSealedHeaderError when the node gives no raw headers.
 */
export async function readRawHeader(parameters: {
  publicClient: Pick<PublicClient, 'request' | 'getBlockNumber'>;
  blockNumber: bigint;
  head?: bigint;
}): Promise<Hex | undefined> {
  const request = parameters.publicClient.request as unknown as RawRequest;
  // For a block above its head geth answers an error of its own wording, not null: compare with the head first.
  const head = parameters.head ?? (await parameters.publicClient.getBlockNumber({ cacheTime: 0 }));
  if (parameters.blockNumber > head) return undefined;
  const tag = `0x${parameters.blockNumber.toString(16)}`;
  const header = (await request({ method: 'debug_getRawHeader', params: [tag] }).catch((error: unknown) => {
    throw knowsNoRawHeader(error) ? new NoSealedHeaderError(error) : error;
  })) as Hex | null;
  return header === null || header === '0x' ? undefined : header;
}

/** The node serves no `debug_getRawHeader` (it is not a geth node: the embedded Anvil has no sealed header to prove). */
export class NoSealedHeaderError extends Error {
  constructor(cause: unknown) {
    super('the chain node gives no raw block header (debug_getRawHeader)', { cause });
    this.name = 'NoSealedHeaderError';
  }
}

/**
 * "Method not found" (-32601), or "invalid parameters" (-32602) for a block tag that is valid: the
 * way Anvil answers an unknown method over IPC ("data did not match any variant of untagged enum").
 */
function knowsNoRawHeader(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === -32601 || e.code === -32602) return true;
  }
  return false;
}
