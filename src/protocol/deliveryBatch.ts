import { concat, encodeAbiParameters, hexToBigInt, keccak256, type Hex } from 'viem';
import { deliveryKey, type DeliveryEntry } from './recipientTerms.js';

/**
 * The Merkle tree of an AccessLog delivery batch (issue #12; contracts/src/libraries/DeliveryBatches.sol,
 * docs/contracts.md "Access log"). The AccessLog stores one root per logDeliveries call; a canary
 * commitment proves its delivery was logged with a path to that root (OpenZeppelin MerkleProof):
 * - leaf i = keccak256(keccak256(abi.encode(uint256 i, uint256 consentId, bytes32 deliveryKey)))
 *   for every entry of the call, in calldata order;
 * - each level pairs nodes (0,1), (2,3), ... as keccak256 of the smaller then the larger; an odd
 *   last node moves up unchanged.
 */

/** IAccessLog.DeliveryProof: entry `index` of the batch with root `batchRoot`. */
export type DeliveryProof = {
  batchRoot: Hex;
  index: bigint;
  consentId: bigint;
  deliveryKey: Hex;
  proof: Hex[];
};

/** The leaf of entry `index` (DeliveryBatches.leaf). */
export function deliveryLeaf(index: number, consentId: bigint, key: Hex): Hex {
  const inner = keccak256(
    encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }, { type: 'bytes32' }], [BigInt(index), consentId, key]),
  );
  return keccak256(inner);
}

/** OpenZeppelin Hashes.commutativeKeccak256: the hash of the sorted pair. */
function hashPair(a: Hex, b: Hex): Hex {
  return hexToBigInt(a) < hexToBigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** One level up: pairs hashed, an odd last node carried. */
function up(nodes: readonly Hex[]): Hex[] {
  const next: Hex[] = [];
  for (let i = 0; i + 1 < nodes.length; i += 2) next.push(hashPair(nodes[i]!, nodes[i + 1]!));
  if (nodes.length % 2 === 1) next.push(nodes[nodes.length - 1]!);
  return next;
}

function leavesOf(batch: readonly DeliveryEntry[]): Hex[] {
  if (batch.length === 0) throw new RangeError('a delivery batch has at least one entry');
  return batch.map((d, i) => deliveryLeaf(i, d.consentId, deliveryKey(d)));
}

/** The root AccessLog.logDeliveries stores for `batch` (AccessLog.batchRootOf). */
export function deliveryBatchRoot(batch: readonly DeliveryEntry[]): Hex {
  let nodes = leavesOf(batch);
  while (nodes.length > 1) nodes = up(nodes);
  return nodes[0]!;
}

/** The proof that entry `index` of `batch` was in it, for CanaryRegistry.commitCanaries. */
export function deliveryProof(batch: readonly DeliveryEntry[], index: number): DeliveryProof {
  if (!Number.isInteger(index) || index < 0 || index >= batch.length) {
    throw new RangeError(`entry ${index} is not in a batch of ${batch.length}`);
  }
  let nodes = leavesOf(batch);
  const proof: Hex[] = [];
  let i = index;
  while (nodes.length > 1) {
    const sibling = i ^ 1;
    if (sibling < nodes.length) proof.push(nodes[sibling]!);
    nodes = up(nodes);
    i >>= 1;
  }
  const entry = batch[index]!;
  return { batchRoot: nodes[0]!, index: BigInt(index), consentId: entry.consentId, deliveryKey: deliveryKey(entry), proof };
}

/** Whether `proof` leads from its leaf to its root (OpenZeppelin MerkleProof.verify), as the AccessLog checks it. */
export function verifyDeliveryProof(p: DeliveryProof): boolean {
  let node = deliveryLeaf(Number(p.index), p.consentId, p.deliveryKey);
  for (const sibling of p.proof) node = hashPair(node, sibling);
  return node === p.batchRoot;
}
