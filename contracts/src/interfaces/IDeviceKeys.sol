// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title What the fleet offers other Pythia contracts about device keys and anomalies (issue #4).
interface IDeviceKeys {
    /// @notice The address of the device's current key: the device id until the key is rotated,
    /// then the new key's address. Zero for an unknown device.
    function deviceSigner(address device) external view returns (address);

    /// @notice Records an anomaly found outside the reading path (for example a device reporting a
    /// revoked or unknown firmware build) and applies the graduated response of the device's
    /// profile, exactly as a flagged reading would. INSPECTOR_ROLE.
    /// @param reasons Bitmask of flag reasons (same bits as ReadingFlagged; FirmwareUnapproved = 32).
    /// @param evidence A hash of what was found (for example the reported firmware digest).
    function flagDevice(address device, uint8 reasons, bytes32 evidence) external;
}
