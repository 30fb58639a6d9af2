// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDeviceKeyLifecycle} from "./IDeviceKeys.sol";

/// @title Pythia fleet: shared types, events and errors of the device registry, the behaviour
/// profiles and the reading inspection. docs/protocol.md and docs/contracts.md are the prose
/// version of this file.
interface IPythiaFleetTypes {
    /// @dev None = never registered. Revoked is final: a revoked device never becomes active again,
    /// never submits again, and its public key can never be registered again.
    enum DeviceStatus {
        None,
        Active,
        Suspended,
        Revoked
    }

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
        uint16 maxPayloadBytes; // a payload must hold 2*metricCount bytes and at most this many (<= 256)
        uint32 minInterval; // seconds between consecutive device timestamps
        uint32 maxClockSkew; // how far a device timestamp may run ahead of the block time
        uint16 flagThreshold; // flags within flagWindow that suspend the device; 0 = never
        uint32 flagWindow; // seconds (fixed window starting at the first flag, block time)
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

    /// @notice Everything known about a device, in one read. An unknown device has status None.
    /// @dev `lastValues` has the effective profile's metricCount entries once the device has sent a
    /// reading whose payload held its metrics, and is empty before. `lastTimestamp` saturates at 2^40-1.
    struct DeviceView {
        DeviceStatus status;
        uint16 classId;
        bool hasOwnProfile;
        uint64 lastSequence;
        uint64 lastTimestamp;
        int16[] lastValues;
        uint32 flags;
        uint16 flagsInWindow;
        uint64 flagWindowStart;
        uint8 autoSuspensions;
        bytes publicKey;
    }
}

/// @title Device identities, their status and the AAA roles.
interface IDeviceRegistry is IPythiaFleetTypes {
    /// @notice A device was registered by `registrar` (an operator or a manufacturer).
    event DeviceRegistered(address indexed device, uint16 indexed classId, bytes publicKey, address indexed registrar);

    /// @notice Every status transition, manual (`by` = the operator) or automatic (`by` = the fleet contract).
    event DeviceStatusChanged(
        address indexed device,
        DeviceStatus previous,
        DeviceStatus current,
        address indexed by,
        string reason
    );

    /// @notice The public key is not 64 bytes X ‖ Y of a point on secp256k1.
    error InvalidPublicKey();
    /// @notice The device (its key) is already registered; revoked devices stay registered for good.
    error DeviceAlreadyRegistered(address device);
    /// @notice No behaviour profile was ever set for the class.
    error UnknownClass(uint16 classId);
    /// @notice The device was never registered.
    error UnknownDevice(address device);
    /// @notice The requested status change is not allowed from the device's current status.
    error InvalidStatusTransition(address device, DeviceStatus current);
    /// @notice The caller holds neither OPERATOR_ROLE nor MANUFACTURER_ROLE (registration), nor
    /// OPERATOR_ROLE nor IDENTITY_ROLE (revocation).
    error Unauthorized(address account);

    /// @notice The admin set the ownership contract that mints a token for every registered device.
    event DeviceOwnershipSet(address indexed ownership);
    /// @notice The ownership contract is set once, for good.
    error DeviceOwnershipAlreadySet(address ownership);
    /// @notice The ownership contract may not be the zero address.
    error InvalidDeviceOwnership();
    /// @notice A device's first owner may not be the zero address.
    error InvalidInitialOwner();

    /// @notice Registers a device by its 64-byte public key X ‖ Y; its id is the key's Ethereum address.
    /// @dev OPERATOR_ROLE or MANUFACTURER_ROLE. The class must have a profile. The key must never have
    /// been registered or rotated in by any device. The device's ownership token (if an ownership
    /// contract is set) is minted to the caller.
    function registerDevice(bytes calldata publicKey, uint16 classId) external returns (address device);

    /// @notice Registers many devices of one class; all or nothing. Tokens are minted to the caller.
    function registerDevices(bytes[] calldata publicKeys, uint16 classId) external returns (address[] memory devices);

    /// @notice As registerDevices, with the devices' tokens minted to `initialOwner` (the identity
    /// contract provisions a manufacturer's devices this way).
    function registerDevicesFor(
        bytes[] calldata publicKeys,
        uint16 classId,
        address initialOwner
    ) external returns (address[] memory devices);

    /// @notice Sets the ownership contract, once (DEFAULT_ADMIN_ROLE). Until it is set, registration mints no token.
    function setDeviceOwnership(address ownership) external;

