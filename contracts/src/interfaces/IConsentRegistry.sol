// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Consent registry (issue #5): what a device owner lets a recipient read or command.
/// @notice A consent covers one or more devices of one owner, a set of data streams (bit i = metric
/// i of the device's profile, at most 8) and/or a set of commands (bit c = command code c of the
/// catalogue in docs/protocol.md), a purpose, a policy version (IPolicyRegistry) and a time window
/// [start, expiry). It is keyed by each device's ownership epoch at grant time: a completed
/// ownership transfer voids it at once. Revocation is by the owner, one consent or all consents of
/// a recipient in pages, and is final. A consent gives access only: the recipient's bond is at stake
/// under it once the recipient accepts its terms (IRecipientTerms). The consent's terms hash is what a Kantara / ISO/IEC
/// 27560 receipt is checked against.
interface IConsentRegistry {
    /// @notice What the owner grants.
    struct ConsentTerms {
        address recipient;
        address[] devices;
        uint32 streams;
        uint32 commands;
        bytes32 policyId; // 0 = no policy (then: no onward sharing, no bond required)
        uint64 start; // 0 = from the grant's block
        uint64 expiry; // exclusive; must be > start and > now
    }

    /// @notice A consent as stored.
    struct Consent {
        address owner;
        address recipient;
        address grantedBy; // the owner, or the grant agent acting for the owner
        uint32 streams;
        uint32 commands;
        uint64 start;
        uint64 expiry;
        uint64 grantedAt; // block timestamp of the grant
        uint64 revokedAt; // 0 while not revoked
        bytes32 policyId;
        bytes32 purposeHash; // keccak256(bytes(purpose))
        bytes32 termsHash; // see consentTermsHash
    }

    /// @notice Why a consent does not permit something (0 = it does).
    enum Refusal {
        None,
        UnknownConsent,
        NotYetValid,
        Expired,
        Revoked,
        DeviceNotCovered,
        OwnershipChanged, // the device changed hands since the grant (epoch differs)
        WrongRecipient,
        StreamNotCovered,
        CommandNotCovered
    }

    event ConsentGranted(
        uint256 indexed consentId,
        address indexed owner,
        address indexed recipient,
        address[] devices,
        uint32 streams,
        uint32 commands,
        bytes32 policyId,
        uint64 start,
        uint64 expiry,
        string purpose,
        bytes32 termsHash
    );
    event ConsentRevoked(uint256 indexed consentId, address indexed owner, address indexed recipient, uint64 revokedAt);
    event GrantAgentSet(address indexed owner, address indexed agent, bool allowed);

    error NoDevices();
    error TooManyDevices(uint256 count, uint256 max);
    error DuplicateDevice(address device);
    error UnknownDevice(address device);
    /// @notice The granter does not own the device (now).
    error NotDeviceOwner(address device, address caller);
    error InvalidRecipient(address recipient);
    /// @notice Neither streams nor commands were given.
    error EmptyScope();
    /// @notice A stream bit beyond the device's profile metric count.
    error UnknownStreams(address device, uint32 streams, uint32 known);
    /// @notice A command bit outside the catalogue.
    error UnknownCommands(uint32 commands, uint32 known);
    error InvalidWindow(uint64 start, uint64 expiry);
    error EmptyPurpose();
    error UnknownPolicy(bytes32 policyId);
    error UnknownConsent(uint256 consentId);
    error NotConsentOwner(uint256 consentId, address caller);
    error AlreadyRevoked(uint256 consentId);
    error NotGrantAgent(address owner, address caller);

    /// @notice The caller grants consent over devices it owns; returns the new consent id (1, 2, ...).
    function grantConsent(ConsentTerms calldata terms, string calldata purpose) external returns (uint256 consentId);

    /// @notice A grant agent the owner approved (e.g. the FeedMarket) grants on the owner's behalf.
    function grantConsentFor(address owner, ConsentTerms calldata terms, string calldata purpose)
        external
        returns (uint256 consentId);

    /// @notice The caller allows or disallows `agent` to grant consents on its behalf.
    function setGrantAgent(address agent, bool allowed) external;

    /// @notice The owner revokes one consent, at once and for good.
    function revokeConsent(uint256 consentId) external;

    /// @notice The owner revokes the live consents it gave `recipient`, walking at most `pageSize`
    /// (1..32) of them, newest first; returns how many it revoked and how many are left to walk
    /// (call again until `remaining` is 0).
    function revokeAllConsentsOf(address recipient, uint256 pageSize) external returns (uint256 revoked, uint256 remaining);

    /// @notice How many consents of `owner` to `recipient` revokeAllConsentsOf has still to walk.
    function pendingRevocations(address owner, address recipient) external view returns (uint256);

    /// @notice A consent (reverts UnknownConsent).
    function consent(uint256 consentId) external view returns (Consent memory);

    /// @notice The devices a consent covers and each one's ownership epoch at grant time.
    function consentDevices(uint256 consentId) external view returns (address[] memory devices, uint64[] memory epochs);

    /// @notice Whether the consent permits `recipient` to receive `streams` and send `commands`
    /// for `device` now; Refusal.None if it does, else the first reason it does not.
    function checkConsent(uint256 consentId, address device, address recipient, uint32 streams, uint32 commands)
        external
        view
        returns (Refusal);

    /// @notice Whether the consent is live now for at least one of its devices (not revoked, inside
    /// its window, and that device still in the epoch it was granted in).
    function isLive(uint256 consentId) external view returns (bool);

    /// @notice Every consent id `owner` ever gave, oldest first (the owner's single place to look).
    function consentsGivenBy(address owner) external view returns (uint256[] memory);

    /// @notice Every consent id ever given to `recipient`, oldest first.
    function consentsGivenTo(address recipient) external view returns (uint256[] memory);

    /// @notice Number of consents granted so far (ids are 1..consentCount()).
    function consentCount() external view returns (uint256);

    /// @notice Whether `agent` may grant for `owner`.
    function isGrantAgent(address owner, address agent) external view returns (bool);

    /// @notice keccak256(abi.encode(chainid, this, consentId, owner, recipient, devices, epochs,
    /// streams, commands, policyId, purposeHash, start, expiry)): what a receipt commits to.
    function consentTermsHash(uint256 consentId) external view returns (bytes32);

    /// @notice The bitmask of command codes in the catalogue.
    function knownCommands() external view returns (uint32);
}

/// @notice Called by the ConsentRegistry after a revocation (e.g. DeletionRequests raising a
/// deletion request when the consent's policy says deleteOnRevoke). A hook that reverts or runs
/// out of gas never blocks the revocation.
interface IConsentRevocationHook {
    function onConsentRevoked(uint256 consentId) external;
}
