// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IReadingInspection} from "./interfaces/IPythiaFleet.sol";
import {BehaviourProfiles} from "./BehaviourProfiles.sol";
import {DeviceRecords} from "./libraries/DeviceRecords.sol";
import {ProfileCodec} from "./libraries/ProfileCodec.sol";

/// @title Reading inspection: the "transaction data inspection interface".
/// @notice A relayer (gateway) submits batches of device-signed readings. Each item is verified
/// (EIP-712 signature by the device itself, low s, device active, sequence fresh) and otherwise
/// skipped with a reason; a verified reading is always recorded and then checked against the
/// device's effective profile. A reading that breaks the profile is flagged on chain (immutable
/// evidence), and enough flags in a window suspend the device, enough suspensions revoke it.
/// @dev Gas: a clean reading touches one cold storage slot (the device record, read and written
/// once) plus three warm profile slots. Flag bookkeeping lives in a second slot that only the
/// flag path touches. There is no per-device reading counter: it would cost a second cold slot
/// per reading; indexers count ReadingAccepted / ReadingFlagged events instead.
abstract contract ReadingInspection is BehaviourProfiles, EIP712, IReadingInspection {
    using DeviceRecords for uint256;

    /// @notice keccak256("Reading(address device,uint64 sequence,uint64 timestamp,bytes payload)")
    bytes32 public constant READING_TYPEHASH =
        keccak256("Reading(address device,uint64 sequence,uint64 timestamp,bytes payload)");

    uint8 internal constant OUT_OF_RANGE = 1;
    uint8 internal constant EXCESSIVE_CHANGE = 2;
    uint8 internal constant TOO_FREQUENT = 4;
    uint8 internal constant PAYLOAD_SIZE = 8;
    uint8 internal constant CLOCK_SKEW = 16;

    /// @dev Flag bookkeeping of a device; one slot, touched only when a reading is flagged or on reinstatement.
    struct FlagState {
        uint32 flags; // all flagged readings, ever (saturating)
        uint16 flagsInWindow;
        uint40 windowStart; // block time of the first flag of the current window
        uint8 autoSuspensions; // suspensions by the contract (saturating)
    }

    mapping(address device => FlagState) private _flagStates;

    constructor() EIP712("Pythia", "1") {}

    /// @inheritdoc IReadingInspection
    function submitReadings(SignedReading[] calldata readings) external onlyRole(RELAYER_ROLE) {
        bytes32 domain = _domainSeparatorV4();
        uint256 n = readings.length;
        for (uint256 i; i < n; ) {
            _processReading(readings[i], domain);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IReadingInspection
    function readingDigest(SignedReading calldata reading) external view returns (bytes32) {
        return _readingDigest(_domainSeparatorV4(), reading.device, reading.sequence, reading.timestamp, reading.payload);
    }

    /// @inheritdoc IReadingInspection
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ hot path

    function _processReading(SignedReading calldata reading, bytes32 domain) private {
        address device = reading.device;
        uint64 sequence = reading.sequence;
        if (!_signedByDevice(reading, device, sequence, domain)) {
            return _skip(device, sequence, SkipReason.BadSignature);
        }
        uint256 record = _deviceRecord(device);
        DeviceStatus status = record.status();
        if (status != DeviceStatus.Active) {
            return
                _skip(
                    device,
                    sequence,
                    status == DeviceStatus.None
                        ? SkipReason.UnknownDevice
                        : status == DeviceStatus.Suspended
                            ? SkipReason.DeviceSuspended
                            : SkipReason.DeviceRevoked
                );
        }
        if (sequence <= record.lastSequence()) return _skip(device, sequence, SkipReason.Replayed);
        _record(reading, device, sequence, record);
    }

    /// @dev EIP-712 signature check: low s (OZ ECDSA), and the signer is the device itself.
    function _signedByDevice(
        SignedReading calldata reading,
        address device,
        uint64 sequence,
        bytes32 domain
    ) private pure returns (bool) {
        bytes32 digest = _readingDigest(domain, device, sequence, reading.timestamp, reading.payload);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, reading.r, reading.vs);
        return err == ECDSA.RecoverError.NoError && signer == device;
    }

    /// @dev Records a verified reading of an active device, inspects it, and emits the verdict.
    function _record(SignedReading calldata reading, address device, uint64 sequence, uint256 record) private {
        ProfileCodec.Packed storage profile = _profileOf(device, record);
        uint256 params = profile.params;
        (uint256 updated, uint256 verdict) = _inspect(record, profile, params, sequence, reading);
        _setDeviceRecord(device, updated);
        if (verdict == 0) {
            emit ReadingAccepted(device, sequence);
        } else {
            emit ReadingFlagged(device, sequence, uint8(verdict), uint8(verdict >> 8), int16(uint16(verdict >> 16)));
            _onFlagged(device, params);
        }
    }

    /// @dev Checks a reading against a profile. Returns the device record that records it, and the
    /// verdict packed as reasons | metric << 8 | uint16(value) << 16 (0 = clean).
    function _inspect(
        uint256 record,
        ProfileCodec.Packed storage profile,
        uint256 params,
        uint64 sequence,
        SignedReading calldata reading
    ) private view returns (uint256 updated, uint256 verdict) {
        (uint256 ts, uint256 timeVerdict) = _inspectTime(record, params, reading.timestamp);
        (uint256 kept, uint256 payloadVerdict) = _inspectPayload(record, profile, params, reading.payload);
        verdict = timeVerdict | payloadVerdict;
        updated = kept | (uint256(sequence) << DeviceRecords.SEQUENCE_SHIFT) | (ts << DeviceRecords.TIMESTAMP_SHIFT);
    }

    /// @dev ClockSkew and TooFrequent. Returns the timestamp to store (40 bits, saturating: year 36812;
    /// a later timestamp is clock skew anyway).
    function _inspectTime(
        uint256 record,
        uint256 params,
        uint64 timestamp
    ) private view returns (uint256 ts, uint256 verdict) {
        unchecked {
            if (timestamp > block.timestamp + ProfileCodec.maxClockSkew(params)) verdict = CLOCK_SKEW;
            ts = timestamp > DeviceRecords.MAX_TIMESTAMP ? DeviceRecords.MAX_TIMESTAMP : timestamp;
            if (record.lastSequence() != 0) {
                uint256 lastTs = record.lastTimestamp();
                // A clock going backwards is always too frequent.
                if (ts < lastTs || ts - lastTs < ProfileCodec.minInterval(params)) verdict |= TOO_FREQUENT;
            }
        }
    }

    /// @dev PayloadSize, then the metric checks. Returns the record without sequence and timestamp,
    /// holding the new values (or the previous ones if the payload is too short to hold the metrics).
    function _inspectPayload(
        uint256 record,
        ProfileCodec.Packed storage profile,
        uint256 params,
        bytes calldata payload
    ) private view returns (uint256 kept, uint256 verdict) {
        unchecked {
            uint256 count = ProfileCodec.metricCount(params);
            if (payload.length > ProfileCodec.maxPayloadBytes(params)) verdict = PAYLOAD_SIZE;
            if (payload.length < 2 * count) {
                // Flagged, value checks skipped, last values kept.
                return (
                    record & (DeviceRecords.IDENTITY_MASK | DeviceRecords.HAS_VALUES_BIT | DeviceRecords.VALUES_MASK),
                    verdict | PAYLOAD_SIZE
                );
            }
            uint256 word;
            // The metrics are the first 2*count (<= 16) payload bytes: one calldataload, the bytes
            // past the metrics masked off (they may belong to the next calldata item).
            assembly ("memory-safe") {
                word := calldataload(payload.offset)
            }
            uint256 values = (word >> 128) & ~((uint256(1) << (128 - 16 * count)) - 1);
            verdict |= _checkMetrics(record, profile, values, count);
            kept = (record & DeviceRecords.IDENTITY_MASK) | DeviceRecords.HAS_VALUES_BIT | values;
        }
    }

    /// @dev Range and change checks of every metric. Returns reasons | metric << 8 | uint16(value) << 16
    /// for the first offending metric (0 if all metrics pass).
    function _checkMetrics(
        uint256 record,
        ProfileCodec.Packed storage profile,
        uint256 values,
        uint256 count
    ) private view returns (uint256 verdict) {
        uint256 bounds = profile.bounds;
        // maxDelta only matters against previous values; skip its SLOAD otherwise.
        uint256 deltas = record.hasValues() ? profile.deltas : 0;
        unchecked {
            for (uint256 i; i < count; ++i) {
                int16 v = DeviceRecords.metricAt(values, i);
                uint256 bad;
                if (v < DeviceRecords.metricAt(bounds >> 128, i) || v > DeviceRecords.metricAt(bounds, i)) {
                    bad = OUT_OF_RANGE;
                }
                uint256 maxDelta = uint16(deltas >> (112 - 16 * i));
                if (maxDelta != 0) {
                    int256 change = int256(v) - int256(DeviceRecords.metricAt(record, i));
                    if (uint256(change < 0 ? -change : change) > maxDelta) bad |= EXCESSIVE_CHANGE;
                }
                if (bad != 0) {
                    if (verdict == 0) verdict = (i << 8) | (uint256(uint16(v)) << 16);
                    verdict |= bad;
                }
            }
        }
    }

    /// @dev EIP-712 digest of a reading, hashed in scratch memory above the free memory pointer
    /// (not allocated: a batch of N readings must not grow memory N times, which abi.encode would).
    function _readingDigest(
        bytes32 domain,
        address device,
        uint64 sequence,
        uint64 deviceTime,
        bytes calldata payload
    ) private pure returns (bytes32 digest) {
        bytes32 typeHash = READING_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, payload.offset, payload.length)
            let payloadHash := keccak256(ptr, payload.length)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), and(device, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x40), and(sequence, 0xffffffffffffffff))
            mstore(add(ptr, 0x60), and(deviceTime, 0xffffffffffffffff))
            mstore(add(ptr, 0x80), payloadHash)
            let structHash := keccak256(ptr, 0xa0)
            // keccak256("\x19\x01" ‖ domainSeparator ‖ structHash), as MessageHashUtils.toTypedDataHash.
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domain)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
    }

    function _skip(address device, uint64 sequence, SkipReason reason) private {
        emit ReadingSkipped(device, sequence, reason);
    }

    // ------------------------------------------------------------------ graduated response

    /// @dev Counts a flag in the device's fixed window; at the threshold, suspends the device, or
    /// revokes it once its automatic suspensions reach the profile's limit.
    function _onFlagged(address device, uint256 params) private {
        FlagState memory state = _flagStates[device];
        unchecked {
            if (state.flags != type(uint32).max) ++state.flags;
            uint256 threshold = ProfileCodec.flagThreshold(params);
            if (threshold == 0) {
                _flagStates[device] = state;
                return;
            }
            if (state.flagsInWindow == 0 || block.timestamp >= uint256(state.windowStart) + ProfileCodec.flagWindow(params)) {
                state.windowStart = uint40(block.timestamp);
                state.flagsInWindow = 1;
            } else {
                ++state.flagsInWindow;
            }
            if (state.flagsInWindow < threshold) {
                _flagStates[device] = state;
                return;
            }
            state.flagsInWindow = 0;
            state.windowStart = 0;
            if (state.autoSuspensions != type(uint8).max) ++state.autoSuspensions;
            _flagStates[device] = state;
            uint256 limit = ProfileCodec.suspensionsBeforeRevoke(params);
            if (limit != 0 && state.autoSuspensions >= limit) {
                _setStatus(device, DeviceStatus.Revoked, address(this), "suspension limit reached");
            } else {
                _setStatus(device, DeviceStatus.Suspended, address(this), "flag threshold reached");
            }
        }
    }

    /// @dev Reinstatement starts a fresh flag window (automatic suspensions are kept).
    function _afterReinstate(address device) internal override {
        FlagState storage state = _flagStates[device];
        state.flagsInWindow = 0;
        state.windowStart = 0;
    }

    /// @dev Fills the reading and flag parts of getDevice.
    function _describeDevice(address device, uint256 record, DeviceView memory v) internal view override {
        FlagState memory state = _flagStates[device];
        v.flags = state.flags;
        v.flagsInWindow = state.flagsInWindow;
        v.flagWindowStart = state.windowStart;
        v.autoSuspensions = state.autoSuspensions;
        if (record.hasValues()) {
            uint256 count = ProfileCodec.metricCount(_profileOf(device, record).params);
            v.lastValues = new int16[](count);
            for (uint256 i; i < count; ++i) v.lastValues[i] = DeviceRecords.metricAt(record, i);
        }
    }
}
