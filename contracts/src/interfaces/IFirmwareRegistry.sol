// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Firmware registry: shared types, events and errors. docs/contracts.md ("Firmware registry")
/// is the prose version of this file.
interface IFirmwareRegistryTypes {
    // ------------------------------------------------------------------ types

    /// @notice How a device's owner takes updates. ApproveEach (0) is the default of every ownership
    /// epoch: a new owner has granted nothing until they choose.
    enum UpdatePolicy {
        ApproveEach,
        Automatic
    }

    /// @notice The answer of isApproved / isManifestApproved. Approved = 0; every other value is a no.
    enum ApprovalReason {
        Approved, // 0
        UnknownRelease, // 1: no such release (or the manifest's fields differ from the published one)
        DeviceNotActive, // 2: the device is unknown, suspended or revoked
        WrongClass, // 3: mix-and-match: the release is for another device class
        Revoked, // 4: the release was revoked
        NotNewer, // 5: rollback: the release is not newer than the device's installed sequence
        OwnerApprovalMissing // 6: policy ApproveEach and the current owner has not approved the release
    }

    /// @notice What became of a device's signed install report.
    enum ReportVerdict {
        Installed, // recorded as the device's installed firmware
        UnknownBuild, // no release of the device's class has this sequence and digest
        OtherClass, // the digest is a release of another class (mix-and-match)
        RevokedBuild, // the release was revoked
        Rollback // the sequence is lower than the installed one
    }

    /// @notice A firmware manifest (SUIT in spirit). Signed as EIP-712
    /// FirmwareManifest(uint16 classId,uint64 sequence,bytes32 digest,uint64 size,string location,uint64 issuedAt).
    struct Manifest {
        uint16 classId;
        uint64 sequence; // strictly increasing per class
        bytes32 digest; // SHA-256 of the image
        uint64 size; // bytes of the image
        string location; // URI of the image
        uint64 issuedAt; // unix seconds, when the release keys signed it
    }

    /// @notice A published release as stored. `manifestHash` is the EIP-712 struct hash of its manifest.
    /// `installed`: a device reported running it; from then on only a threshold of release keys may
    /// revoke it (revokeReleaseWithKeys), since a revocation flags every device still running it.
    struct Release {
        uint16 classId;
        uint64 sequence;
        uint64 size;
        uint64 issuedAt;
        bool revoked;
        bool installed;
        bytes32 digest;
        bytes32 manifestHash;
    }

    /// @notice Release keys, threshold, freshness bounds and payee of a device class.
    struct ClassView {
        address[] keys;
        uint8 threshold;
        uint64 keysVersion; // 0 = no keys yet; 1 after the initial set; +1 per rotation
        uint64 latestSequence; // highest published sequence (0 = none)
        uint64 maxSequenceStep; // effective bound (default applied)
        uint32 maxManifestAge; // effective bound in seconds (default applied)
        address payee; // effective payee of paid updates (the manufacturer unless set)
    }

    /// @notice A paid update held in escrow.
    struct Escrow {
        address funder;
        uint64 epoch; // the device's ownership epoch when funded
        address device;
        uint64 deadline; // after it the funder may reclaim
        bool open;
        bytes32 releaseId;
        uint256 amount;
    }

    // ------------------------------------------------------------------ events

