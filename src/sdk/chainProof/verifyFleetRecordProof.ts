import { verifyMerkleProof } from '@ethereumjs/mpt';
import { bytesToBigInt, bytesToHex, fromRlp, hexToBytes, isAddress, isAddressEqual, isHex, keccak256, type Address, type Hex } from 'viem';
import { fleetRecordSlot } from '../../protocol/fleetRecordSlot.js';
import { ChainProofError, type ChainProofReason } from './errors.js';

/** Bounds what a device accepts: a state trie proof is about 8 nodes of at most 532 bytes. */
export const MAX_PROOF_NODES = 16;
export const MAX_PROOF_NODE_BYTES = 532;
const DEVICE_STATUSES = ['none', 'active', 'suspended', 'revoked'] as const;
export type ProvenDeviceStatus = (typeof DEVICE_STATUSES)[number];

/** The part of an `eth_getProof` answer (EIP-1186) a device needs, for one storage key. */
export type FleetRecordProof = {
  address: Address;
  accountProof: readonly Hex[];
  storageProof: readonly { key: Hex; value: Hex; proof: readonly Hex[] }[];
};

export type VerifyFleetRecordProofParameters = {
  /** The state root of a header the device verified (verifyCliqueHeader). */
  stateRoot: Hex;
  /** The fleet contract of the device's provisioning bundle. */
  fleet: Address;
  device: Address;
  proof: FleetRecordProof;
};

export type VerifyFleetRecordProofReturnType = {
  /** The device's packed record (0 when it is not registered). */
  record: bigint;
  status: ProvenDeviceStatus;
  /** The fleet's storage root, proven against the state root. */
  storageRoot: Hex;
};

/**
 * A device's record in the fleet's storage, proven by an EIP-1186 proof against a state root: the
 * account proof (key keccak256(fleet)) gives the fleet's storage root, the storage proof (key
 * keccak256(slot)) the record under it; Merkle-Patricia proofs checked by @ethereumjs/mpt. The
 * status is bits 248-249 of the record (contracts/src/libraries/DeviceRecords.sol). The values the
 * proof claims (storageHash, value) are not believed: they must equal what the trie proves.
 */
export async function verifyFleetRecordProof(parameters: VerifyFleetRecordProofParameters): Promise<VerifyFleetRecordProofReturnType> {
  const { stateRoot, fleet, device, proof } = parameters;
  // isAddress first: isAddressEqual throws (not a ChainProofError) for what is not 40 hex digits.
  if (!isAddress(proof.address, { strict: false }) || !isAddressEqual(proof.address, fleet))
    throw new ChainProofError('wrong_proof', `a proof for ${proof.address}, not the fleet ${fleet}`);
  const slot = fleetRecordSlot(device);
  const [entry] = proof.storageProof;
  if (proof.storageProof.length !== 1 || !isWord(entry!.key) || BigInt(entry!.key) !== BigInt(slot))
    throw new ChainProofError('wrong_proof', `the proof is not of one key, the record slot ${slot} of ${device}`);
  const account = await provenValue('bad_account_proof', stateRoot, keccak256(fleet), proof.accountProof);
  if (account === null) throw new ChainProofError('no_contract', `no account ${fleet} in the state`);
  const fields = decodeList('bad_account_proof', account);
  if (fields.length !== 4 || fields[2]!.length !== 32)
    throw new ChainProofError('bad_account_proof', 'the account is not [nonce, balance, storageRoot, codeHash]');
  const storageRoot = bytesToHex(fields[2]!);
  const stored = await provenValue('bad_storage_proof', storageRoot, keccak256(slot), entry!.proof);
  let record = 0n;
  if (stored !== null) {
    const value = decodeBytes('bad_storage_proof', stored);
    if (value.length === 0 || value.length > 32 || value[0] === 0)
      throw new ChainProofError('bad_storage_proof', 'the stored value is not a non-zero word');
    record = bytesToBigInt(value);
  }
  if (!isWord(entry!.value) || BigInt(entry!.value) !== record)
    throw new ChainProofError('bad_storage_proof', 'the proof claims another value than it proves');
  return { record, status: DEVICE_STATUSES[Number((record >> 248n) & 3n)]!, storageRoot };
}

/** A 0x-hex number of at most 32 bytes, as eth_getProof writes keys and values. */
function isWord(value: unknown): value is Hex {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(value);
}

async function provenValue(reason: ChainProofReason, root: Hex, key: Hex, nodes: readonly Hex[]): Promise<Uint8Array | null> {
  if (nodes.length === 0 || nodes.length > MAX_PROOF_NODES)
    throw new ChainProofError(reason, `${nodes.length} proof nodes (1 to ${MAX_PROOF_NODES})`);
  const proof: Uint8Array[] = [];
  for (const node of nodes) {
    if (!isHex(node, { strict: true }) || node.length % 2 !== 0) throw new ChainProofError(reason, 'a proof node is not hex');
    const bytes = hexToBytes(node);
    if (bytes.length > MAX_PROOF_NODE_BYTES) throw new ChainProofError(reason, `a proof node of ${bytes.length} bytes`);
    proof.push(bytes);
  }
  // The nodes in order, root first, each referenced by the one before (as the C SDK streams them):
  // @ethereumjs/mpt alone would take them in any order and ignore nodes the path does not use.
  for (let i = 1; i < proof.length; i++) {
    if (!bytesToHex(proof[i - 1]!).includes(keccak256(proof[i]!).slice(2)))
      throw new ChainProofError(reason, `proof node ${i} is not referenced by node ${i - 1}`);
  }
  const walk = (nodes: Uint8Array[]) => verifyMerkleProof(hexToBytes(key), nodes, { root: hexToBytes(root), useKeyHashing: false });
  let value: Uint8Array | null;
  try {
    value = await walk(proof);
  } catch (error) {
    throw new ChainProofError(reason, `the proof does not lead from the root to the key (${(error as Error).message})`);
  }
  // Nothing after the end of the path either (an exclusion proof ends at a node the key leaves, which may still reference
  // others): the walk uses a prefix of the nodes, so without the last one it fails unless the last was not needed.
  if (
    proof.length > 1 &&
    (await walk(proof.slice(0, -1)).then(
      () => true,
      () => false,
    ))
  )
    throw new ChainProofError(reason, `proof node ${proof.length - 1} is after the end of the path`);
  return value;
}

function decodeList(reason: ChainProofReason, rlp: Uint8Array): Uint8Array[] {
  let value: unknown;
  try {
    value = fromRlp(rlp, 'bytes');
  } catch {
    throw new ChainProofError(reason, 'a proven value is not RLP');
  }
  if (!Array.isArray(value) || !value.every((v) => v instanceof Uint8Array))
    throw new ChainProofError(reason, 'a proven value is not a list of strings');
  return value as Uint8Array[];
}

function decodeBytes(reason: ChainProofReason, rlp: Uint8Array): Uint8Array {
  let value: unknown;
  try {
    value = fromRlp(rlp, 'bytes');
  } catch {
    throw new ChainProofError(reason, 'a proven value is not RLP');
  }
  if (!(value instanceof Uint8Array)) throw new ChainProofError(reason, 'a proven value is a list');
  return value;
}
