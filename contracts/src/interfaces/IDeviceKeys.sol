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

/// @title The fleet's key lifecycle and anomaly surface beyond IDeviceKeys: events, errors, key
/// replacement (IDENTITY_ROLE) and the key → device index. Kept apart from IDeviceKeys so that
/// contracts implementing IDeviceKeys (mocks included) are unaffected.
/// @dev flagDevice (IDeviceKeys) is refused for unknown (UnknownDevice) and revoked (DeviceIsRevoked)
/// devices and for reasons = 0; a flag against a suspended device is counted and logged, but the
/// graduated response (which would suspend it again) only applies to active devices.
interface IDeviceKeyLifecycle is IDeviceKeys {
    /// @notice An anomaly found outside the reading path was recorded by an inspector (`by`).
    /// `reasons` uses the ReadingFlagged bits plus FirmwareUnapproved = 32.
    event DeviceFlagged(address indexed device, uint8 reasons, bytes32 evidence, address indexed by);

    /// @notice A device's key was replaced. The device id stays; readings must now be signed by
    /// `newSigner`, and the previous key is retired for good (never usable by any device again).
    event DeviceKeyRotated(address indexed device, address previousSigner, address newSigner, bytes newPublicKey);

    /// @notice The device is revoked: nothing more can be recorded against it.
    error DeviceIsRevoked(address device);
    /// @notice A flag needs at least one reason bit.
    error InvalidFlagReasons();
    /// @notice The key (its address) was registered or used by a device before; keys are never reused.
    error KeyAlreadyUsed(address key);

    /// @notice Replaces an active device's key (IDENTITY_ROLE: the identity contract, after it checked
    /// the owner and the signatures of the old and the new key). The device id stays the same.
    /// @param newPublicKey 64 bytes X ‖ Y on secp256k1, whose address no device ever registered or used.
    function replaceDeviceKey(address device, bytes calldata newPublicKey) external;

    /// @notice The device a key (by its address) belongs or belonged to: the device id for an original
    /// key, the device for a rotated-in key (current or retired); zero if the key was never used.
    function deviceOfKey(address key) external view returns (address);
}
