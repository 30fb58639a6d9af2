// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IBehaviourProfiles} from "./interfaces/IPythiaFleet.sol";
import {DeviceRegistry} from "./DeviceRegistry.sol";
import {DeviceRecords} from "./libraries/DeviceRecords.sol";
import {ProfileCodec} from "./libraries/ProfileCodec.sol";

/// @title Behaviour profiles: what a device class (or one device) is expected to send.
/// @notice Per-metric bounds and maximum change, minimum interval between readings, maximum payload
/// size, tolerated clock skew and the graduated response (flags → suspension → revocation).
/// Every set bumps a version (per class, per device) that events and views report.
/// @dev Profiles are stored packed (ProfileCodec): three words per profile.
abstract contract BehaviourProfiles is DeviceRegistry, IBehaviourProfiles {
    using DeviceRecords for uint256;
    using ProfileCodec for ProfileCodec.Packed;

    mapping(uint16 classId => ProfileCodec.Packed) private _classProfiles;
    mapping(address device => ProfileCodec.Packed) private _deviceProfiles;

    /// @inheritdoc IBehaviourProfiles
    function setClassProfile(uint16 classId, Profile calldata profile) external onlyRole(OPERATOR_ROLE) {
        ProfileCodec.validate(profile);
        uint32 version = ProfileCodec.version(_classProfiles[classId].params) + 1;
        _classProfiles[classId] = ProfileCodec.encode(profile, version);
        emit ClassProfileSet(classId, version, profile);
    }

    /// @inheritdoc IBehaviourProfiles
    function setDeviceProfile(address device, Profile calldata profile) external onlyRole(OPERATOR_ROLE) {
        uint256 record = _deviceRecord(device);
        if (record.status() == DeviceStatus.None) revert UnknownDevice(device);
        ProfileCodec.validate(profile);
        // The version survives clearDeviceProfile, so a device's versions never repeat.
        uint32 version = ProfileCodec.version(_deviceProfiles[device].params) + 1;
        _deviceProfiles[device] = ProfileCodec.encode(profile, version);
        if (!record.ownProfile()) _setDeviceRecord(device, record.withOwnProfile(true));
        emit DeviceProfileSet(device, version, profile);
    }

    /// @inheritdoc IBehaviourProfiles
    function clearDeviceProfile(address device) external onlyRole(OPERATOR_ROLE) {
        uint256 record = _deviceRecord(device);
        if (record.status() == DeviceStatus.None) revert UnknownDevice(device);
        if (!record.ownProfile()) revert NoDeviceProfile(device);
        _setDeviceRecord(device, record.withOwnProfile(false));
        emit DeviceProfileCleared(device);
    }

    /// @inheritdoc IBehaviourProfiles
    function classProfile(uint16 classId) external view returns (Profile memory profile, uint32 version) {
        return _classProfiles[classId].decode();
    }

    /// @inheritdoc IBehaviourProfiles
    function effectiveProfile(address device) external view returns (Profile memory profile, uint32 version, bool own) {
        uint256 record = _deviceRecord(device);
        if (record.status() == DeviceStatus.None) revert UnknownDevice(device);
        own = record.ownProfile();
        (profile, version) = _profileOf(device, record).decode();
    }

    /// @dev The packed profile that applies to a device, given its record.
    function _profileOf(address device, uint256 record) internal view returns (ProfileCodec.Packed storage) {
        return record.ownProfile() ? _deviceProfiles[device] : _classProfiles[record.classId()];
    }

    /// @inheritdoc DeviceRegistry
    function _classExists(uint16 classId) internal view override returns (bool) {
        return ProfileCodec.version(_classProfiles[classId].params) != 0;
    }
}
