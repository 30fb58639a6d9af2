// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPythiaFleetTypes} from "../interfaces/IPythiaFleet.sol";
import {IBehaviourProfiles} from "../interfaces/IPythiaFleet.sol";

/// @title Packed storage form of a behaviour profile: four words.
/// @notice The reading hot path loads a profile with at most four SLOADs; after the first reading
/// of a class in a batch they are warm (100 gas each).
/// @dev The per-metric words are "spread" for SWAR (SIMD within a register) checks: metric i sits
/// in the 32-bit lane [32*(7-i), 32*(7-i)+32), as a 16-bit value in the lane's low half, so that all
/// eight metrics are compared with a handful of word operations (see ReadingInspection._checkMetrics).
/// Signed values are stored *biased* (int16 XOR 0x8000, which maps int16 order onto uint16 order).
///   params  [  0,   8) metricCount            [ 88, 104) flagThreshold
///           [  8,  24) maxPayloadBytes        [104, 136) flagWindow
///           [ 24,  56) minInterval            [136, 144) suspensionsBeforeRevoke
///           [ 56,  88) maxClockSkew           [144, 176) version (0 = never set)
///           [176, 184) deltaMask (bit i = maxDelta[i] != 0)
///   lows    biased minValue per lane; lanes past metricCount 0x0000 (no lower bound)
///   highs   biased maxValue per lane; lanes past metricCount 0xFFFF (no upper bound)
///   deltas  maxDelta per lane; 0 (disabled) and lanes past metricCount stored as 0xFFFF, which no
///           change between two int16 values exceeds
library ProfileCodec {
    struct Packed {
        uint256 params;
        uint256 lows;
        uint256 highs;
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

    function deltaMask(uint256 params) internal pure returns (uint256) {
        return (params >> 176) & 0xff;
    }

    /// @dev Bit offset of metric i's lane in a spread word.
    function lane(uint256 i) internal pure returns (uint256) {
        unchecked {
            return 32 * (7 - i);
        }
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
        uint256 mask;
        uint256 lows;
        uint256 highs = type(uint256).max; // every lane 0xFFFF.. until set; trimmed to 16 bits below
        uint256 deltas = type(uint256).max;
        for (uint256 i; i < p.metricCount; ++i) {
            uint256 at = lane(i);
            uint256 clear = ~(uint256(0xffffffff) << at);
            lows = (lows & clear) | (uint256(uint16(p.minValue[i]) ^ 0x8000) << at);
            highs = (highs & clear) | (uint256(uint16(p.maxValue[i]) ^ 0x8000) << at);
            uint256 d = p.maxDelta[i];
            if (d != 0) mask |= 1 << i;
            deltas = (deltas & clear) | ((d == 0 ? 0xffff : d) << at);
        }
        uint256 lanes16 = 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff;
        out.params =
            uint256(p.metricCount) |
            (uint256(p.maxPayloadBytes) << 8) |
            (uint256(p.minInterval) << 24) |
            (uint256(p.maxClockSkew) << 56) |
            (uint256(p.flagThreshold) << 88) |
            (uint256(p.flagWindow) << 104) |
            (uint256(p.suspensionsBeforeRevoke) << 136) |
            (uint256(version_) << 144) |
            (mask << 176);
        out.lows = lows;
        out.highs = highs & lanes16;
        out.deltas = deltas & lanes16;
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
        uint256 lows = stored.lows;
        uint256 highs = stored.highs;
        uint256 deltas = stored.deltas;
        uint256 mask = deltaMask(params);
        for (uint256 i; i < n; ++i) {
            uint256 at = lane(i);
            p.minValue[i] = int16(uint16(lows >> at) ^ 0x8000);
            p.maxValue[i] = int16(uint16(highs >> at) ^ 0x8000);
            p.maxDelta[i] = mask & (1 << i) != 0 ? uint16(deltas >> at) : 0;
        }
    }
}
