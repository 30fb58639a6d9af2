// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title The Merkle tree of an AccessLog delivery batch (issue #12).
/// @notice AccessLog stores one root per logDeliveries batch instead of one slot per delivery; a
/// delivery is proven logged with OpenZeppelin's MerkleProof against that root.
/// - leaf i = keccak256(bytes.concat(keccak256(abi.encode(uint256 i, uint256 consentId, bytes32 deliveryKey))))
///   for every entry of the batch in calldata order (refused ones included: the AccessLog keeps a
///   bitmap of them), where deliveryKey = keccak256(abi.encode(delivery)). The index in the leaf
///   ties the proof to the entry's bit in that bitmap; the double hash (OpenZeppelin's
///   StandardMerkleTree leaf) keeps a leaf from ever being taken for an inner node.
/// - Each level pairs nodes (0,1), (2,3), ... with Hashes.commutativeKeccak256 (sorted pair, as
///   MerkleProof expects); an odd last node moves up unchanged. A one-entry batch's root is its leaf.
/// src/protocol/deliveryBatch.ts builds the same tree off chain.
library DeliveryBatches {
    /// @notice The leaf of entry `index` of a batch.
    function leaf(uint256 index, uint256 consentId, bytes32 deliveryKey) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, consentId, deliveryKey))));
    }

    /// @notice The root over `nodes` (the leaves, in order). Overwrites `nodes`.
    function root(bytes32[] memory nodes) internal pure returns (bytes32) {
        uint256 n = nodes.length;
        while (n > 1) {
            uint256 pairs = n >> 1;
            for (uint256 i; i < pairs; ++i) {
                nodes[i] = Hashes.commutativeKeccak256(nodes[2 * i], nodes[2 * i + 1]);
            }
            if (n & 1 == 1) nodes[pairs] = nodes[n - 1];
            n = pairs + (n & 1);
        }
        return nodes[0];
    }

    /// @notice The proof of leaf `index` among `nodes` (the leaves, in order), for MerkleProof.verify.
    /// Overwrites `nodes`. Not used on chain (tests and off-chain callers of a view).
    function proof(bytes32[] memory nodes, uint256 index) internal pure returns (bytes32[] memory siblings) {
        uint256 n = nodes.length;
        bytes32[] memory path = new bytes32[](256);
        uint256 depth;
        while (n > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < n) path[depth++] = nodes[sibling];
            uint256 pairs = n >> 1;
            for (uint256 i; i < pairs; ++i) {
                nodes[i] = Hashes.commutativeKeccak256(nodes[2 * i], nodes[2 * i + 1]);
            }
            if (n & 1 == 1) nodes[pairs] = nodes[n - 1];
            n = pairs + (n & 1);
            index >>= 1;
        }
        siblings = new bytes32[](depth);
        for (uint256 i; i < depth; ++i) siblings[i] = path[i];
    }
}