    /// @notice The ownership contract (zero until set).
    function deviceOwnership() external view returns (address);

    /// @notice Active → Suspended (OPERATOR_ROLE).
    function suspendDevice(address device, string calldata reason) external;

    /// @notice Suspended → Active (OPERATOR_ROLE); resets the device's flag window.
    function reinstateDevice(address device, string calldata reason) external;

    /// @notice Active | Suspended → Revoked (OPERATOR_ROLE, or IDENTITY_ROLE for a compromised key
    /// revoked by its owner through the identity contract). Final.
    function revokeDevice(address device, string calldata reason) external;

    /// @notice The device's status (None if unknown).
    function deviceStatus(address device) external view returns (DeviceStatus);

    /// @notice Everything known about a device (status None and empty fields if unknown).
    function getDevice(address device) external view returns (DeviceView memory);

    /// @notice The device id of a 64-byte public key (reverts InvalidPublicKey on a wrong length).
    function deviceIdOf(bytes calldata publicKey) external pure returns (address);
}

/// @title Expected behaviour per device class, optionally overridden per device.
interface IBehaviourProfiles is IPythiaFleetTypes {
    /// @notice The profile of a class was set; `version` counts the sets of that class from 1.
    event ClassProfileSet(uint16 indexed classId, uint32 version, Profile profile);
    /// @notice A device's own profile was set; `version` counts the sets for that device from 1.
    event DeviceProfileSet(address indexed device, uint32 version, Profile profile);
    /// @notice A device's own profile was removed; its class profile applies again.
    event DeviceProfileCleared(address indexed device);

    /// @notice The profile is malformed; `reason` names the rule it breaks.
    error InvalidProfile(string reason);
    /// @notice clearDeviceProfile on a device that has no own profile.
    error NoDeviceProfile(address device);

    /// @notice Sets (or replaces) the profile of a device class (OPERATOR_ROLE).
    function setClassProfile(uint16 classId, Profile calldata profile) external;

    /// @notice Gives a registered device its own profile, overriding its class (OPERATOR_ROLE).
    function setDeviceProfile(address device, Profile calldata profile) external;

    /// @notice Removes a device's own profile (OPERATOR_ROLE).
    function clearDeviceProfile(address device) external;

    /// @notice A class profile and its version (version 0 and an empty profile if never set).
    function classProfile(uint16 classId) external view returns (Profile memory profile, uint32 version);

    /// @notice The profile that applies to a device, its version, and whether it is the device's own.
    function effectiveProfile(address device) external view returns (Profile memory profile, uint32 version, bool own);
}

/// @title The transaction data inspection interface: device-signed readings checked on chain.
interface IReadingInspection is IPythiaFleetTypes {
    /// @notice A reading was recorded and matched the device's profile.
    event ReadingAccepted(address indexed device, uint64 sequence);
    /// @notice A reading was recorded and broke the profile. `reasons` is a bitmask: OutOfRange = 1,
    /// ExcessiveChange = 2, TooFrequent = 4, PayloadSize = 8, ClockSkew = 16 (and, for flags raised outside
    /// the reading path with DeviceFlagged, FirmwareUnapproved = 32). `metric`/`value` name the
    /// first offending metric when a metric check failed, else 0.
    event ReadingFlagged(address indexed device, uint64 sequence, uint8 reasons, uint8 metric, int16 value);
    /// @notice A batch item was not recorded.
    event ReadingSkipped(address indexed device, uint64 sequence, SkipReason reason);

    /// @notice Batch item `index` is not a well-formed ABI SignedReading (dirty high bits, or a payload
    /// outside the calldata): the whole batch reverts, as it would in Solidity's ABI decoder.
    error MalformedReading(uint256 index);

    /// @notice Verifies, records and inspects device-signed readings, in order (RELAYER_ROLE).
    /// Bad items are skipped with ReadingSkipped and never revert the batch.
    function submitReadings(SignedReading[] calldata readings) external;

    /// @notice The EIP-712 digest a device signs for `reading` (r and vs are ignored).
    function readingDigest(SignedReading calldata reading) external view returns (bytes32);

    /// @notice The EIP-712 domain separator (name "Pythia", version "1", this chain, this contract).
    function domainSeparator() external view returns (bytes32);
}

/// @title The deployable fleet: registry, profiles and inspection in one contract.
interface IPythiaFleet is IDeviceKeyLifecycle, IDeviceRegistry, IBehaviourProfiles, IReadingInspection {}