    /// @notice A class's release keys were set (version 1, by its manufacturer) or rotated (by a
    /// threshold of the previous keys; `by` = the submitter).
    event ReleaseKeysSet(uint16 indexed classId, uint64 version, address[] keys, uint8 threshold, address indexed by);
    /// @notice A class's freshness bounds were set (0 = the default).
    event ReleaseBoundsSet(uint16 indexed classId, uint64 maxSequenceStep, uint32 maxManifestAge);
    /// @notice A class's payee for paid updates was set (zero = the manufacturer).
    event PayeeSet(uint16 indexed classId, address payee);
    /// @notice A correctly signed manifest was published.
    event ReleasePublished(
        bytes32 indexed releaseId,
        uint16 indexed classId,
        uint64 sequence,
        bytes32 digest,
        uint64 size,
        string location,
        uint64 issuedAt,
        address submitter
    );
    /// @notice A release was revoked (by its class's manufacturer, or with a threshold of release keys: `by` is then the submitter). Final.
    event ReleaseRevoked(bytes32 indexed releaseId, uint16 indexed classId, uint64 sequence, address by, string reason);
    /// @notice A device's owner chose its update policy for the current ownership epoch.
    event UpdatePolicySet(address indexed device, uint64 indexed epoch, UpdatePolicy policy, address owner);
    /// @notice A device's owner approved (or withdrew the approval of) a release for the current epoch.
    event ReleaseApprovalSet(
        address indexed device,
        bytes32 indexed releaseId,
        uint64 indexed epoch,
        bool approved,
        address owner
    );
    /// @notice A device reported running a known release: it is now its installed firmware.
    event FirmwareInstalled(address indexed device, bytes32 indexed releaseId, uint64 sequence, bytes32 digest, uint64 nonce);
    /// @notice A device reported an unknown, revoked, foreign or older build: not recorded as installed,
    /// the device is flagged on the fleet (FirmwareUnapproved = 32, evidence = the digest).
    event FirmwareReportFlagged(
        address indexed device,
        uint64 sequence,
        bytes32 digest,
        uint64 nonce,
        ReportVerdict verdict
    );
    /// @notice The fleet refused the flag (for example this contract lacks INSPECTOR_ROLE, or the
    /// device is revoked there): FirmwareReportFlagged above remains the evidence.
    event FleetFlagFailed(address indexed device, bytes reason);
    /// @notice An owner funded the update of a device to a release.
    event UpdateFunded(
        uint256 indexed escrowId,
        address indexed device,
        bytes32 indexed releaseId,
        address funder,
        uint256 amount,
        uint64 deadline
    );
    /// @notice The device installed the funded release (or a later one): the amount is credited to `payee`.
    event EscrowReleased(uint256 indexed escrowId, address indexed payee, uint256 amount);
    /// @notice A reclaimable escrow was closed (by anyone) and its amount credited back to its funder.
    event EscrowReclaimed(uint256 indexed escrowId, address indexed funder, uint256 amount);
    /// @notice Credits were paid out.
    event Withdrawn(address indexed account, uint256 amount);

    // ------------------------------------------------------------------ errors

    /// @notice A constructor address is zero.
    error InvalidDependency();
    /// @notice The caller is not the manufacturer of the class (identity.classManufacturer).
    error NotClassManufacturer(uint16 classId, address account);
    /// @notice The caller is not the current owner of the device's token.
    error NotDeviceOwner(address device, address account);
    /// @notice The class already has release keys: only a threshold-signed rotation may change them.
    error ReleaseKeysAlreadySet(uint16 classId);
    /// @notice The class has no release keys yet.
    error NoReleaseKeys(uint16 classId);
    /// @notice The key set is empty, too large, holds a zero or duplicate key, or the threshold is 0 or above its size.
    error InvalidKeySet();
    /// @notice The rotation names a version other than the current version + 1.
    error InvalidKeysVersion(uint64 expected, uint64 given);
    /// @notice A signature does not recover (malformed, high s) or its signer is not a current release key.
    error InvalidSignature(address signer);
    /// @notice Signers must be current release keys in strictly ascending address order (no duplicates).
    error SignersNotAscending(address signer);
    /// @notice Fewer valid signatures than the class's threshold.
    error ThresholdNotMet(uint256 valid, uint256 threshold);
    /// @notice The manifest's digest, size or location is empty, or the location is too long.
    error InvalidManifest(string field);
    /// @notice Rollback: the sequence is not above the class's latest.
    error SequenceNotNewer(uint64 sequence, uint64 latest);
    /// @notice Fast-forward: the sequence jumps further than the class's maximum step.
    error SequenceTooFar(uint64 sequence, uint64 latest, uint64 maxStep);
    /// @notice Freeze: the manifest was issued longer ago than the class's maximum age.
    error ManifestExpired(uint64 issuedAt, uint64 oldestAccepted);
    /// @notice The manifest is dated in the future (beyond the allowed clock skew).
    error ManifestFromFuture(uint64 issuedAt);
    /// @notice The freshness bounds are outside their limits.
    error InvalidBounds();
    /// @notice No release has this id.
    error UnknownRelease(bytes32 releaseId);
    /// @notice The release was revoked.
    error ReleaseIsRevoked(bytes32 releaseId);
    /// @notice Devices run the release: revoking it needs a threshold of release keys (revokeReleaseWithKeys).
    error ReleaseInstalled(bytes32 releaseId);
    /// @notice The release is for another device class than the device's.
    error WrongDeviceClass(address device, uint16 deviceClass, uint16 releaseClass);
    /// @notice The device is not registered on the fleet.
    error UnknownDevice(address device);
    /// @notice The report's signature is not by the device's current key.
    error InvalidReportSignature(address device);
    /// @notice The report's nonce is not above the device's last report nonce.
    error ReportReplayed(address device, uint64 nonce, uint64 lastNonce);
    /// @notice The flag call to the fleet ran out of gas: retry with more gas.
    error InsufficientGas();
    /// @notice Funding needs a non-zero amount.
    error NoValue();
    /// @notice The escrow deadline is in the past or too far in the future.
    error InvalidDeadline(uint64 deadline);
    /// @notice The device already runs this release or a later one.
    error AlreadyInstalled(address device, bytes32 releaseId);
    /// @notice The device has too many open escrows.
    error TooManyEscrows(address device);
    /// @notice No open escrow has this id.
    error EscrowNotOpen(uint256 escrowId);
    /// @notice The escrow cannot be reclaimed yet: release not revoked, deadline not passed, owner unchanged.
    error EscrowNotReclaimable(uint256 escrowId);
    /// @notice The caller has no credit.
    error NothingToWithdraw(address account);
    /// @notice Sending the credit failed.
    error WithdrawFailed(address account);

}

