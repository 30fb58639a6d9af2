// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Pythia fleet: shared types, events and errors of the device registry, the behaviour
/// profiles and the reading inspection. docs/protocol.md is the prose version of this file.
interface IPythiaFleetTypes {
    /// @dev None = never registered. Revoked is final: a revoked device never becomes active again.
    enum DeviceStatus {
        None,
        Active,
        Suspended,
        Revoked
    }

    /// @notice Why a reading of a well-formed batch item was recorded but flagged (bit positions of `reasons`).
    /// OutOfRange = 1, ExcessiveChange = 2, TooFrequent = 4, PayloadSize = 8, ClockSkew = 16.

    /// @notice Why a batch item was skipped without being recorded. Skips never revert the batch.
    enum SkipReason {
        BadSignature,
        Replayed,
        UnknownDevice,
        DeviceSuspended,
        DeviceRevoked
    }

    /// @notice Expected behaviour of a device class (or of one device, overriding its class).
    /// @dev Metric values are int16 fixed-point; `minValue[i]`, `maxValue[i]`, `maxDelta[i]` apply to metric i.
    /// maxDelta 0 disables the change check for that metric.
    struct Profile {
        uint8 metricCount; // 1..8
        uint16 maxPayloadBytes; // a payload must hold 2*metricCount bytes and at most this many
        uint32 minInterval; // seconds between consecutive device timestamps
        uint32 maxClockSkew; // how far a device timestamp may run ahead of the block time
        uint16 flagThreshold; // flags within flagWindow that suspend the device; 0 = never
        uint32 flagWindow; // seconds
        uint8 suspensionsBeforeRevoke; // automatic suspensions that revoke the device; 0 = never
        int16[] minValue;
        int16[] maxValue;
        uint16[] maxDelta;
    }

    /// @notice A device-signed reading as relayed by a gateway. The signature is EIP-712 over
    /// Reading(address device,uint64 sequence,uint64 timestamp,bytes payload), in EIP-2098 compact form.
    struct SignedReading {
        address device;
        uint64 sequence;
        uint64 timestamp;
        bytes payload;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice Everything known about a device, in one read.
    struct DeviceView {
        DeviceStatus status;
        uint16 classId;
        bool hasOwnProfile;
        uint64 lastSequence;
        uint64 lastTimestamp;
        int16[] lastValues;
        uint32 readings;
        uint32 flags;
        uint16 flagsInWindow;
        uint8 autoSuspensions;
        bytes publicKey;
    }
}
