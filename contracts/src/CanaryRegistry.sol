// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";
import {ISharingLog} from "./interfaces/ISharingLog.sol";
import {IRecipientBonds} from "./interfaces/IRecipientBonds.sol";
import {ICanaryRegistry} from "./interfaces/ICanaryRegistry.sol";

/// @title Trap streets (issue #5): canary commitments and leak attribution.
/// @notice COMMITTER_ROLE (the Pythia gateway) commits to the canary values it gave each recipient.
/// The consent's owner reveals one when the value turns up at a party the recipient never logged a
/// share to; after the checks below the leak is attributed and the recipient's bond pays the owner
/// (the consent's policy penaltyWei, or defaultPenaltyWei for a consent without a policy).
/// What makes a claim false, and is refused: an unknown or already claimed commitment (double
/// reveal), fields that do not hash to it, another consent than it was committed under, a caller
/// that is not the consent's owner, a recipient that is not the consent's, a device or stream the
/// consent does not cover, a leak "to" the recipient, the
/// owner or nobody, a party the recipient logged a share to, no evidence, and a leaked value of a
/// reading that was attributed already under another commitment.
/// @dev Holds PENALTY_ROLE on RecipientBonds.
contract CanaryRegistry is AccessControl, ICanaryRegistry {
    /// @notice Role of the Pythia gateway(s) that give recipients canary values.
    bytes32 public constant COMMITTER_ROLE = keccak256("COMMITTER_ROLE");
    /// @notice Most commitments in one commitCanaries call.
    uint256 public constant MAX_BATCH = 256;
    /// @notice RecipientBonds' reason for a canary leak penalty.
    bytes32 public constant LEAK_REASON = "canary-leak";

    IConsentRegistry public immutable consents;
    IPolicyRegistry public immutable policies;
    ISharingLog public immutable sharingLog;
    IRecipientBonds public immutable bonds;
    /// @notice Penalty for a leak under a consent without a policy.
    uint256 public immutable defaultPenaltyWei;

    mapping(bytes32 commitment => Canary) private _canaries;
    mapping(bytes32 readingKey => bool) private _attributedReadings;

    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants COMMITTER_ROLE to the Pythia gateway).
    /// @param defaultPenaltyWei_ Penalty for a leak under a consent without a policy.
    constructor(
        address admin,
        IConsentRegistry consents_,
        IPolicyRegistry policies_,
        ISharingLog sharingLog_,
        IRecipientBonds bonds_,
        uint256 defaultPenaltyWei_
    ) {
        if (
            admin == address(0) ||
            address(consents_) == address(0) ||
            address(policies_) == address(0) ||
            address(sharingLog_) == address(0) ||
            address(bonds_) == address(0)
        ) revert InvalidDependency();
        consents = consents_;
        policies = policies_;
        sharingLog = sharingLog_;
        bonds = bonds_;
        defaultPenaltyWei = defaultPenaltyWei_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ICanaryRegistry
    /// @dev All or nothing: one bad item refuses the batch. A consent id must name a granted consent.
    function commitCanaries(
        bytes32[] calldata commitments,
        uint256[] calldata consentIds
    ) external onlyRole(COMMITTER_ROLE) {
        uint256 n = commitments.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (consentIds.length != n) revert LengthMismatch(n, consentIds.length);
        uint256 known = consents.consentCount();
        uint64 now_ = uint64(block.timestamp);
        for (uint256 i; i < n; ++i) {
            bytes32 commitment = commitments[i];
            uint256 consentId = consentIds[i];
            if (commitment == bytes32(0)) revert ZeroCommitment(i);
            if (consentId == 0 || consentId > known) revert UnknownConsent(consentId);
            Canary storage c = _canaries[commitment];
            if (c.committedAt != 0) revert DuplicateCommitment(commitment);
            // consentId <= consentCount, far below 2^128.
            c.consentId = uint128(consentId);
            c.committedAt = now_;
            emit CanaryCommitted(commitment, consentId, msg.sender);
        }
    }

    /// @inheritdoc ICanaryRegistry
    function claimLeak(
        bytes32 commitment,
        address recipient,
        uint256 consentId,
        address device,
        uint8 stream,
        int16 value,
        uint64 sequence,
        bytes32 salt,
        address leakedTo,
        bytes32 evidenceHash
    ) external returns (uint256 paid) {
        Canary storage record = _canaries[commitment];
        Canary memory k = record;
        if (k.committedAt == 0) revert UnknownCommitment(commitment);
        if (k.claimedAt != 0) revert AlreadyClaimed(commitment, k.claimedAt);
        bytes32 computed = keccak256(abi.encode(recipient, consentId, device, stream, value, sequence, salt));
        if (computed != commitment) revert CommitmentMismatch(commitment, computed);
        if (k.consentId != consentId) revert ConsentMismatch(commitment, k.consentId, consentId);

        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (msg.sender != c.owner) revert NotConsentOwner(consentId, msg.sender);
        if (recipient != c.recipient) revert WrongRecipient(consentId, recipient);
        _requireCovered(consentId, c.streams, device, stream);
        if (leakedTo == address(0) || leakedTo == recipient || leakedTo == c.owner) revert InvalidLeakedTo(leakedTo);
        if (sharingLog.hasShared(consentId, leakedTo)) revert LeakWasLogged(consentId, leakedTo);
        if (evidenceHash == bytes32(0)) revert MissingEvidence();
        bytes32 readingKey = keccak256(abi.encode(device, stream, sequence, value));
        if (_attributedReadings[readingKey]) revert ReadingAlreadyAttributed(readingKey);

        record.claimedAt = uint64(block.timestamp);
        _attributedReadings[readingKey] = true;
        uint256 penalty = _penalty(c.policyId);
        if (penalty != 0) paid = bonds.payPenalty(recipient, c.owner, penalty, LEAK_REASON);
        emit LeakAttributed(commitment, consentId, recipient, c.owner, leakedTo, evidenceHash, penalty, paid);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICanaryRegistry
    function canary(bytes32 commitment) external view returns (Canary memory) {
        return _canaries[commitment];
    }

    /// @inheritdoc ICanaryRegistry
    function canaryCommitment(CanaryReveal calldata r) external pure returns (bytes32) {
        return keccak256(abi.encode(r.recipient, r.consentId, r.device, r.stream, r.value, r.sequence, r.salt));
    }

    /// @inheritdoc ICanaryRegistry
    function readingAttributed(bytes32 readingKey) external view returns (bool) {
        return _attributedReadings[readingKey];
    }

    /// @inheritdoc ICanaryRegistry
    function penaltyFor(uint256 consentId) external view returns (uint256) {
        return _penalty(consents.consent(consentId).policyId);
    }

    // ------------------------------------------------------------------ internals

    function _penalty(bytes32 policyId) private view returns (uint256) {
        if (policyId == bytes32(0)) return defaultPenaltyWei;
        return policies.policyTerms(policyId).penaltyWei;
    }

    /// @dev The canary's device is one of the consent's devices and its stream one of its streams.
    function _requireCovered(uint256 consentId, uint32 streams, address device, uint8 stream) private view {
        if (stream >= 32 || (streams >> stream) & 1 == 0) revert CanaryNotInConsent(consentId, device, stream);
        (address[] memory devices, ) = consents.consentDevices(consentId);
        for (uint256 i; i < devices.length; ++i) {
            if (devices[i] == device) return;
        }
        revert CanaryNotInConsent(consentId, device, stream);
    }
}
