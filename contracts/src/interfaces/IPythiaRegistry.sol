// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRelayerTrust} from "./IRelayerTrust.sol";

/// @title Pythia registry: which gateway (Pythia) keys devices may trust, and why.
/// @notice A Pythia signs its answers to devices with a secp256k1 key. The key is registered here
/// with the hash and location of its TEE attestation evidence (an Intel DCAP quote whose report
/// data binds the key, plus the collateral it was verified against) and the code measurement the
/// quote names. Governance approves measurements; a key is trusted while it is registered, not
/// revoked and — if attested — its measurement is still approved. Unattested keys (no TEE) can be
/// registered but are flagged `attested = false`, so devices can be configured to refuse them.
/// Each key may have one relayer account (the account that sends the gateway's transactions): the
/// fleet, the AccessLog and the CanaryRegistry accept calls from a relayer only while its key is
/// trusted (IRelayerTrust), so revoking a key takes its relayer's powers away at once.
/// docs/contracts.md ("Pythia registry") is the prose version of this file.
interface IPythiaRegistry is IRelayerTrust {
    /// @notice The trusted execution environment a key's evidence comes from. None = unattested.
    enum TeeType {
        None,
        SGX,
        TDX
    }

    /// @notice None = never registered. Revoked is final: the key is never trusted or registered again.
    enum PythiaStatus {
        None,
        Active,
        Revoked
    }

    /// @notice None = never approved. An approved measurement can be revoked and approved again
    /// (both are governance decisions, both are events).
    enum MeasurementStatus {
        None,
        Approved,
        Revoked
    }

    /// @notice Everything recorded about a Pythia key. An unknown key has status None and empty fields.
    /// @dev The evidence itself (quote ‖ collateral, ~20 KB) is not on chain: `evidenceHash` is
    /// keccak256(quote ‖ collateral) and `evidenceUri` says where to fetch it (may be empty).
    struct PythiaRecord {
        PythiaStatus status;
        TeeType teeType;
        /// @dev teeType != None: the key was registered with evidence for an approved measurement.
        bool attested;
        uint64 registeredAt;
        uint64 revokedAt;
        address registrar;
        /// @dev The key that replaced this one (rotatePythiaKey); zero otherwise.
        address successor;
        /// @dev measurementKey(teeType, measurement); zero for an unattested key.
        bytes32 measurementKey;
        bytes32 evidenceHash;
        /// @dev MRENCLAVE (SGX, 32 bytes) or MRTD (TDX, 48 bytes); empty for an unattested key.
        bytes measurement;
        /// @dev 64 bytes X ‖ Y; its keccak256 ends in the key's address.
        bytes publicKey;
        string evidenceUri;
    }

    /// @notice Attestation evidence presented for a key.
    struct Evidence {
        uint8 teeType;
        bytes measurement;
        bytes32 evidenceHash;
        string evidenceUri;
    }

    // ---------------------------------------------------------------- events

    /// @notice Governance approved a code measurement: keys attested with it become trusted.
    event MeasurementApproved(bytes32 indexed measurementKey, TeeType indexed teeType, bytes measurement, address indexed by);

    /// @notice Governance revoked a code measurement: every key attested with it is untrusted from now on.
    event MeasurementRevoked(
        bytes32 indexed measurementKey,
        TeeType indexed teeType,
        bytes measurement,
        address indexed by,
        string reason
    );

    /// @notice A Pythia key was registered. The evidence is not on chain: fetch it from `evidenceUri`
    /// and check it against `evidenceHash` (keccak256 of quote ‖ collateral).
    event PythiaRegistered(
        address indexed key,
        TeeType indexed teeType,
        bool attested,
        bytes32 measurementKey,
        bytes measurement,
        bytes publicKey,
        bytes32 evidenceHash,
        string evidenceUri,
        address indexed registrar
    );

    /// @notice A Pythia key was revoked for good (by an operator, or by a rotation).
    event PythiaRevoked(address indexed key, address indexed by, string reason);

    /// @notice `previousKey` was replaced by `newKey` (emitted after PythiaRevoked and PythiaRegistered).
    event PythiaKeyRotated(address indexed previousKey, address indexed newKey, address indexed by);

    /// @notice `relayer` now sends the transactions of the Pythia `key` (`previous`: its former relayer, or zero).
    event RelayerBound(address indexed key, address indexed relayer, address previous, address indexed by);

    // ---------------------------------------------------------------- errors

    /// @notice A relayer may not be the zero address.
    error InvalidRelayer(address relayer);
    /// @notice The account relays for another, unrevoked Pythia key already (one key per relayer).
    error RelayerBoundElsewhere(address relayer, address key);

