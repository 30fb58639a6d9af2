// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPythiaFleetTypes} from "../interfaces/IPythiaFleet.sol";
import {IBehaviourProfiles} from "../interfaces/IPythiaFleet.sol";

/// @title Packed storage form of a behaviour profile: three words.
/// @notice The reading hot path loads a profile with three SLOADs; after the first reading of a
/// class in a batch they are warm (100 gas each), instead of one SLOAD per array element.
/// @dev `params` layout, least significant bit first:
///   [  0,   8) metricCount            [ 88, 104) flagThreshold
///   [  8,  24) maxPayloadBytes        [104, 136) flagWindow
///   [ 24,  56) minInterval            [136, 144) suspensionsBeforeRevoke
///   [ 56,  88) maxClockSkew           [144, 176) version (0 = never set)
/// `bounds` = minValues << 128 | maxValues, `deltas` = maxDeltas; each an 8 × 16-bit pack with
/// metric i in bits [112-16i, 128-16i), the same order as the payload and DeviceRecords.lastValues.
library ProfileCodec {
    struct Packed {
        uint256 params;
        uint256 bounds;
        uint256 deltas;
    }

    uint256 internal constant MAX_METRICS = 8;
    uint256 internal constant MAX_PAYLOAD_BYTES = 256;

    function metricCount(uint256 params) internal pure returns (uint256) {
        return params & 0xff;
    }

    function maxPayloadBytes(uint256 params) internal pure returns (uint256) {
        return (params >> 8) & 0xffff;
    }

    function minInterval(uint256 params) internal pure returns (uint256) {
        return (params >> 24) & 0xffffffff;
    }

    function maxClockSkew(uint256 params) internal pure returns (uint256) {
        return (params >> 56) & 0xffffffff;
    }

    function flagThreshold(uint256 params) internal pure returns (uint256) {
        return (params >> 88) & 0xffff;
    }

    function flagWindow(uint256 params) internal pure returns (uint256) {
        return (params >> 104) & 0xffffffff;
    }

    function suspensionsBeforeRevoke(uint256 params) internal pure returns (uint256) {
        return (params >> 136) & 0xff;
    }

    function version(uint256 params) internal pure returns (uint32) {
        return uint32(params >> 144);
    }

    /// @notice Checks the rules of a profile; reverts InvalidProfile(reason) on the first broken one.
    function validate(IPythiaFleetTypes.Profile calldata p) internal pure {
        uint256 n = p.metricCount;
        if (n == 0 || n > MAX_METRICS) revert IBehaviourProfiles.InvalidProfile("metricCount must be 1..8");
        if (p.minValue.length != n || p.maxValue.length != n || p.maxDelta.length != n) {
            revert IBehaviourProfiles.InvalidProfile("minValue, maxValue and maxDelta must have metricCount entries");
        }
        for (uint256 i; i < n; ++i) {
            if (p.minValue[i] > p.maxValue[i]) revert IBehaviourProfiles.InvalidProfile("minValue > maxValue");
        }
        if (p.maxPayloadBytes < 2 * n) revert IBehaviourProfiles.InvalidProfile("maxPayloadBytes < 2 * metricCount");
        if (p.maxPayloadBytes > MAX_PAYLOAD_BYTES) revert IBehaviourProfiles.InvalidProfile("maxPayloadBytes > 256");
        if (p.flagThreshold != 0 && p.flagWindow == 0) {
            revert IBehaviourProfiles.InvalidProfile("flagWindow must be > 0 when flagThreshold > 0");
        }
    }

    /// @notice Packs a (validated) profile with its version.
    function encode(IPythiaFleetTypes.Profile calldata p, uint32 version_) internal pure returns (Packed memory out) {
        out.params =
            uint256(p.metricCount) |
            (uint256(p.maxPayloadBytes) << 8) |
            (uint256(p.minInterval) << 24) |
            (uint256(p.maxClockSkew) << 56) |
            (uint256(p.flagThreshold) << 88) |
            (uint256(p.flagWindow) << 104) |
            (uint256(p.suspensionsBeforeRevoke) << 136) |
            (uint256(version_) << 144);
        uint256 mins;
        uint256 maxs;
        uint256 deltas;
        for (uint256 i; i < p.metricCount; ++i) {
            uint256 shift = 112 - 16 * i;
            mins |= uint256(uint16(p.minValue[i])) << shift;
            maxs |= uint256(uint16(p.maxValue[i])) << shift;
            deltas |= uint256(p.maxDelta[i]) << shift;
        }
        out.bounds = (mins << 128) | maxs;
        out.deltas = deltas;
    }

    /// @notice Unpacks a stored profile.
    function decode(Packed storage stored) internal view returns (IPythiaFleetTypes.Profile memory p, uint32 version_) {
        uint256 params = stored.params;
        version_ = version(params);
        if (version_ == 0) return (p, 0);
        uint256 n = metricCount(params);
        p.metricCount = uint8(n);
        p.maxPayloadBytes = uint16(maxPayloadBytes(params));
        p.minInterval = uint32(minInterval(params));
        p.maxClockSkew = uint32(maxClockSkew(params));
        p.flagThreshold = uint16(flagThreshold(params));
        p.flagWindow = uint32(flagWindow(params));
        p.suspensionsBeforeRevoke = uint8(suspensionsBeforeRevoke(params));
        p.minValue = new int16[](n);
        p.maxValue = new int16[](n);
        p.maxDelta = new uint16[](n);
        uint256 bounds = stored.bounds;
        uint256 deltas = stored.deltas;
        for (uint256 i; i < n; ++i) {
            uint256 shift = 112 - 16 * i;
            p.minValue[i] = int16(uint16(bounds >> (128 + shift)));
            p.maxValue[i] = int16(uint16(bounds >> shift));
            p.maxDelta[i] = uint16(deltas >> shift);
        }
    }
}
