// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPythiaFleetTypes} from "../interfaces/IPythiaFleet.sol";

/// @title The one-slot device record.
/// @notice Everything the reading hot path reads or writes for a device lives in one 256-bit word,
/// so that a reading costs one cold SLOAD and one SSTORE of device state (gas target: 15k/reading).
/// @dev Layout, least significant bit first:
///
///   [  0, 128)  lastValues     8 × int16, metric 0 in bits [112,128), metric i in [112-16i, 128-16i)
///                              (that is, the first 16 payload bytes, big-endian, as one uint128)
///   [128, 168)  lastTimestamp  uint40, device clock of the last recorded reading (saturating)
///   [168, 232)  lastSequence   uint64, 0 = no reading yet (sequences start at 1)
///   [232, 248)  classId        uint16
///   [248, 250)  status         DeviceStatus (2 bits)
///   250         ownProfile     the device has its own profile (BehaviourProfiles)
///   251         hasValues      lastValues holds a decoded payload
///   252         keyRotated     the device's key was replaced: readings are signed by the stored
///                              signer (DeviceRegistry), not by the device id's key
///   [253, 256)  unused
library DeviceRecords {
    uint256 internal constant VALUES_MASK = (1 << 128) - 1;
    uint256 internal constant TIMESTAMP_SHIFT = 128;
    uint256 internal constant MAX_TIMESTAMP = (1 << 40) - 1;
    uint256 internal constant SEQUENCE_SHIFT = 168;
    uint256 internal constant CLASS_SHIFT = 232;
    uint256 internal constant STATUS_SHIFT = 248;
    uint256 internal constant STATUS_MASK = 3 << STATUS_SHIFT;
    uint256 internal constant OWN_PROFILE_BIT = 1 << 250;
    uint256 internal constant HAS_VALUES_BIT = 1 << 251;
    uint256 internal constant KEY_ROTATED_BIT = 1 << 252;
    /// @dev The identity part of the record (class, status, own profile, key rotated), kept by a reading.
    uint256 internal constant IDENTITY_MASK =
        (0xffff << CLASS_SHIFT) | STATUS_MASK | OWN_PROFILE_BIT | KEY_ROTATED_BIT;

    function create(uint16 classId_) internal pure returns (uint256) {
        return (uint256(classId_) << CLASS_SHIFT) | (uint256(IPythiaFleetTypes.DeviceStatus.Active) << STATUS_SHIFT);
    }

    function status(uint256 record) internal pure returns (IPythiaFleetTypes.DeviceStatus) {
        return IPythiaFleetTypes.DeviceStatus((record >> STATUS_SHIFT) & 3);
    }

    function withStatus(uint256 record, IPythiaFleetTypes.DeviceStatus status_) internal pure returns (uint256) {
        return (record & ~STATUS_MASK) | (uint256(status_) << STATUS_SHIFT);
    }

    function classId(uint256 record) internal pure returns (uint16) {
        return uint16(record >> CLASS_SHIFT);
    }

    function ownProfile(uint256 record) internal pure returns (bool) {
        return record & OWN_PROFILE_BIT != 0;
    }

    function withOwnProfile(uint256 record, bool own) internal pure returns (uint256) {
        return own ? record | OWN_PROFILE_BIT : record & ~OWN_PROFILE_BIT;
    }

    function keyRotated(uint256 record) internal pure returns (bool) {
        return record & KEY_ROTATED_BIT != 0;
    }

    function hasValues(uint256 record) internal pure returns (bool) {
        return record & HAS_VALUES_BIT != 0;
    }

    function lastSequence(uint256 record) internal pure returns (uint64) {
        return uint64(record >> SEQUENCE_SHIFT);
    }

    function lastTimestamp(uint256 record) internal pure returns (uint40) {
        return uint40(record >> TIMESTAMP_SHIFT);
    }

    function lastValues(uint256 record) internal pure returns (uint128) {
        return uint128(record);
    }

    /// @dev Metric `i` of a packed 8 × int16 word (metric 0 in the most significant 16 of the low 128 bits).
    function metricAt(uint256 packed, uint256 i) internal pure returns (int16) {
        unchecked {
            return int16(uint16(packed >> (112 - 16 * i)));
        }
    }
}
