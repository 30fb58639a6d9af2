// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";
import {ISharingLog} from "./interfaces/ISharingLog.sol";

/// @title Onward-sharing log (issue #5).
/// @notice A recipient that passes consented data on records it here: only the consent's recipient,
/// only while the consent is live for at least one of its devices (IConsentRegistry.isLive: not
/// revoked, inside its window, device still in its grant-time ownership epoch), and only when the
/// consent's policy allows onward sharing (a consent without a policy never does). The owner is
/// notified by OwnerNotified when the policy says so. The CanaryRegistry asks sharedSince before it
/// accepts a leak claim: a party the recipient logged a share to before the leaked delivery holds
/// that data legally; a share logged after the delivery does not excuse its leak (issue #12).
/// @dev Holds no roles: every permission comes from the consent and policy registries.
contract SharingLog is ISharingLog {
    /// @notice Longest purpose, in bytes.
    uint256 public constant MAX_PURPOSE_LENGTH = 256;

    /// @notice Where consents are read.
    IConsentRegistry public immutable consents;
    /// @notice Where policy terms are read.
    IPolicyRegistry public immutable policies;

    mapping(uint256 entryId => Entry) private _entries;
    mapping(uint256 consentId => uint256[]) private _entriesOf;
    /// @dev Block time of the first share logged to a party under a consent (0 = none).
    mapping(uint256 consentId => mapping(address party => uint64)) private _sharedSince;
    uint256 private _entryCount;

    /// @param consents_ The consent registry.
    /// @param policies_ The policy registry.
    constructor(IConsentRegistry consents_, IPolicyRegistry policies_) {
        if (address(consents_) == address(0) || address(policies_) == address(0)) revert InvalidDependency();
        consents = consents_;
        policies = policies_;
    }

    /// @inheritdoc ISharingLog
    /// @dev Refusals, in order: the registry's UnknownConsent, NotConsentRecipient, ConsentNotLive
    /// (with the IConsentRegistry.Refusal code), OnwardSharingNotAllowed, InvalidSharedWith (zero,
    /// the recipient itself or the owner), InvalidDataHash (zero), InvalidPurpose.
    function logSharing(
        uint256 consentId,
        address sharedWith,
        bytes32 dataHash,
        string calldata purpose
    ) external returns (uint256 entryId) {
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (msg.sender != c.recipient) revert NotConsentRecipient(consentId, msg.sender);
        if (!consents.isLive(consentId)) revert ConsentNotLive(consentId, uint8(_whyNotLive(c)));
        if (c.policyId == bytes32(0)) revert OnwardSharingNotAllowed(consentId, bytes32(0));
        IPolicyRegistry.PolicyTerms memory terms = policies.policyTerms(c.policyId);
        if (!terms.onwardSharing) revert OnwardSharingNotAllowed(consentId, c.policyId);
        if (sharedWith == address(0) || sharedWith == c.recipient || sharedWith == c.owner) {
            revert InvalidSharedWith(sharedWith);
        }
        if (dataHash == bytes32(0)) revert InvalidDataHash();
        if (bytes(purpose).length == 0 || bytes(purpose).length > MAX_PURPOSE_LENGTH) revert InvalidPurpose();

        entryId = ++_entryCount;
        _entries[entryId] = Entry({
            consentId: consentId,
            sharedWith: sharedWith,
            loggedAt: uint64(block.timestamp),
            dataHash: dataHash
        });
        _entriesOf[consentId].push(entryId);
        if (_sharedSince[consentId][sharedWith] == 0) _sharedSince[consentId][sharedWith] = uint64(block.timestamp);
        emit DataShared(entryId, consentId, c.owner, msg.sender, sharedWith, dataHash, purpose);
        if (terms.notifyOwner) emit OwnerNotified(c.owner, consentId, entryId);
    }

    /// @inheritdoc ISharingLog
    function hasShared(uint256 consentId, address party) external view returns (bool) {
        return _sharedSince[consentId][party] != 0;
    }

    /// @inheritdoc ISharingLog
    function sharedSince(uint256 consentId, address party) external view returns (uint64) {
        return _sharedSince[consentId][party];
    }

    /// @inheritdoc ISharingLog
    function entry(uint256 entryId) external view returns (Entry memory e) {
        e = _entries[entryId];
        if (e.sharedWith == address(0)) revert UnknownEntry(entryId);
    }

    /// @inheritdoc ISharingLog
    function entryCount() external view returns (uint256) {
        return _entryCount;
    }

    /// @inheritdoc ISharingLog
    function entriesOf(uint256 consentId) external view returns (uint256[] memory) {
        return _entriesOf[consentId];
    }

    /// @dev Why a consent that isLive() denies is not live, from its own record (no further calls).
    function _whyNotLive(IConsentRegistry.Consent memory c) private view returns (IConsentRegistry.Refusal) {
        if (c.revokedAt != 0) return IConsentRegistry.Refusal.Revoked;
        if (block.timestamp < c.start) return IConsentRegistry.Refusal.NotYetValid;
        if (block.timestamp >= c.expiry) return IConsentRegistry.Refusal.Expired;
        return IConsentRegistry.Refusal.OwnershipChanged;
    }
}
