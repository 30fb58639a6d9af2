// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Device identity: manufacturers, device provenance and key lifecycle (issue #4).
/// @notice The functions other contracts rely on.
interface IDeviceIdentity {
    /// @notice The manufacturer a device class is assigned to (zero if none): it provisions that
    /// class's devices and publishes its firmware.
    function classManufacturer(uint16 classId) external view returns (address);
}