/// @title Firmware registry: signed releases per device class, owner update policies, device
/// install reports and paid updates (issue #4).
interface IFirmwareRegistry is IFirmwareRegistryTypes {
    // ------------------------------------------------------------------ release keys

    /// @notice Sets a class's first release key set and threshold (k-of-n). Only the class's
    /// manufacturer, only once: afterwards only rotateReleaseKeys changes them.
    function setInitialReleaseKeys(uint16 classId, address[] calldata keys, uint8 threshold) external;

    /// @notice Replaces a class's release keys with a threshold of signatures by the CURRENT keys over
    /// EIP-712 ReleaseKeyRotation(uint16 classId,uint64 version,address[] keys,uint8 threshold),
    /// `version` = current version + 1 (TUF root rotation). Anyone may submit.
    /// @param signatures 65-byte signatures, signers in strictly ascending address order.
    function rotateReleaseKeys(
        uint16 classId,
        uint64 version,
        address[] calldata keys,
        uint8 threshold,
        bytes[] calldata signatures
    ) external;

    /// @notice Sets a class's maximum sequence step and maximum manifest age; 0 = the default. Manufacturer.
    function setReleaseBounds(uint16 classId, uint64 maxSequenceStep, uint32 maxManifestAge) external;

    /// @notice Sets who receives paid-update escrows of a class; zero = the manufacturer. Manufacturer.
    function setPayee(uint16 classId, address payee) external;

    // ------------------------------------------------------------------ releases

    /// @notice Publishes a manifest signed by at least `threshold` distinct current release keys of its
    /// class. Anyone may submit. Returns the release id, keccak256(abi.encode(classId, sequence)).
    /// @param signatures 65-byte signatures, signers in strictly ascending address order.
    function publishRelease(Manifest calldata manifest, bytes[] calldata signatures) external returns (bytes32 releaseId);

    /// @notice Revokes a release no device reported running yet, for good (ReleaseInstalled otherwise).
    /// The class's manufacturer: fast, and it can only deny.
    function revokeRelease(bytes32 releaseId, string calldata reason) external;

    /// @notice Revokes any release, installed or not, with a threshold of the class's current release
    /// keys over EIP-712 ReleaseRevocation(bytes32 releaseId). Anyone may submit. Devices still running
    /// it are flagged when they report, so this can suspend a class: it needs the same keys as a release.
    /// @param signatures 65-byte signatures, signers in strictly ascending address order.
    function revokeReleaseWithKeys(bytes32 releaseId, string calldata reason, bytes[] calldata signatures) external;

