// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IFirmwareRegistry} from "./interfaces/IFirmwareRegistry.sol";
import {IDeviceRegistry, IPythiaFleetTypes} from "./interfaces/IPythiaFleet.sol";
import {IDeviceKeys} from "./interfaces/IDeviceKeys.sol";
import {IDeviceOwnership} from "./interfaces/IDeviceOwnership.sol";
import {IDeviceIdentity} from "./interfaces/IDeviceIdentity.sol";

/// @title Firmware registry: threshold-signed releases per device class, owner update policies,
/// device-signed install reports and paid updates held in escrow.
/// @notice Trust model (TUF/Uptane in spirit):
/// - Each device class has k-of-n release keys. Its manufacturer (identity.classManufacturer) sets the
///   first set once; afterwards only a threshold of the current keys can rotate them (versioned, so a
///   rotation signature cannot be replayed). A stolen manufacturer account therefore cannot publish
///   software, and one stolen release key below the threshold cannot either.
/// - A release is a SUIT-like manifest signed by at least `threshold` distinct current keys. Sequence
///   numbers strictly increase per class (no rollback) by at most a bounded step (no fast-forward), and
///   a manifest must be fresh (no freeze). Anyone may submit a signed manifest.
/// - Revocation: the class's manufacturer may revoke a release no device reported running yet (fast,
///   available when release keys are offline, and it only denies). Once a device runs a release,
///   revoking it flags every device still running it when it reports (which can suspend a whole
///   class), so that needs a threshold of release keys (revokeReleaseWithKeys), like publishing.
///   docs/contracts.md ("Firmware threat model") says what a stolen manufacturer account can do.
/// - Owners choose the update policy per device and approve releases; both are keyed by the device's
///   ownership epoch, so a transfer voids them at once and the new owner starts with ApproveEach.
/// - Devices report what they run, signed by their current key (fleet.deviceSigner). A report of a
///   build that is not a known, unrevoked, not-older release of the device's class is not recorded as
///   installed: it flags the device on the fleet (this contract holds the fleet's INSPECTOR_ROLE).
/// - Paid updates: an owner's payment is held until the device reports the release (or a later one)
///   while Active (a revoked or suspended device's report releases nothing), then credited to the
///   class's payee; pull payments only. Open escrows are counted per ownership epoch, so escrows left
///   by an earlier owner never block a new one; anyone may close a reclaimable escrow for its funder.
/// @dev Holds no roles of its own: every permission derives from the fleet, identity and ownership contracts.
contract FirmwareRegistry is EIP712, ReentrancyGuard, IFirmwareRegistry {
    /// @notice keccak256("FirmwareManifest(uint16 classId,uint64 sequence,bytes32 digest,uint64 size,string location,uint64 issuedAt)")
    bytes32 public constant MANIFEST_TYPEHASH =
        keccak256(
            "FirmwareManifest(uint16 classId,uint64 sequence,bytes32 digest,uint64 size,string location,uint64 issuedAt)"
        );
    /// @notice keccak256("ReleaseKeyRotation(uint16 classId,uint64 version,address[] keys,uint8 threshold)")
    bytes32 public constant ROTATION_TYPEHASH =
        keccak256("ReleaseKeyRotation(uint16 classId,uint64 version,address[] keys,uint8 threshold)");
    /// @notice keccak256("ReleaseRevocation(bytes32 releaseId)")
    bytes32 public constant REVOCATION_TYPEHASH = keccak256("ReleaseRevocation(bytes32 releaseId)");
    /// @notice keccak256("FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce)")
    bytes32 public constant REPORT_TYPEHASH =
        keccak256("FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce)");

    /// @notice The fleet's flag bit for firmware anomalies.
    uint8 public constant FIRMWARE_UNAPPROVED = 32;
    /// @notice Largest release key set of a class.
    uint256 public constant MAX_RELEASE_KEYS = 16;
    /// @notice Sequence step allowed per release unless the manufacturer sets another.
    uint64 public constant DEFAULT_MAX_SEQUENCE_STEP = 1_000;
    /// @notice Upper limit of a class's sequence step.
    uint64 public constant MAX_SEQUENCE_STEP_LIMIT = 1_000_000;
    /// @notice Manifest age accepted unless the manufacturer sets another.
    uint32 public constant DEFAULT_MAX_MANIFEST_AGE = 7 days;
    /// @notice Lower and upper limits of a class's manifest age.
    uint32 public constant MIN_MANIFEST_AGE = 1 hours;
    uint32 public constant MAX_MANIFEST_AGE_LIMIT = 365 days;
    /// @notice How far in the future a manifest's issuedAt may be (signer clocks vs block time).
    uint64 public constant MAX_CLOCK_SKEW = 5 minutes;
    /// @notice Longest manifest location, in bytes.
    uint256 public constant MAX_LOCATION_LENGTH = 512;
    /// @notice Open escrows a device may have at once (bounds the work of an install report).
    uint256 public constant MAX_OPEN_ESCROWS = 8;
    /// @notice Longest escrow deadline, from funding.
    uint64 public constant MAX_ESCROW_DURATION = 365 days;

    /// @notice The fleet: device status and class (IDeviceRegistry), device keys and flags (IDeviceKeys).
    address public immutable fleet;
    /// @notice The device ownership token.
    IDeviceOwnership public immutable ownership;
    /// @notice The device identity contract (class manufacturers).
    IDeviceIdentity public immutable identity;

    struct ClassState {
        uint64 keysVersion;
        uint64 latestSequence;
        uint64 maxSequenceStep; // 0 = default
        uint32 maxManifestAge; // 0 = default
        uint8 threshold;
        address payee; // zero = the manufacturer
        address[] keys;
    }

    struct FirmwareState {
        uint64 installedSequence;
        uint64 lastNonce;
    }

    mapping(uint16 classId => ClassState) private _classes;
    /// @dev A key is a current release key of a class iff its entry equals the class's keysVersion.
    mapping(uint16 classId => mapping(address key => uint64 version)) private _keyVersions;
    mapping(bytes32 releaseId => Release) private _releases;
    /// @dev The first release published with a digest (tells a foreign build from an unknown one).
    mapping(bytes32 digest => bytes32 releaseId) private _releaseByDigest;
    mapping(address device => FirmwareState) private _firmware;
    mapping(address device => mapping(uint64 epoch => UpdatePolicy)) private _policies;
    mapping(address device => mapping(uint64 epoch => mapping(bytes32 releaseId => bool))) private _approvals;
    mapping(uint256 escrowId => Escrow) private _escrows;
    mapping(address device => mapping(uint64 epoch => uint256[] escrowIds)) private _openEscrows;
    mapping(address account => uint256) private _credits;
    uint256 private _escrowCount;

    modifier onlyManufacturer(uint16 classId) {
        if (identity.classManufacturer(classId) != msg.sender || msg.sender == address(0)) {
            revert NotClassManufacturer(classId, msg.sender);
        }
        _;
    }

    modifier onlyDeviceOwner(address device) {
        if (ownership.ownerOfDevice(device) != msg.sender || msg.sender == address(0)) {
            revert NotDeviceOwner(device, msg.sender);
        }
        _;
    }

    /// @param fleet_ The PythiaFleet (IDeviceRegistry + IDeviceKeys); grant this contract its INSPECTOR_ROLE.
    /// @param ownership_ The device ownership token (IDeviceOwnership).
    /// @param identity_ The device identity contract (IDeviceIdentity).
    constructor(address fleet_, IDeviceOwnership ownership_, IDeviceIdentity identity_) EIP712("Pythia Firmware", "1") {
        if (fleet_ == address(0) || address(ownership_) == address(0) || address(identity_) == address(0)) {
            revert InvalidDependency();
        }
        fleet = fleet_;
        ownership = ownership_;
        identity = identity_;
    }

    // ------------------------------------------------------------------ release keys

    /// @inheritdoc IFirmwareRegistry
    function setInitialReleaseKeys(
        uint16 classId,
        address[] calldata keys,
        uint8 threshold
    ) external onlyManufacturer(classId) {
        ClassState storage c = _classes[classId];
        if (c.keysVersion != 0) revert ReleaseKeysAlreadySet(classId);
        _setKeys(classId, c, 1, keys, threshold);
    }

    /// @inheritdoc IFirmwareRegistry
    function rotateReleaseKeys(
        uint16 classId,
        uint64 version,
        address[] calldata keys,
        uint8 threshold,
        bytes[] calldata signatures
    ) external {
        ClassState storage c = _classes[classId];
        if (c.keysVersion == 0) revert NoReleaseKeys(classId);
        if (version != c.keysVersion + 1) revert InvalidKeysVersion(c.keysVersion + 1, version);
        _requireThreshold(classId, c, _rotationDigest(classId, version, keys, threshold), signatures);
        _setKeys(classId, c, version, keys, threshold);
    }

    /// @inheritdoc IFirmwareRegistry
    function setReleaseBounds(
        uint16 classId,
        uint64 maxSequenceStep,
        uint32 maxManifestAge
    ) external onlyManufacturer(classId) {
        if (maxSequenceStep > MAX_SEQUENCE_STEP_LIMIT) revert InvalidBounds();
        if (maxManifestAge != 0 && (maxManifestAge < MIN_MANIFEST_AGE || maxManifestAge > MAX_MANIFEST_AGE_LIMIT)) {
            revert InvalidBounds();
        }
        ClassState storage c = _classes[classId];
        c.maxSequenceStep = maxSequenceStep;
        c.maxManifestAge = maxManifestAge;
        emit ReleaseBoundsSet(classId, maxSequenceStep, maxManifestAge);
    }

    /// @inheritdoc IFirmwareRegistry
    function setPayee(uint16 classId, address payee) external onlyManufacturer(classId) {
        _classes[classId].payee = payee;
        emit PayeeSet(classId, payee);
    }

    // ------------------------------------------------------------------ releases

    /// @inheritdoc IFirmwareRegistry
    function publishRelease(
        Manifest calldata manifest,
        bytes[] calldata signatures
    ) external returns (bytes32 releaseId) {
        uint16 classId = manifest.classId;
        ClassState storage c = _classes[classId];
        if (c.keysVersion == 0) revert NoReleaseKeys(classId);
        _requireWellFormed(manifest);
        _requireFresh(c, manifest.sequence, manifest.issuedAt);
        bytes32 structHash = _manifestHash(manifest);
        _requireThreshold(classId, c, _hashTypedDataV4(structHash), signatures);

        releaseId = _releaseId(classId, manifest.sequence);
        c.latestSequence = manifest.sequence;
        _releases[releaseId] = Release({
            classId: classId,
            sequence: manifest.sequence,
            size: manifest.size,
            issuedAt: manifest.issuedAt,
            revoked: false,
            installed: false,
            digest: manifest.digest,
            manifestHash: structHash
        });
        if (_releaseByDigest[manifest.digest] == bytes32(0)) _releaseByDigest[manifest.digest] = releaseId;
        emit ReleasePublished(
            releaseId,
            classId,
            manifest.sequence,
            manifest.digest,
            manifest.size,
            manifest.location,
            manifest.issuedAt,
            msg.sender
        );
    }

    /// @inheritdoc IFirmwareRegistry
    function revokeRelease(bytes32 releaseId, string calldata reason) external {
        Release storage r = _requireRelease(releaseId);
        uint16 classId = r.classId;
        if (identity.classManufacturer(classId) != msg.sender) revert NotClassManufacturer(classId, msg.sender);
        if (r.installed) revert ReleaseInstalled(releaseId);
        _revokeRelease(releaseId, r, reason);
    }

    /// @inheritdoc IFirmwareRegistry
    function revokeReleaseWithKeys(bytes32 releaseId, string calldata reason, bytes[] calldata signatures) external {
        Release storage r = _requireRelease(releaseId);
        uint16 classId = r.classId;
        _requireThreshold(classId, _classes[classId], _revocationDigest(releaseId), signatures);
        _revokeRelease(releaseId, r, reason);
    }

    // ------------------------------------------------------------------ owners

    /// @inheritdoc IFirmwareRegistry
    function setUpdatePolicy(address device, UpdatePolicy policy) external onlyDeviceOwner(device) {
        uint64 epoch = ownership.ownershipEpoch(device);
        _policies[device][epoch] = policy;
        emit UpdatePolicySet(device, epoch, policy, msg.sender);
    }

    /// @inheritdoc IFirmwareRegistry
    function setReleaseApproval(
        address device,
        bytes32 releaseId,
        bool approved
    ) external onlyDeviceOwner(device) {
        if (approved) {
            Release storage r = _requireRelease(releaseId);
            if (r.revoked) revert ReleaseIsRevoked(releaseId);
            (, uint16 deviceClass) = _deviceInfo(device);
            if (deviceClass != r.classId) revert WrongDeviceClass(device, deviceClass, r.classId);
        }
        uint64 epoch = ownership.ownershipEpoch(device);
        _approvals[device][epoch][releaseId] = approved;
        emit ReleaseApprovalSet(device, releaseId, epoch, approved, msg.sender);
    }

    // ------------------------------------------------------------------ devices

    /// @inheritdoc IFirmwareRegistry
    function reportFirmware(
        address device,
        uint64 sequence,
        bytes32 digest,
        uint64 nonce,
        bytes calldata signature
    ) external returns (ReportVerdict verdict) {
        address expected = IDeviceKeys(fleet).deviceSigner(device);
        if (expected == address(0)) revert UnknownDevice(device);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(
            _reportDigest(device, sequence, digest, nonce),
            signature
        );
        if (err != ECDSA.RecoverError.NoError || signer != expected) revert InvalidReportSignature(device);

        FirmwareState storage state = _firmware[device];
        if (nonce <= state.lastNonce) revert ReportReplayed(device, nonce, state.lastNonce);
        state.lastNonce = nonce;

        (IPythiaFleetTypes.DeviceStatus status, uint16 deviceClass) = _deviceInfo(device);
        bytes32 releaseId = _releaseId(deviceClass, sequence);
        Release storage r = _releases[releaseId];
        verdict = _judgeReport(r, deviceClass, sequence, digest, state.installedSequence);
        if (verdict == ReportVerdict.Installed) {
            state.installedSequence = sequence;
            if (!r.installed) r.installed = true;
            emit FirmwareInstalled(device, releaseId, sequence, digest, nonce);
            // A revoked (stolen) or suspended device's word releases no one's money.
            if (status == IPythiaFleetTypes.DeviceStatus.Active) _settleEscrows(device, sequence);
        } else {
            emit FirmwareReportFlagged(device, sequence, digest, nonce, verdict);
            _flag(device, digest);
        }
    }

    // ------------------------------------------------------------------ paid updates

    /// @inheritdoc IFirmwareRegistry
    function fundUpdate(
        address device,
        bytes32 releaseId,
        uint64 deadline
    ) external payable onlyDeviceOwner(device) returns (uint256 escrowId) {
        if (msg.value == 0) revert NoValue();
        if (deadline <= block.timestamp || deadline > block.timestamp + MAX_ESCROW_DURATION) {
            revert InvalidDeadline(deadline);
        }
        Release storage r = _requireRelease(releaseId);
        if (r.revoked) revert ReleaseIsRevoked(releaseId);
        (, uint16 deviceClass) = _deviceInfo(device);
        if (deviceClass != r.classId) revert WrongDeviceClass(device, deviceClass, r.classId);
        if (r.sequence <= _firmware[device].installedSequence) revert AlreadyInstalled(device, releaseId);
        uint64 epoch = ownership.ownershipEpoch(device);
        uint256[] storage open = _openEscrows[device][epoch];
        if (open.length >= MAX_OPEN_ESCROWS) revert TooManyEscrows(device);

        escrowId = ++_escrowCount;
        _escrows[escrowId] = Escrow({
            funder: msg.sender,
            epoch: epoch,
            device: device,
            deadline: deadline,
            open: true,
            releaseId: releaseId,
            amount: msg.value
        });
        open.push(escrowId);
        emit UpdateFunded(escrowId, device, releaseId, msg.sender, msg.value, deadline);
    }

    /// @inheritdoc IFirmwareRegistry
    function reclaimEscrow(uint256 escrowId) external {
        Escrow storage e = _escrows[escrowId];
        if (!e.open) revert EscrowNotOpen(escrowId);
        if (
            !_releases[e.releaseId].revoked &&
            block.timestamp <= e.deadline &&
            ownership.ownershipEpoch(e.device) == e.epoch
        ) revert EscrowNotReclaimable(escrowId);
        _close(e, escrowId);
        address funder = e.funder;
        _credits[funder] += e.amount;
        emit EscrowReclaimed(escrowId, funder, e.amount);
    }

    /// @inheritdoc IFirmwareRegistry
    function withdraw() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _credits[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert WithdrawFailed(msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IFirmwareRegistry
    function isApproved(address device, bytes32 releaseId) external view returns (bool approved, uint8 reason) {
        reason = uint8(_approval(device, releaseId));
        approved = reason == uint8(ApprovalReason.Approved);
    }

    /// @inheritdoc IFirmwareRegistry
    function isManifestApproved(
        address device,
        Manifest calldata manifest
    ) external view returns (bool approved, uint8 reason) {
        bytes32 releaseId = _releaseId(manifest.classId, manifest.sequence);
        if (_releases[releaseId].manifestHash != _manifestHash(manifest)) {
            return (false, uint8(ApprovalReason.UnknownRelease));
        }
        reason = uint8(_approval(device, releaseId));
        approved = reason == uint8(ApprovalReason.Approved);
    }

    /// @inheritdoc IFirmwareRegistry
    function releaseIdOf(uint16 classId, uint64 sequence) external pure returns (bytes32) {
        return _releaseId(classId, sequence);
    }

    /// @inheritdoc IFirmwareRegistry
    function getRelease(bytes32 releaseId) external view returns (Release memory) {
        return _releases[releaseId];
    }

    /// @inheritdoc IFirmwareRegistry
    function getClass(uint16 classId) external view returns (ClassView memory v) {
        ClassState storage c = _classes[classId];
        v.keys = c.keys;
        v.threshold = c.threshold;
        v.keysVersion = c.keysVersion;
        v.latestSequence = c.latestSequence;
        v.maxSequenceStep = _maxStep(c);
        v.maxManifestAge = _maxAge(c);
        v.payee = _payeeOf(classId, c);
    }

    /// @inheritdoc IFirmwareRegistry
    function installedFirmware(address device) external view returns (uint64 sequence, uint64 lastNonce) {
        FirmwareState storage s = _firmware[device];
        return (s.installedSequence, s.lastNonce);
    }

    /// @inheritdoc IFirmwareRegistry
    function updatePolicy(address device) external view returns (UpdatePolicy) {
        return _policies[device][ownership.ownershipEpoch(device)];
    }

    /// @inheritdoc IFirmwareRegistry
    function releaseApproved(address device, bytes32 releaseId) external view returns (bool) {
        return _approvals[device][ownership.ownershipEpoch(device)][releaseId];
    }

    /// @inheritdoc IFirmwareRegistry
    function getEscrow(uint256 escrowId) external view returns (Escrow memory) {
        return _escrows[escrowId];
    }

    /// @inheritdoc IFirmwareRegistry
    function openEscrows(address device) external view returns (uint256[] memory) {
        return _openEscrows[device][ownership.ownershipEpoch(device)];
    }

    /// @inheritdoc IFirmwareRegistry
    function credits(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc IFirmwareRegistry
    function manifestDigest(Manifest calldata manifest) external view returns (bytes32) {
        return _hashTypedDataV4(_manifestHash(manifest));
    }

    /// @inheritdoc IFirmwareRegistry
    function rotationDigest(
        uint16 classId,
        uint64 version,
        address[] calldata keys,
        uint8 threshold
    ) external view returns (bytes32) {
        return _rotationDigest(classId, version, keys, threshold);
    }

    /// @inheritdoc IFirmwareRegistry
    function revocationDigest(bytes32 releaseId) external view returns (bytes32) {
        return _revocationDigest(releaseId);
    }

    /// @inheritdoc IFirmwareRegistry
    function reportDigest(
        address device,
        uint64 sequence,
        bytes32 digest,
        uint64 nonce
    ) external view returns (bytes32) {
        return _reportDigest(device, sequence, digest, nonce);
    }

    /// @inheritdoc IFirmwareRegistry
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ internal: keys and signatures

    /// @dev Validates and stores a key set under `version`. Marking each key with the new version both
    /// detects duplicates and retires every key of the previous version in O(n).
    function _setKeys(
        uint16 classId,
        ClassState storage c,
        uint64 version,
        address[] calldata keys,
        uint8 threshold
    ) private {
        uint256 n = keys.length;
        if (n == 0 || n > MAX_RELEASE_KEYS || threshold == 0 || threshold > n) revert InvalidKeySet();
        mapping(address => uint64) storage versions = _keyVersions[classId];
        for (uint256 i; i < n; ++i) {
            address key = keys[i];
            if (key == address(0) || versions[key] == version) revert InvalidKeySet();
            versions[key] = version;
        }
        c.keys = keys;
        c.threshold = threshold;
        c.keysVersion = version;
        emit ReleaseKeysSet(classId, version, keys, threshold, msg.sender);
    }

    /// @dev Every signature must recover (65 bytes, low s) to a current release key of the class, the
    /// signers strictly ascending (so no key counts twice), and there must be at least `threshold` of them.
    function _requireThreshold(
        uint16 classId,
        ClassState storage c,
        bytes32 digest,
        bytes[] calldata signatures
    ) private view {
        uint64 version = c.keysVersion;
        mapping(address => uint64) storage versions = _keyVersions[classId];
        address previous;
        uint256 n = signatures.length;
        for (uint256 i; i < n; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError || versions[signer] != version) revert InvalidSignature(signer);
            if (signer <= previous) revert SignersNotAscending(signer);
            previous = signer;
        }
        if (n < c.threshold) revert ThresholdNotMet(n, c.threshold);
    }

    function _rotationDigest(
        uint16 classId,
        uint64 version,
        address[] calldata keys,
        uint8 threshold
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(ROTATION_TYPEHASH, classId, version, keccak256(abi.encodePacked(keys)), threshold))
            );
    }

    function _revocationDigest(bytes32 releaseId) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REVOCATION_TYPEHASH, releaseId)));
    }

    function _reportDigest(
        address device,
        uint64 sequence,
        bytes32 digest,
        uint64 nonce
    ) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REPORT_TYPEHASH, device, sequence, digest, nonce)));
    }

    // ------------------------------------------------------------------ internal: releases

    function _manifestHash(Manifest calldata m) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    MANIFEST_TYPEHASH,
                    m.classId,
                    m.sequence,
                    m.digest,
                    m.size,
                    keccak256(bytes(m.location)),
                    m.issuedAt
                )
            );
    }

    function _requireWellFormed(Manifest calldata m) private pure {
        if (m.digest == bytes32(0)) revert InvalidManifest("digest");
        if (m.size == 0) revert InvalidManifest("size");
        uint256 length = bytes(m.location).length;
        if (length == 0 || length > MAX_LOCATION_LENGTH) revert InvalidManifest("location");
    }

    /// @dev Rollback, fast-forward and freeze checks of a new manifest.
    function _requireFresh(ClassState storage c, uint64 sequence, uint64 issuedAt) private view {
        uint64 latest = c.latestSequence;
        if (sequence <= latest) revert SequenceNotNewer(sequence, latest);
        uint64 maxStep = _maxStep(c);
        if (uint256(sequence) > uint256(latest) + maxStep) revert SequenceTooFar(sequence, latest, maxStep);
        if (issuedAt > block.timestamp + MAX_CLOCK_SKEW) revert ManifestFromFuture(issuedAt);
        uint256 maxAge = _maxAge(c);
        if (uint256(issuedAt) + maxAge < block.timestamp) {
            revert ManifestExpired(issuedAt, uint64(block.timestamp - maxAge));
        }
    }

    function _revokeRelease(bytes32 releaseId, Release storage r, string calldata reason) private {
        if (r.revoked) revert ReleaseIsRevoked(releaseId);
        r.revoked = true;
        emit ReleaseRevoked(releaseId, r.classId, r.sequence, msg.sender, reason);
    }

    function _requireRelease(bytes32 releaseId) private view returns (Release storage r) {
        r = _releases[releaseId];
        if (r.sequence == 0) revert UnknownRelease(releaseId);
    }

    function _releaseId(uint16 classId, uint64 sequence) private pure returns (bytes32) {
        return keccak256(abi.encode(classId, sequence));
    }

    function _maxStep(ClassState storage c) private view returns (uint64) {
        uint64 step = c.maxSequenceStep;
        return step == 0 ? DEFAULT_MAX_SEQUENCE_STEP : step;
    }

    function _maxAge(ClassState storage c) private view returns (uint32) {
        uint32 age = c.maxManifestAge;
        return age == 0 ? DEFAULT_MAX_MANIFEST_AGE : age;
    }

    function _payeeOf(uint16 classId, ClassState storage c) private view returns (address payee) {
        payee = c.payee;
        if (payee == address(0)) payee = identity.classManufacturer(classId);
    }

    // ------------------------------------------------------------------ internal: devices

    /// @dev The device's status and class on the fleet.
    function _deviceInfo(address device) private view returns (IPythiaFleetTypes.DeviceStatus, uint16) {
        IPythiaFleetTypes.DeviceView memory v = IDeviceRegistry(fleet).getDevice(device);
        return (v.status, v.classId);
    }

    /// @dev Whether `releaseId` is approved for `device` now; the first reason that says no.
    function _approval(address device, bytes32 releaseId) private view returns (ApprovalReason) {
        Release storage r = _releases[releaseId];
        if (r.sequence == 0) return ApprovalReason.UnknownRelease;
        (IPythiaFleetTypes.DeviceStatus status, uint16 deviceClass) = _deviceInfo(device);
        if (status != IPythiaFleetTypes.DeviceStatus.Active) return ApprovalReason.DeviceNotActive;
        if (deviceClass != r.classId) return ApprovalReason.WrongClass;
        if (r.revoked) return ApprovalReason.Revoked;
        if (r.sequence <= _firmware[device].installedSequence) return ApprovalReason.NotNewer;
        uint64 epoch = ownership.ownershipEpoch(device);
        if (_policies[device][epoch] == UpdatePolicy.Automatic || _approvals[device][epoch][releaseId]) {
            return ApprovalReason.Approved;
        }
        return ApprovalReason.OwnerApprovalMissing;
    }

    /// @dev What an install report means. `r` is the release of the device's class at the reported sequence.
    function _judgeReport(
        Release storage r,
        uint16 deviceClass,
        uint64 sequence,
        bytes32 digest,
        uint64 installed
    ) private view returns (ReportVerdict) {
        if (r.sequence == 0 || r.digest != digest) {
            bytes32 other = _releaseByDigest[digest];
            if (other != bytes32(0) && _releases[other].classId != deviceClass) return ReportVerdict.OtherClass;
            return ReportVerdict.UnknownBuild;
        }
        if (r.revoked) return ReportVerdict.RevokedBuild;
        if (sequence < installed) return ReportVerdict.Rollback;
        return ReportVerdict.Installed;
    }

    /// @dev Flags the device on the fleet without letting the fleet revert the report. A failure that
    /// left less than 1/64 of the gas is an out-of-gas forced by the submitter: the report reverts so
    /// that a relayer cannot consume the nonce while starving the flag.
    function _flag(address device, bytes32 digest) private {
        uint256 gasBefore = gasleft();
        try IDeviceKeys(fleet).flagDevice(device, FIRMWARE_UNAPPROVED, digest) {} catch (bytes memory reason) {
            if (gasleft() <= gasBefore / 64) revert InsufficientGas();
            emit FleetFlagFailed(device, reason);
        }
    }

    // ------------------------------------------------------------------ internal: escrow

    /// @dev Credits the payee of every open escrow of `device` that `installed` fulfils: the release is
    /// not revoked, not above `installed`, the deadline has not passed ("install by") and the device's
    /// owner has not changed since funding. Anything else stays open for the funder to reclaim.
    function _settleEscrows(address device, uint64 installed) private {
        uint64 epoch = ownership.ownershipEpoch(device);
        uint256[] storage open = _openEscrows[device][epoch];
        uint256 n = open.length;
        if (n == 0) return;
        for (uint256 i = n; i > 0; --i) {
            uint256 escrowId = open[i - 1];
            Escrow storage e = _escrows[escrowId];
            Release storage r = _releases[e.releaseId];
            if (r.revoked || r.sequence > installed || e.epoch != epoch || block.timestamp > e.deadline) continue;
            address payee = _payeeOf(r.classId, _classes[r.classId]);
            if (payee == address(0)) continue; // no one to pay: the funder reclaims after the deadline
            _close(e, escrowId);
            _credits[payee] += e.amount;
            emit EscrowReleased(escrowId, payee, e.amount);
        }
    }

    /// @dev Marks an escrow closed and removes it from its device's open list of its epoch (swap and pop).
    function _close(Escrow storage e, uint256 escrowId) private {
        e.open = false;
        uint256[] storage open = _openEscrows[e.device][e.epoch];
        uint256 n = open.length;
        for (uint256 i; i < n; ++i) {
            if (open[i] == escrowId) {
                open[i] = open[n - 1];
                open.pop();
                return;
            }
        }
    }
}
