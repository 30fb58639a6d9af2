// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Policy registry (issue #5): immutable, versioned, machine-readable data-use policies.
/// @notice A policy document (JSON, see docs/policies.md) lives off chain; the chain holds its
/// content hash, where to fetch it, and the terms enforced without reading the document:
/// SharingLog enforces onwardSharing and notifyOwner; DeletionRequests deleteOnRevoke,
/// deletionPeriodSeconds and penaltyWei; CanaryRegistry penaltyWei; the gateway minimumBondWei
/// before it serves data. retentionSeconds is stated for recipients; no contract can enforce it.
/// The terms are compiled from the document by the one evaluator (src/policy); anyone can fetch
/// the document, recompile it and compare (`pythia policy verify`). A version is never changed.
interface IPolicyRegistry {
    /// @notice The terms of a policy version that contracts enforce on chain.
    struct PolicyTerms {
        /// Onward sharing is allowed at all (SharingLog refuses entries otherwise).
        bool onwardSharing;
        /// The owner must be notified of every onward share (SharingLog emits an event to the owner).
        bool notifyOwner;
        /// Revoking a consent under this policy raises a data-deletion request automatically.
        bool deleteOnRevoke;
        /// Seconds the recipient may keep data (0 = no limit stated).
        uint64 retentionSeconds;
        /// Seconds a recipient has to acknowledge a deletion request raised under this policy.
        uint64 deletionPeriodSeconds;
        /// Wei paid to the owner from the recipient's bond per proven violation.
        uint128 penaltyWei;
        /// Wei a recipient must have bonded to receive data under this policy.
        uint128 minimumBondWei;
    }

    /// @notice One immutable version of a policy.
    struct PolicyVersion {
        bytes32 policyKey; // keccak256(publisher, name)
        uint32 version; // 1, 2, ... per policyKey
        address publisher;
        bytes32 contentHash; // keccak256 of the document's canonical JSON bytes
        uint64 publishedAt;
        PolicyTerms terms;
        string uri; // where the document can be fetched (ipfs://, https://, file name)
    }

    /// @notice `publisher` published `version` of policy `name` with id `policyId`.
    event PolicyPublished(
        bytes32 indexed policyId,
        bytes32 indexed policyKey,
        address indexed publisher,
        uint32 version,
        string name,
        bytes32 contentHash,
        string uri
    );

    error EmptyPolicyName();
    error EmptyContentHash();
    /// @notice The same document (content hash) is already a version of this policy.
    error DuplicatePolicyContent(bytes32 policyId);
    error UnknownPolicy(bytes32 policyId);
    /// @notice deleteOnRevoke needs a deletionPeriodSeconds > 0.
    error InvalidPolicyTerms(string reason);

    /// @notice Publishes the next version of the caller's policy `name`. policyId =
    /// keccak256(abi.encode(policyKey, version)).
    function publishPolicy(string calldata name, bytes32 contentHash, string calldata uri, PolicyTerms calldata terms)
        external
        returns (bytes32 policyId, uint32 version);

    /// @notice A published version (reverts UnknownPolicy for an unknown id).
    function policy(bytes32 policyId) external view returns (PolicyVersion memory);

    /// @notice The enforced terms of a version (reverts UnknownPolicy for an unknown id).
    function policyTerms(bytes32 policyId) external view returns (PolicyTerms memory);

    /// @notice Whether the id names a published version.
    function policyExists(bytes32 policyId) external view returns (bool);

    /// @notice The latest version number of a publisher's policy (0 = none) and its id.
    function latestVersion(address publisher, string calldata name) external view returns (uint32 version, bytes32 policyId);
}