    // ------------------------------------------------------------------ owners

    /// @notice Sets the device's update policy for the current ownership epoch. The device's owner.
    function setUpdatePolicy(address device, UpdatePolicy policy) external;

    /// @notice Approves (or withdraws the approval of) a release for the device, for the current
    /// ownership epoch. The device's owner. Approving needs an unrevoked release of the device's class.
    function setReleaseApproval(address device, bytes32 releaseId, bool approved) external;

    // ------------------------------------------------------------------ devices

    /// @notice Records a device-signed report of the firmware it runs: EIP-712
    /// FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce) by fleet.deviceSigner(device).
    /// Anyone may submit (the gateway relays it). A report of an unknown, revoked, foreign or older
    /// build does not revert: it flags the device on the fleet.
    /// @param signature 65 bytes.
    function reportFirmware(
        address device,
        uint64 sequence,
        bytes32 digest,
        uint64 nonce,
        bytes calldata signature
    ) external returns (ReportVerdict verdict);

    // ------------------------------------------------------------------ paid updates

    /// @notice Funds the update of a device to a release (the device's owner; payable). The value is
    /// held until the device reports that release or a later one, then credited to the class's payee.
    function fundUpdate(address device, bytes32 releaseId, uint64 deadline) external payable returns (uint256 escrowId);

    /// @notice Anyone closes an open escrow once the release is revoked, the deadline has passed or the
    /// device's ownership changed; the amount is credited to its funder (withdraw to collect).
    function reclaimEscrow(uint256 escrowId) external;

    /// @notice Pays out the caller's credits.
    function withdraw() external;

    // ------------------------------------------------------------------ views

    /// @notice Whether a release is approved for a device now, and why not (ApprovalReason as uint8).
    function isApproved(address device, bytes32 releaseId) external view returns (bool approved, uint8 reason);

    /// @notice isApproved for a manifest as the device holds it: UnknownRelease unless every field
    /// matches the published manifest.
    function isManifestApproved(
        address device,
        Manifest calldata manifest
    ) external view returns (bool approved, uint8 reason);

    /// @notice The release id of a class's sequence.
    function releaseIdOf(uint16 classId, uint64 sequence) external pure returns (bytes32);

    /// @notice A published release (classId 0, sequence 0 if unknown).
    function getRelease(bytes32 releaseId) external view returns (Release memory);

    /// @notice A class's release keys, threshold, bounds and payee.
    function getClass(uint16 classId) external view returns (ClassView memory);

    /// @notice A device's installed sequence (0 = none reported) and last report nonce.
    function installedFirmware(address device) external view returns (uint64 sequence, uint64 lastNonce);

    /// @notice The device's update policy in its current ownership epoch.
    function updatePolicy(address device) external view returns (UpdatePolicy);

    /// @notice Whether the device's current owner approved the release in the current epoch.
    function releaseApproved(address device, bytes32 releaseId) external view returns (bool);

    /// @notice An escrow.
    function getEscrow(uint256 escrowId) external view returns (Escrow memory);

    /// @notice The ids of a device's open escrows funded in the current ownership epoch (escrows of
    /// earlier epochs never count against a new owner; they stay reclaimable by id).
    function openEscrows(address device) external view returns (uint256[] memory);

    /// @notice Credits the account may withdraw.
    function credits(address account) external view returns (uint256);

    /// @notice The EIP-712 digest of a manifest (domain "Pythia Firmware", "1").
    function manifestDigest(Manifest calldata manifest) external view returns (bytes32);

    /// @notice The EIP-712 digest of a key rotation.
    function rotationDigest(
        uint16 classId,
        uint64 version,
        address[] calldata keys,
        uint8 threshold
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest of a threshold revocation.
    function revocationDigest(bytes32 releaseId) external view returns (bytes32);

    /// @notice The EIP-712 digest of an install report.
    function reportDigest(address device, uint64 sequence, bytes32 digest, uint64 nonce) external view returns (bytes32);

    /// @notice The EIP-712 domain separator (name "Pythia Firmware", version "1", this chain, this contract).
    function domainSeparator() external view returns (bytes32);
}
