// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IReadingInspection} from "./interfaces/IPythiaFleet.sol";
import {IDeviceKeys} from "./interfaces/IDeviceKeys.sol";
import {IRelayerTrust} from "./interfaces/IRelayerTrust.sol";
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
/// Anomalies found outside the reading path (a device reporting unapproved firmware, ...) come in
/// through `flagDevice` (INSPECTOR_ROLE) and get the same graduated response.
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
    /// @dev Out-of-band only (flagDevice): the device reported a revoked or unknown firmware build.
    uint8 internal constant FIRMWARE_UNAPPROVED = 32;

    /// @notice Raises anomalies found outside the reading path (flagDevice), e.g. the firmware registry.
    bytes32 public constant INSPECTOR_ROLE = keccak256("INSPECTOR_ROLE");

    /// @dev Flag bookkeeping of a device; one slot, touched only when a reading is flagged or on reinstatement.
    struct FlagState {
        uint32 flags; // all flagged readings, ever (saturating)
        uint16 flagsInWindow;
        uint40 windowStart; // block time of the first flag of the current window
        uint8 autoSuspensions; // suspensions by the contract (saturating)
    }

    /// @notice Asked on every batch whether the relayer is bound to a trusted Pythia key (the
    /// PythiaRegistry); zero = no such check (the role alone decides).
    IRelayerTrust public immutable relayerTrust;

    mapping(address device => FlagState) private _flagStates;

    /// @param relayerTrust_ The PythiaRegistry (IRelayerTrust), or zero for no check.
    constructor(IRelayerTrust relayerTrust_) EIP712("Pythia", "1") {
        relayerTrust = relayerTrust_;
    }

    /// @dev Per-batch scratch memory, allocated once per batch: the cached profile, and the fields of
    /// the current item that the inspection needs. Class profiles stay cached across items
    /// (`key` = classId + 1), so a batch reads each class profile's slots once.
    struct Scratch {
        uint256 key; // 0x00
        uint256 params; // 0x20
        uint256 lows; // 0x40
        uint256 highs; // 0x60
        uint256 deltas; // 0x80
        uint256 time; // 0xa0: device timestamp of the current item
        uint256 payloadOffset; // 0xc0: calldata offset of the current payload's first byte
        uint256 payloadLength; // 0xe0
    }

    /// @inheritdoc IReadingInspection
    /// @dev Besides RELAYER_ROLE the caller must be bound to a trusted Pythia key (relayerTrust): one
    /// external call per batch, about 90 gas per reading in a batch of 100.
    function submitReadings(SignedReading[] calldata readings) external onlyRole(RELAYER_ROLE) {
        IRelayerTrust trust = relayerTrust;
        if (address(trust) != address(0) && !trust.isTrustedRelayer(msg.sender)) {
            revert IRelayerTrust.UntrustedRelayer(msg.sender);
        }
        Scratch memory scratch;
        bytes32 domain = _domainSeparatorV4();
        uint256 records = _deviceRecordsSlot();
        uint256 n = readings.length;
        for (uint256 i; i < n; ) {
            _processReading(readings, i, domain, records, scratch);
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc IDeviceKeys
    function flagDevice(address device, uint8 reasons, bytes32 evidence) external onlyRole(INSPECTOR_ROLE) {
        if (reasons == 0) revert InvalidFlagReasons();
        uint256 record = _deviceRecord(device);
        DeviceStatus status = record.status();
        if (status == DeviceStatus.None) revert UnknownDevice(device);
        if (status == DeviceStatus.Revoked) revert DeviceIsRevoked(device);
        emit DeviceFlagged(device, reasons, evidence, msg.sender);
        if (status == DeviceStatus.Active) {
            _onFlagged(device, _profileOf(device, record).params);
        } else {
            // Suspended: counted as evidence; suspending it again would mean nothing.
            FlagState storage state = _flagStates[device];
            if (state.flags != type(uint32).max) ++state.flags;
        }
    }

    /// @inheritdoc IReadingInspection
    function readingDigest(SignedReading calldata reading) external view returns (bytes32) {
        bytes calldata payload = reading.payload;
        uint256 offset;
        assembly ("memory-safe") {
            offset := payload.offset
        }
        return
            _readingDigest(_domainSeparatorV4(), reading.device, reading.sequence, reading.timestamp, offset, payload.length);
    }

    /// @inheritdoc IReadingInspection
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ hot path
    //
    // Gas budget per clean reading (target 15,000 including the transaction's base and calldata):
    // ~2,600 calldata and base share, 3,000 ecrecover, 2,100 + 2,900 for the device record (one cold
    // slot read and written once), 1,381 for the ReadingAccepted log. What is left for decoding,
    // hashing and checking is ~2,000 gas, hence assembly where Solidity's calldata accessors, memory
    // structs and typed casts cost too much. Skips and flags leave the hot path for plain Solidity.

    function _processReading(
        SignedReading[] calldata readings,
        uint256 i,
        bytes32 domain,
        uint256 records,
        Scratch memory scratch
    ) private {
        (address device, uint64 sequence, uint256 slot, uint256 record, uint256 skip) = _verify(
            readings,
            i,
            domain,
            records,
            scratch
        );
        if (skip != 0) return _skip(device, sequence, SkipReason(skip - 1));

        if (record.ownProfile() || scratch.key != uint256(record.classId()) + 1) _loadProfile(device, record, scratch);
        (uint256 updated, uint256 verdict) = _inspect(record, sequence, scratch);
        assembly ("memory-safe") {
            sstore(slot, updated)
        }
        if (verdict == 0) {
            emit ReadingAccepted(device, sequence);
        } else {
            emit ReadingFlagged(device, sequence, uint8(verdict), uint8(verdict >> 8), int16(uint16(verdict >> 16)));
            _onFlagged(device, scratch.params);
        }
    }

    /// @dev Decodes item `i` of the ABI-encoded SignedReading[], checks its signature and the device's
    /// status and sequence. Returns the device record and its storage slot, and `skip` = SkipReason + 1
    /// (0 = record the reading). Writes the item's timestamp and payload location to `scratch`.
    /// Decoding is in assembly: Solidity's calldata struct accessors re-derive and re-validate offsets
    /// on every field access. The checks kept are the ones that matter: clean types, and a payload inside
    /// the calldata (an item that breaks them is not a signed reading: the batch reverts).
    function _verify(
        SignedReading[] calldata readings,
        uint256 i,
        bytes32 domain,
        uint256 records,
        Scratch memory scratch
    ) private view returns (address device, uint64 sequence, uint256 slot, uint256 record, uint256 skip) {
        uint256 p;
        uint256 time;
        uint256 payloadOffset;
        uint256 payloadLength;
        bool malformed;
        assembly ("memory-safe") {
            let base := readings.offset
            p := add(base, calldataload(add(base, shl(5, i))))
            device := calldataload(p)
            sequence := calldataload(add(p, 0x20))
            time := calldataload(add(p, 0x40))
            let po := add(p, calldataload(add(p, 0x60)))
            payloadLength := calldataload(po)
            payloadOffset := add(po, 0x20)
            malformed := or(
                or(shr(160, device), or(shr(64, sequence), shr(64, time))),
                or(gt(payloadLength, 0xffffffff), gt(add(payloadOffset, payloadLength), calldatasize()))
            )
            mstore(add(scratch, 0xa0), time)
            mstore(add(scratch, 0xc0), payloadOffset)
            mstore(add(scratch, 0xe0), payloadLength)
        }
        if (malformed) revert MalformedReading(i);

        bytes32 digest = _readingDigest(domain, device, sequence, time, payloadOffset, payloadLength);
        bytes32 r;
        bytes32 vs;
        assembly ("memory-safe") {
            r := calldataload(add(p, 0x80))
            vs := calldataload(add(p, 0xa0))
        }
        address signer = _recoverSigner(digest, r, vs);
        assembly ("memory-safe") {
            // slot of _records[device] (DeviceRegistry), read once and written once per reading
            mstore(0x00, device)
            mstore(0x20, records)
            slot := keccak256(0x00, 0x40)
            record := sload(slot)
        }
        // An unrotated device signs with the key of its id; a rotated one (KEY_ROTATED, rare) with the
        // stored signer, whose slot only then is read. A retired key's signature is a bad signature.
        if (signer != device || record & DeviceRecords.KEY_ROTATED_BIT != 0 || signer == address(0)) {
            if (signer == address(0) || record & DeviceRecords.KEY_ROTATED_BIT == 0 || signer != _signerOf(device, record)) {
                return (device, sequence, 0, 0, 1 + uint256(SkipReason.BadSignature));
            }
        }
        assembly ("memory-safe") {
            switch and(shr(248, record), 3) // DeviceRecords status bits
            case 1 {
                // Active: the sequence must exceed the last one
                if iszero(gt(sequence, and(shr(168, record), 0xffffffffffffffff))) {
                    skip := 2 // 1 + SkipReason.Replayed
                }
            }
            case 0 {
                skip := 3 // 1 + SkipReason.UnknownDevice
            }
            case 2 {
                skip := 4 // 1 + SkipReason.DeviceSuspended
            }
            default {
                skip := 5 // 1 + SkipReason.DeviceRevoked
            }
        }
    }

    /// @dev Puts the device's effective profile in `scratch`.
    function _loadProfile(address device, uint256 record, Scratch memory scratch) private view {
        ProfileCodec.Packed storage profile = _profileOf(device, record);
        scratch.key = record.ownProfile() ? 0 : uint256(record.classId()) + 1;
        scratch.params = profile.params;
        scratch.lows = profile.lows;
        scratch.highs = profile.highs;
        scratch.deltas = profile.deltas;
    }

    /// @dev Checks a reading against a profile. Returns the device record that records it, and the
    /// verdict packed as reasons | metric << 8 | uint16(value) << 16 (0 = clean).
    /// Assembly: field extraction from the packed words is a shift and a mask each; in Solidity the
    /// same checks (typed casts, memory struct reads, saturations) cost about 1,000 gas more per reading.
    function _inspect(
        uint256 record,
        uint256 sequence,
        Scratch memory scratch
    ) private view returns (uint256 updated, uint256 verdict) {
        uint256 values;
        bool decoded;
        uint256 identity = DeviceRecords.IDENTITY_MASK;
        assembly ("memory-safe") {
            let params := mload(add(scratch, 0x20))
            // ClockSkew (16): the device clock runs ahead of the block by more than maxClockSkew.
            let time := mload(add(scratch, 0xa0))
            verdict := shl(4, gt(time, add(timestamp(), and(shr(56, params), 0xffffffff))))
            // Stored in 40 bits (year 36812); a later timestamp saturates (and is clock skew anyway).
            if gt(time, 0xffffffffff) {
                time := 0xffffffffff
            }
            // TooFrequent (4), after a previous reading: closer than minInterval, or going backwards.
            if and(shr(168, record), 0xffffffffffffffff) {
                let lastTime := and(shr(128, record), 0xffffffffff)
                if or(lt(time, lastTime), lt(sub(time, lastTime), and(shr(24, params), 0xffffffff))) {
                    verdict := or(verdict, 4)
                }
            }
            // PayloadSize (8): over maxPayloadBytes, or too short to hold the metrics.
            let count := and(params, 0xff)
            let length := mload(add(scratch, 0xe0))
            let short := lt(length, shl(1, count))
            verdict := or(verdict, shl(3, or(short, gt(length, and(shr(8, params), 0xffff)))))
            decoded := iszero(short)
            if decoded {
                // The metrics are the first 2*count (<= 16) payload bytes: one calldataload, the bytes
                // past the metrics masked off (they may belong to the next calldata item).
                values := and(
                    shr(128, calldataload(mload(add(scratch, 0xc0)))),
                    not(sub(shl(sub(128, shl(4, count)), 1), 1))
                )
            }
            // sequence, time; identity bits kept
            updated := or(
                and(record, identity),
                or(shl(168, sequence), shl(128, time))
            )
        }
        if (decoded) {
            verdict |= _checkMetrics(record, scratch, values);
            updated |= DeviceRecords.HAS_VALUES_BIT | values;
        } else {
            // Too short: value checks skipped, last values kept.
            updated |= record & (DeviceRecords.HAS_VALUES_BIT | DeviceRecords.VALUES_MASK);
        }
    }

    /// @dev Range and change checks of every metric. Returns reasons | metric << 8 | uint16(value) << 16
    /// for the first offending metric (0 if all metrics pass).
    ///
    /// SWAR: the values are spread into eight 32-bit lanes (as the profile's bounds are stored, see
    /// ProfileCodec) and biased (XOR 0x8000) so that signed order becomes unsigned order. Then per lane
    /// `(u | 2^16) - low` keeps its guard bit 16 iff u >= low, `(high | 2^16) - u` iff u <= high, and no
    /// lane borrows from its neighbour; the change check does the same with guard bit 18 on
    /// `last + maxDelta >= u` and `u + maxDelta >= last`. All metrics are checked with ~30 word
    /// operations; only a reading that breaks the profile walks the metrics to name the first one.
    function _checkMetrics(
        uint256 record,
        Scratch memory cache,
        uint256 values
    ) private pure returns (uint256 verdict) {
        uint256 u;
        uint256 lows;
        uint256 highs;
        uint256 last;
        uint256 deltas;
        bool compare;
        bool clean;
        assembly ("memory-safe") {
            // Spread eight 16-bit lanes (low 128 bits) into eight 32-bit lanes, order kept.
            function spread(x) -> y {
                y := and(or(x, shl(64, x)), 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff)
                y := and(or(y, shl(32, y)), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)
                y := and(or(y, shl(16, y)), 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)
            }
            let bias := 0x0000800000008000000080000000800000008000000080000000800000008000
            let guard16 := 0x0001000000010000000100000001000000010000000100000001000000010000
            u := xor(spread(values), bias)
            lows := mload(add(cache, 0x40))
            highs := mload(add(cache, 0x60))
            clean := eq(and(and(sub(or(u, guard16), lows), sub(or(highs, guard16), u)), guard16), guard16)
            // maxDelta only matters against previous values (hasValues, bit 251), and if some
            // metric has one (deltaMask, params bits 176..183).
            compare := and(shr(251, record), iszero(iszero(and(shr(176, mload(add(cache, 0x20))), 0xff))))
            if compare {
                let guard18 := 0x0004000000040000000400000004000000040000000400000004000000040000
                last := xor(spread(and(record, 0xffffffffffffffffffffffffffffffff)), bias)
                deltas := mload(add(cache, 0x80))
                clean := and(
                    clean,
                    eq(and(and(sub(or(add(last, deltas), guard18), u), sub(or(add(u, deltas), guard18), last)), guard18), guard18)
                )
            }
        }
        if (clean) return 0;
        // Slow path, flagged readings only: name the first offending metric.
        uint256 count = ProfileCodec.metricCount(cache.params);
        assembly ("memory-safe") {
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                let at := mul(32, sub(7, i))
                let ui := and(shr(at, u), 0xffff)
                let bad := or(lt(ui, and(shr(at, lows), 0xffff)), gt(ui, and(shr(at, highs), 0xffff)))
                if compare {
                    let li := and(shr(at, last), 0xffff)
                    let change := sub(ui, li)
                    if lt(ui, li) {
                        change := sub(li, ui)
                    }
                    if gt(change, and(shr(at, deltas), 0xffff)) {
                        bad := or(bad, 2)
                    }
                }
                if bad {
                    if iszero(verdict) {
                        // value = int16(ui ^ 0x8000), stored as its 16-bit pattern
                        verdict := or(shl(8, i), shl(16, xor(ui, 0x8000)))
                    }
                    verdict := or(verdict, bad)
                }
            }
        }
    }

    /// @dev EIP-712 digest of a reading whose payload is at `payloadOffset` in calldata, hashed in
    /// memory above the free memory pointer without allocating it (a batch of N readings must not grow
    /// memory N times, which abi.encode would).
    function _readingDigest(
        bytes32 domain,
        address device,
        uint256 sequence,
        uint256 deviceTime,
        uint256 payloadOffset,
        uint256 payloadLength
    ) private pure returns (bytes32 digest) {
        bytes32 typeHash = READING_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, payloadOffset, payloadLength)
            let payloadHash := keccak256(ptr, payloadLength)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), device)
            mstore(add(ptr, 0x40), sequence)
            mstore(add(ptr, 0x60), deviceTime)
            mstore(add(ptr, 0x80), payloadHash)
            let structHash := keccak256(ptr, 0xa0)
            // keccak256("\x19\x01" ‖ domainSeparator ‖ structHash), as MessageHashUtils.toTypedDataHash.
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domain)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
    }

    /// @dev The signer of `digest` under the EIP-2098 compact signature (r, vs), or address(0) when
    /// OZ's ECDSA.tryRecover(digest, r, vs) would return an error: s in the upper half of the curve
    /// order (EIP-2, malleable twin) or no address recovered. Same rules as OZ, ~400 gas cheaper per
    /// reading because it skips the library's error plumbing and the extra memory round trips;
    /// contracts/test/Readings.t.sol fuzzes it against ECDSA.tryRecover. v = 27 + the top bit of vs.
    function _recoverSigner(bytes32 digest, bytes32 r, bytes32 vs) private view returns (address signer) {
        assembly ("memory-safe") {
            let s := and(vs, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
            if iszero(gt(s, 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0)) {
                let ptr := mload(0x40)
                mstore(ptr, digest)
                mstore(add(ptr, 0x20), add(shr(255, vs), 27))
                mstore(add(ptr, 0x40), r)
                mstore(add(ptr, 0x60), s)
                // ecrecover precompile: writes nothing on failure, so clear the output word first.
                mstore(0x00, 0)
                pop(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20))
                signer := mload(0x00)
            }
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
