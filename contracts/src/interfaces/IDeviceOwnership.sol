// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Device ownership: one ERC-721 token per device (issue #4).
/// @notice The functions other contracts rely on. Every grant an owner makes elsewhere (consents,
/// delegations, firmware approvals, update policies) is keyed by the device's ownership epoch, so
/// that a completed transfer voids all of them at once and the new owner starts clean.
interface IDeviceOwnership {
    /// @notice The current owner of a device's token; the zero address if the device has no token.
    function ownerOfDevice(address device) external view returns (address);

    /// @notice 0 for a device without a token; 1 from the mint; +1 at every completed transfer.
    function ownershipEpoch(address device) external view returns (uint64);
}
