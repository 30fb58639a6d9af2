// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessLog} from "../../src/interfaces/IAccessLog.sol";
import {DeliveryBatches} from "../../src/libraries/DeliveryBatches.sol";

/// @notice What the gateway does off chain (src/protocol/deliveryBatch.ts): the proof that entry
/// `index` of a logged delivery batch is in that batch's Merkle root.
library DeliveryProofs {
    function leavesOf(IAccessLog.Delivery[] memory batch) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](batch.length);
        for (uint256 i; i < batch.length; ++i) {
            leaves[i] = DeliveryBatches.leaf(i, batch[i].consentId, keccak256(abi.encode(batch[i])));
        }
    }

    function rootOf(IAccessLog.Delivery[] memory batch) internal pure returns (bytes32) {
        return DeliveryBatches.root(leavesOf(batch));
    }

    function proofOf(IAccessLog.Delivery[] memory batch, uint256 index) internal pure returns (IAccessLog.DeliveryProof memory p) {
        p.batchRoot = rootOf(batch);
        p.index = index;
        p.consentId = batch[index].consentId;
        p.deliveryKey = keccak256(abi.encode(batch[index]));
        p.proof = DeliveryBatches.proof(leavesOf(batch), index);
    }

    /// @dev The proof of a delivery logged alone (a batch of one: its root is its leaf).
    function single(IAccessLog.Delivery memory d) internal pure returns (IAccessLog.DeliveryProof memory) {
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](1);
        batch[0] = d;
        return proofOf(batch, 0);
    }
}
