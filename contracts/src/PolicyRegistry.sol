// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";

/// @title Policy registry: immutable, versioned data-use policies (issue #5).
/// @notice Anyone may publish policies under their own address; a version, once published, never
/// changes. Consents name a version by id, so an owner always knows exactly which document
/// governs a grant. The document itself is off chain (`uri`); its keccak256 content hash and the
/// terms other contracts enforce are on chain.
contract PolicyRegistry is IPolicyRegistry {
    mapping(bytes32 policyId => PolicyVersion) private _versions;
    mapping(bytes32 policyKey => uint32) private _latest;
    mapping(bytes32 policyKey => mapping(bytes32 contentHash => bytes32 policyId)) private _byContent;

    /// @inheritdoc IPolicyRegistry
    function publishPolicy(string calldata name, bytes32 contentHash, string calldata uri, PolicyTerms calldata terms)
        external
        returns (bytes32 policyId, uint32 version)
    {
        if (bytes(name).length == 0) revert EmptyPolicyName();
        if (contentHash == bytes32(0)) revert EmptyContentHash();
        if (terms.deleteOnRevoke && terms.deletionPeriodSeconds == 0) {
            revert InvalidPolicyTerms("deleteOnRevoke needs deletionPeriodSeconds > 0");
        }
        if (terms.notifyOwner && !terms.onwardSharing) {
            revert InvalidPolicyTerms("notifyOwner applies to onward sharing, which is not allowed");
        }
        bytes32 policyKey = policyKeyOf(msg.sender, name);
        bytes32 existing = _byContent[policyKey][contentHash];
        if (existing != bytes32(0)) revert DuplicatePolicyContent(existing);

        version = _latest[policyKey] + 1;
        policyId = policyIdOf(policyKey, version);
        _latest[policyKey] = version;
        _byContent[policyKey][contentHash] = policyId;
        _versions[policyId] = PolicyVersion({
            policyKey: policyKey,
            version: version,
            publisher: msg.sender,
            contentHash: contentHash,
            publishedAt: uint64(block.timestamp),
            terms: terms,
            uri: uri
        });
        emit PolicyPublished(policyId, policyKey, msg.sender, version, name, contentHash, uri);
    }

    /// @inheritdoc IPolicyRegistry
    function policy(bytes32 policyId) external view returns (PolicyVersion memory) {
        return _requirePolicy(policyId);
    }

    /// @inheritdoc IPolicyRegistry
    function policyTerms(bytes32 policyId) external view returns (PolicyTerms memory) {
        return _requirePolicy(policyId).terms;
    }

    /// @inheritdoc IPolicyRegistry
    function policyExists(bytes32 policyId) external view returns (bool) {
        return _versions[policyId].version != 0;
    }

    /// @inheritdoc IPolicyRegistry
    function latestVersion(address publisher, string calldata name) external view returns (uint32 version, bytes32 policyId) {
        bytes32 policyKey = policyKeyOf(publisher, name);
        version = _latest[policyKey];
        if (version != 0) policyId = policyIdOf(policyKey, version);
    }

    /// @notice keccak256(abi.encode(publisher, name)): one version line per publisher and name.
    function policyKeyOf(address publisher, string calldata name) public pure returns (bytes32) {
        return keccak256(abi.encode(publisher, name));
    }

    /// @notice keccak256(abi.encode(policyKey, version)).
    function policyIdOf(bytes32 policyKey, uint32 version) public pure returns (bytes32) {
        return keccak256(abi.encode(policyKey, version));
    }

    function _requirePolicy(bytes32 policyId) private view returns (PolicyVersion storage stored) {
        stored = _versions[policyId];
        if (stored.version == 0) revert UnknownPolicy(policyId);
    }
}
