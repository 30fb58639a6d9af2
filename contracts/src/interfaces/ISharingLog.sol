// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Onward-sharing log (issue #5): a recipient records every onward share of consented data.
/// @notice An entry is accepted only while the consent is live for the recipient and its policy
/// allows onward sharing; the owner is notified by an event. Whether a party holds data legally
/// is answered here: from the first logged share on (the trap-street CanaryRegistry compares it
/// with the leaked delivery's time before it accepts a leak claim).
interface ISharingLog {
    event DataShared(
        uint256 indexed entryId,
        uint256 indexed consentId,
        address indexed owner,
        address recipient,
        address sharedWith,
        bytes32 dataHash,
        string purpose
    );
    /// @notice Emitted with DataShared when the policy requires the owner to be notified.
    event OwnerNotified(address indexed owner, uint256 indexed consentId, uint256 indexed entryId);

    error NotConsentRecipient(uint256 consentId, address caller);
    error ConsentNotLive(uint256 consentId, uint8 refusal);
    error OnwardSharingNotAllowed(uint256 consentId, bytes32 policyId);
    error InvalidSharedWith(address sharedWith);
    error InvalidDataHash();
    /// @notice The purpose is empty or longer than MAX_PURPOSE_LENGTH bytes.
    error InvalidPurpose();
    error UnknownEntry(uint256 entryId);
    error InvalidDependency();

    /// @notice One logged share (the recipient is the consent's; the purpose is in DataShared).
    struct Entry {
        uint256 consentId;
        address sharedWith;
        uint64 loggedAt;
        bytes32 dataHash;
    }

    /// @notice The consent's recipient logs that it shared data (hash) with `sharedWith`.
    function logSharing(uint256 consentId, address sharedWith, bytes32 dataHash, string calldata purpose)
        external
        returns (uint256 entryId);

    /// @notice Whether the recipient of `consentId` logged a share to `party` (at any time).
    function hasShared(uint256 consentId, address party) external view returns (bool);

    /// @notice Block time of the first share the recipient of `consentId` logged to `party` (0 = none).
    /// Only data delivered after this time may have reached `party` legally.
    function sharedSince(uint256 consentId, address party) external view returns (uint64);

    /// @notice A logged entry (reverts UnknownEntry).
    function entry(uint256 entryId) external view returns (Entry memory);

    /// @notice Entries logged so far (ids are 1..entryCount()).
    function entryCount() external view returns (uint256);

    /// @notice The ids of the entries logged under a consent, oldest first.
    function entriesOf(uint256 consentId) external view returns (uint256[] memory);
}