    /// @notice teeType is not 0 (None), 1 (SGX) or 2 (TDX), or is None where a TEE is required.
    error InvalidTeeType(uint8 teeType);
    /// @notice The measurement has the wrong length for its TEE (SGX 32 bytes, TDX 48, None 0).
    error InvalidMeasurement(uint8 teeType, uint256 length);
    /// @notice approveMeasurement on a measurement that is already approved.
    error MeasurementAlreadyApproved(bytes32 measurementKey);
    /// @notice The measurement is not (or no longer) approved.
    error MeasurementNotApproved(bytes32 measurementKey);
    /// @notice The public key is not 64 bytes X ‖ Y of a point on secp256k1.
    error InvalidPublicKey();
    /// @notice The public key does not hash to the key address given.
    error PublicKeyMismatch(address key, address keyOfPublicKey);
    /// @notice The key is already registered; a revoked key stays registered for good.
    error PythiaAlreadyRegistered(address key);
    /// @notice The key was never registered.
    error UnknownPythia(address key);
    /// @notice The key is already revoked.
    error PythiaAlreadyRevoked(address key);
    /// @notice An attested registration without an evidence hash.
    error MissingEvidence();
    /// @notice An unattested registration that names evidence (a hash or a URI).
    error UnexpectedEvidence();
    /// @notice The evidence URI is longer than MAX_URI_LENGTH bytes.
    error EvidenceUriTooLong(uint256 length);
    /// @notice A revocation reason must be 1 to MAX_REASON_LENGTH bytes.
    error InvalidReason();

    // ---------------------------------------------------------------- measurements (GOVERNANCE_ROLE)

    /// @notice Approves a code measurement (GOVERNANCE_ROLE): MRENCLAVE for SGX (32 bytes), MRTD for TDX (48 bytes).
    /// @return measurementKey keccak256(abi.encodePacked(teeType, measurement)).
    function approveMeasurement(uint8 teeType, bytes calldata measurement) external returns (bytes32 measurementKey);

    /// @notice Revokes an approved measurement (GOVERNANCE_ROLE). Every key attested with it becomes
    /// untrusted at once; the key records are not touched.
    function revokeMeasurement(uint8 teeType, bytes calldata measurement, string calldata reason) external;

    // ---------------------------------------------------------------- keys (OPERATOR_ROLE)

    /// @notice Registers a Pythia key (OPERATOR_ROLE). `publicKey` (64 bytes X ‖ Y) must hash to `key`.
    /// With teeType SGX/TDX the measurement must be approved and evidenceHash non-zero; with teeType
    /// None (unattested) measurement, evidenceHash and evidenceUri must be empty.
    function registerPythia(
        address key,
        bytes calldata publicKey,
        uint8 teeType,
        bytes calldata measurement,
        bytes32 evidenceHash,
        string calldata evidenceUri
    ) external;

    /// @notice Replaces an active key by a new one (OPERATOR_ROLE): the old key is revoked ("rotated"),
    /// the new one registered under the same rules as registerPythia, and PythiaKeyRotated links them.
    function rotatePythiaKey(address previousKey, address newKey, bytes calldata newPublicKey, Evidence calldata evidence) external;

    /// @notice Revokes a key for good (OPERATOR_ROLE). `reason` is recorded in the event. Its relayer
    /// stops being trusted in the same transaction (isTrustedRelayer).
    function revokePythia(address key, string calldata reason) external;

    /// @notice Binds the account that relays for an active key (OPERATOR_ROLE); replaces the key's
    /// earlier relayer, which stops being trusted. rotatePythiaKey carries the binding to the new key.
    function bindRelayer(address key, address relayer) external;

    /// @notice The relayer account of a key (zero = none).
    function relayerOf(address key) external view returns (address);

    /// @notice The key an account relays for (zero = none).
    function pythiaOfRelayer(address relayer) external view returns (address);

    // ---------------------------------------------------------------- views

    /// @notice Everything recorded about a key (status None and empty fields if unknown).
    function pythia(address key) external view returns (PythiaRecord memory);

    /// @notice Whether a device may trust the key now: registered, not revoked and, if attested, its
    /// measurement still approved. With `requireAttested`, unattested keys are never trusted.
    function isTrusted(address key, bool requireAttested) external view returns (bool);

    /// @notice The status of a measurement, by key.
    function measurementStatus(bytes32 measurementKey) external view returns (MeasurementStatus);

    /// @notice Whether a measurement is approved now.
    function isMeasurementApproved(uint8 teeType, bytes calldata measurement) external view returns (bool);

    /// @notice keccak256(abi.encodePacked(teeType, measurement)); checks teeType and the measurement length.
    function measurementKey(uint8 teeType, bytes calldata measurement) external pure returns (bytes32);
}
