// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsentRegistry, IConsentRevocationHook} from "../../src/interfaces/IConsentRegistry.sol";

/// @notice A settable stand-in for the ConsentRegistry (issue #5), for the accountability tests:
/// tests write consents directly (setConsent), choose isLive (setLive), and revoke (which calls the
/// revocation hook, swallowing its failure as the real registry must). Functions the accountability
/// contracts never call revert "mock".
contract MockConsentRegistry is IConsentRegistry {
    mapping(uint256 => Consent) private _consents;
    mapping(uint256 => address[]) private _devices;
    mapping(uint256 => bool) private _live;
    uint256 private _count;
    IConsentRevocationHook public hook;

    /// @notice Adds consent `_count + 1` for `owner` → `recipient` over `devices` and `streams`,
    /// granted now, window [now, now + 365 days), live.
    function addConsent(
        address owner,
        address recipient,
        address[] memory devices,
        uint32 streams,
        bytes32 policyId
    ) external returns (uint256 id) {
        id = ++_count;
        _consents[id] = Consent({
            owner: owner,
            recipient: recipient,
            grantedBy: owner,
            streams: streams,
            commands: 0,
            start: uint64(block.timestamp),
            expiry: uint64(block.timestamp + 365 days),
            grantedAt: uint64(block.timestamp),
            revokedAt: 0,
            policyId: policyId,
            purposeHash: keccak256("test"),
            termsHash: bytes32(id)
        });
        _devices[id] = devices;
        _live[id] = true;
    }

    function setConsent(uint256 id, Consent memory c) external {
        require(id != 0 && id <= _count, "mock: add first");
        _consents[id] = c;
    }

    function setLive(uint256 id, bool live) external {
        _live[id] = live;
    }

    function setHook(IConsentRevocationHook hook_) external {
        hook = hook_;
    }

    /// @notice Revokes as the owner would (no caller check) and calls the hook like the real registry.
    function revoke(uint256 id) external {
        _consents[id].revokedAt = uint64(block.timestamp);
        _live[id] = false;
        if (address(hook) != address(0)) {
            try hook.onConsentRevoked(id) {} catch {}
        }
    }

    // ---------------------------------------------------------------- IConsentRegistry (reads)

    function consent(uint256 consentId) external view returns (Consent memory) {
        if (consentId == 0 || consentId > _count) revert UnknownConsent(consentId);
        return _consents[consentId];
    }

    function consentDevices(uint256 consentId) external view returns (address[] memory devices, uint64[] memory epochs) {
        if (consentId == 0 || consentId > _count) revert UnknownConsent(consentId);
        devices = _devices[consentId];
        epochs = new uint64[](devices.length);
    }

    function checkConsent(uint256 consentId, address, address recipient, uint32, uint32) external view returns (Refusal) {
        if (consentId == 0 || consentId > _count) return Refusal.UnknownConsent;
        if (_consents[consentId].recipient != recipient) return Refusal.WrongRecipient;
        return _live[consentId] ? Refusal.None : Refusal.Revoked;
    }

    function isLive(uint256 consentId) external view returns (bool) {
        return _live[consentId];
    }

    function consentCount() external view returns (uint256) {
        return _count;
    }

    // ---------------------------------------------------------------- not used by the accountability contracts

    function grantConsent(ConsentTerms calldata, string calldata) external pure returns (uint256) {
        revert("mock");
    }

    function grantConsentFor(address, ConsentTerms calldata, string calldata) external pure returns (uint256) {
        revert("mock");
    }

    function setGrantAgent(address, bool) external pure {
        revert("mock");
    }

    function revokeConsent(uint256) external pure {
        revert("mock");
    }

    function revokeAllConsentsOf(address) external pure returns (uint256) {
        revert("mock");
    }

    function consentsGivenBy(address) external pure returns (uint256[] memory) {
        revert("mock");
    }

    function consentsGivenTo(address) external pure returns (uint256[] memory) {
        revert("mock");
    }

    function isGrantAgent(address, address) external pure returns (bool) {
        revert("mock");
    }

    function consentTermsHash(uint256) external pure returns (bytes32) {
        revert("mock");
    }

    function knownCommands() external pure returns (uint32) {
        revert("mock");
    }
}
