// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IPythiaRegistry} from "./interfaces/IPythiaRegistry.sol";
import {IRelayerTrust} from "./interfaces/IRelayerTrust.sol";

/// @title Pythia registry: attested gateway keys and the approved code measurements.
/// @notice Roles: DEFAULT_ADMIN_ROLE (grants the others), GOVERNANCE_ROLE (approves and revokes code
/// measurements), OPERATOR_ROLE (registers, rotates and revokes Pythia keys). A key is trusted while
/// it is registered, not revoked and — if attested — its measurement is approved: trust is computed
/// at read time, so revoking a measurement untrusts every key attested with it in one transaction.
/// Relayers follow their key: each key has at most one relayer account and each account relays for
/// at most one key; isTrustedRelayer is isTrusted of that key (attested or not), so revoking the key
/// or its measurement disarms the relayer on the fleet, the AccessLog and the CanaryRegistry at once.
/// @dev The DCAP quote is verified off chain (src/attestation) by whoever registers the key; the
/// contract records what was verified (TEE type, measurement, evidence hash and URI) and enforces
/// the governance policy (approved measurements) on chain. The evidence bytes (~20 KB with collateral)
/// are neither stored nor logged: 20 KB of storage would cost ~14M gas; anyone can fetch the evidence
/// from the URI and check it against the hash and the measurement.
contract PythiaRegistry is AccessControlDefaultAdminRules, IPythiaRegistry {
    /// @notice Approves and revokes code measurements.
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Registers, rotates and revokes Pythia keys.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice Longest evidence URI accepted, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @notice Longest revocation reason accepted, in bytes.
    uint256 public constant MAX_REASON_LENGTH = 256;

    /// @dev secp256k1 field prime.
    uint256 private constant _P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    mapping(address key => PythiaRecord record) private _pythias;
    mapping(bytes32 measurementKey => MeasurementStatus status) private _measurements;
    mapping(address key => address relayer) private _relayers;
    mapping(address relayer => address key) private _keysOfRelayers;

    /// @param admin Receives DEFAULT_ADMIN_ROLE and grants the other roles (the council's timelock).
    /// @param adminDelay Seconds a handover of DEFAULT_ADMIN_ROLE waits (AccessControlDefaultAdminRules).
    constructor(address admin, uint48 adminDelay) AccessControlDefaultAdminRules(adminDelay, admin) {}

    // ------------------------------------------------------------------ measurements

    /// @inheritdoc IPythiaRegistry
    function approveMeasurement(
        uint8 teeType,
        bytes calldata measurement
    ) external onlyRole(GOVERNANCE_ROLE) returns (bytes32 key) {
        key = _attestedMeasurementKey(teeType, measurement);
        if (_measurements[key] == MeasurementStatus.Approved) revert MeasurementAlreadyApproved(key);
        _measurements[key] = MeasurementStatus.Approved;
        emit MeasurementApproved(key, TeeType(teeType), measurement, msg.sender);
    }

    /// @inheritdoc IPythiaRegistry
    function revokeMeasurement(
        uint8 teeType,
        bytes calldata measurement,
        string calldata reason
    ) external onlyRole(GOVERNANCE_ROLE) {
        _requireReason(reason);
        bytes32 key = _attestedMeasurementKey(teeType, measurement);
        if (_measurements[key] != MeasurementStatus.Approved) revert MeasurementNotApproved(key);
        _measurements[key] = MeasurementStatus.Revoked;
        emit MeasurementRevoked(key, TeeType(teeType), measurement, msg.sender, reason);
    }

    // ------------------------------------------------------------------ keys

    /// @inheritdoc IPythiaRegistry
    function registerPythia(
        address key,
        bytes calldata publicKey,
        uint8 teeType,
        bytes calldata measurement,
        bytes32 evidenceHash,
        string calldata evidenceUri
    ) external onlyRole(OPERATOR_ROLE) {
        _register(key, publicKey, teeType, measurement, evidenceHash, evidenceUri);
    }

    /// @inheritdoc IPythiaRegistry
    function rotatePythiaKey(
        address previousKey,
        address newKey,
        bytes calldata newPublicKey,
        Evidence calldata evidence
    ) external onlyRole(OPERATOR_ROLE) {
        _revoke(previousKey, "rotated");
        _pythias[previousKey].successor = newKey;
        _register(
            newKey,
            newPublicKey,
            evidence.teeType,
            evidence.measurement,
            evidence.evidenceHash,
            evidence.evidenceUri
        );
        emit PythiaKeyRotated(previousKey, newKey, msg.sender);
        address relayer = _relayers[previousKey];
        if (relayer != address(0)) {
            delete _relayers[previousKey];
            _bind(newKey, relayer);
        }
    }

    /// @inheritdoc IPythiaRegistry
    function revokePythia(address key, string calldata reason) external onlyRole(OPERATOR_ROLE) {
        _requireReason(reason);
        _revoke(key, reason);
    }

    /// @inheritdoc IPythiaRegistry
    function bindRelayer(address key, address relayer) external onlyRole(OPERATOR_ROLE) {
        PythiaStatus status = _pythias[key].status;
        if (status == PythiaStatus.None) revert UnknownPythia(key);
        if (status == PythiaStatus.Revoked) revert PythiaAlreadyRevoked(key);
        if (relayer == address(0)) revert InvalidRelayer(relayer);
        address boundTo = _keysOfRelayers[relayer];
        // A relayer of a revoked key may serve a new key (the gateway restarted with a new Pythia key).
        if (boundTo != address(0) && boundTo != key && _pythias[boundTo].status != PythiaStatus.Revoked) {
            revert RelayerBoundElsewhere(relayer, boundTo);
        }
        _bind(key, relayer);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRelayerTrust
    function isTrustedRelayer(address account) external view returns (bool) {
        address key = _keysOfRelayers[account];
        return key != address(0) && _isTrusted(_pythias[key], false);
    }

    /// @inheritdoc IPythiaRegistry
    function relayerOf(address key) external view returns (address) {
        return _relayers[key];
    }

    /// @inheritdoc IPythiaRegistry
    function pythiaOfRelayer(address relayer) external view returns (address) {
        return _keysOfRelayers[relayer];
    }

    /// @inheritdoc IPythiaRegistry
    function pythia(address key) external view returns (PythiaRecord memory) {
        return _pythias[key];
    }

    /// @inheritdoc IPythiaRegistry
    function isTrusted(address key, bool requireAttested) external view returns (bool) {
        return _isTrusted(_pythias[key], requireAttested);
    }

    /// @inheritdoc IPythiaRegistry
    function measurementStatus(bytes32 key) external view returns (MeasurementStatus) {
        return _measurements[key];
    }

    /// @inheritdoc IPythiaRegistry
    function isMeasurementApproved(uint8 teeType, bytes calldata measurement) external view returns (bool) {
        return _measurements[_attestedMeasurementKey(teeType, measurement)] == MeasurementStatus.Approved;
    }

    /// @inheritdoc IPythiaRegistry
    function measurementKey(uint8 teeType, bytes calldata measurement) external pure returns (bytes32) {
        return _attestedMeasurementKey(teeType, measurement);
    }

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IPythiaRegistry).interfaceId || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internal

    function _isTrusted(PythiaRecord storage record, bool requireAttested) private view returns (bool) {
        if (record.status != PythiaStatus.Active) return false;
        if (!record.attested) return !requireAttested;
        return _measurements[record.measurementKey] == MeasurementStatus.Approved;
    }

    /// @dev Makes `relayer` the relayer of `key`; the key's former relayer (if another) is unbound.
    function _bind(address key, address relayer) private {
        address previous = _relayers[key];
        if (previous != address(0) && previous != relayer) delete _keysOfRelayers[previous];
        address formerKey = _keysOfRelayers[relayer];
        if (formerKey != address(0) && formerKey != key) delete _relayers[formerKey];
        _relayers[key] = relayer;
        _keysOfRelayers[relayer] = key;
        emit RelayerBound(key, relayer, previous, msg.sender);
    }

    function _register(
        address key,
        bytes calldata publicKey,
        uint8 teeType,
        bytes calldata measurement,
        bytes32 evidenceHash,
        string calldata evidenceUri
    ) private {
        _requireOnCurve(publicKey);
        address keyOfPublicKey = address(uint160(uint256(keccak256(publicKey))));
        if (keyOfPublicKey != key) revert PublicKeyMismatch(key, keyOfPublicKey);
        if (_pythias[key].status != PythiaStatus.None) revert PythiaAlreadyRegistered(key);
        if (bytes(evidenceUri).length > MAX_URI_LENGTH) revert EvidenceUriTooLong(bytes(evidenceUri).length);

        bytes32 mKey;
        bool attested = teeType != uint8(TeeType.None);
        if (attested) {
            mKey = _attestedMeasurementKey(teeType, measurement);
            if (_measurements[mKey] != MeasurementStatus.Approved) revert MeasurementNotApproved(mKey);
            if (evidenceHash == bytes32(0)) revert MissingEvidence();
        } else {
            if (measurement.length != 0) revert InvalidMeasurement(teeType, measurement.length);
            if (evidenceHash != bytes32(0) || bytes(evidenceUri).length != 0) revert UnexpectedEvidence();
        }

        PythiaRecord storage record = _pythias[key];
        record.status = PythiaStatus.Active;
        record.teeType = TeeType(teeType);
        record.attested = attested;
        record.registeredAt = uint64(block.timestamp);
        record.registrar = msg.sender;
        record.measurementKey = mKey;
        record.evidenceHash = evidenceHash;
        record.measurement = measurement;
        record.publicKey = publicKey;
        record.evidenceUri = evidenceUri;
        emit PythiaRegistered(
            key,
            TeeType(teeType),
            attested,
            mKey,
            measurement,
            publicKey,
            evidenceHash,
            evidenceUri,
            msg.sender
        );
    }

    function _revoke(address key, string memory reason) private {
        PythiaRecord storage record = _pythias[key];
        if (record.status == PythiaStatus.None) revert UnknownPythia(key);
        if (record.status == PythiaStatus.Revoked) revert PythiaAlreadyRevoked(key);
        record.status = PythiaStatus.Revoked;
        record.revokedAt = uint64(block.timestamp);
        emit PythiaRevoked(key, msg.sender, reason);
    }

    /// @dev The key of a TEE measurement; refuses TeeType None, unknown types and wrong lengths.
    function _attestedMeasurementKey(uint8 teeType, bytes calldata measurement) private pure returns (bytes32) {
        if (teeType == uint8(TeeType.SGX)) {
            if (measurement.length != 32) revert InvalidMeasurement(teeType, measurement.length);
        } else if (teeType == uint8(TeeType.TDX)) {
            if (measurement.length != 48) revert InvalidMeasurement(teeType, measurement.length);
        } else {
            revert InvalidTeeType(teeType);
        }
        return keccak256(abi.encodePacked(teeType, measurement));
    }

    function _requireReason(string calldata reason) private pure {
        if (bytes(reason).length == 0 || bytes(reason).length > MAX_REASON_LENGTH) revert InvalidReason();
    }

    /// @dev 64 bytes, both coordinates below p, and y² = x³ + 7 (mod p).
    function _requireOnCurve(bytes calldata publicKey) private pure {
        if (publicKey.length != 64) revert InvalidPublicKey();
        uint256 x = uint256(bytes32(publicKey[0:32]));
        uint256 y = uint256(bytes32(publicKey[32:64]));
        if (x >= _P || y >= _P) revert InvalidPublicKey();
        if (mulmod(y, y, _P) != addmod(mulmod(mulmod(x, x, _P), x, _P), 7, _P)) revert InvalidPublicKey();
    }
}
