// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Trap streets (issue #5): canary values committed on chain, revealed to attribute a leak.
/// @notice The Pythia gives each recipient slightly different values of some readings (within the
/// sensor's noise) and commits to each one:
///   commitment = keccak256(abi.encode(address recipient, uint256 consentId, address device,
///                                     uint8 stream, int16 value, uint64 sequence, bytes32 salt))
/// If a canary value turns up at a party that has no sharing-log entry under the consent, the
/// consent's owner reveals the commitment; the contract attributes the leak to the recipient that
/// received it and the recipient's bond pays the owner. Each commitment pays at most once.
interface ICanaryRegistry {
    /// @notice A commitment as stored.
    struct Canary {
        uint128 consentId;
        uint64 committedAt; // 0 = unknown commitment
        uint64 claimedAt; // 0 = not claimed
    }

    /// @notice What the owner reveals.
    struct CanaryReveal {
        address recipient;
        uint256 consentId;
        address device;
        uint8 stream; // metric index of the device's profile (bit of the consent's streams)
        int16 value; // the canary value, in the metric's fixed-point scale
        uint64 sequence; // the reading's sequence number
        bytes32 salt;
    }

    event CanaryCommitted(bytes32 indexed commitment, uint256 indexed consentId, address indexed committer);
    /// @notice The leak of the canary behind `commitment` is attributed to `recipient`; `paid` went
    /// from its bond to `owner` (`penalty` was due).
    event LeakAttributed(
        bytes32 indexed commitment,
        uint256 indexed consentId,
        address indexed recipient,
        address owner,
        address leakedTo,
        bytes32 evidenceHash,
        uint256 penalty,
        uint256 paid
    );

    error InvalidDependency();
    error EmptyBatch();
    error BatchTooLarge(uint256 count, uint256 max);
    error LengthMismatch(uint256 commitments, uint256 consentIds);
    error ZeroCommitment(uint256 index);
    error UnknownConsent(uint256 consentId);
    /// @notice The commitment was committed before (in this batch or an earlier one).
    error DuplicateCommitment(bytes32 commitment);
    error UnknownCommitment(bytes32 commitment);
    /// @notice The commitment's leak was attributed already (double reveal).
    error AlreadyClaimed(bytes32 commitment, uint64 claimedAt);
    /// @notice The revealed fields do not hash to the commitment.
    error CommitmentMismatch(bytes32 commitment, bytes32 computed);
    /// @notice The revealed consent is not the one the commitment was made under.
    error ConsentMismatch(bytes32 commitment, uint256 committedConsentId, uint256 revealedConsentId);
    error NotConsentOwner(uint256 consentId, address caller);
    /// @notice The revealed recipient is not the consent's recipient.
    error WrongRecipient(uint256 consentId, address recipient);
    /// @notice The device or stream of the canary is not covered by the consent: the recipient never received it.
    error CanaryNotInConsent(uint256 consentId, address device, uint8 stream);
    /// @notice leakedTo is zero, the recipient itself or the owner.
    error InvalidLeakedTo(address leakedTo);
    /// @notice The recipient logged a share to leakedTo under the consent: the party holds the data legally.
    error LeakWasLogged(uint256 consentId, address leakedTo);
    error MissingEvidence();
    /// @notice This leaked value of this reading (device, stream, sequence, value) was attributed
    /// already, under another commitment: one leaked value proves one leak, never two.
    error ReadingAlreadyAttributed(bytes32 readingKey);

    /// @notice COMMITTER_ROLE (the Pythia gateway) commits canaries, commitments[i] under consentIds[i].
    function commitCanaries(bytes32[] calldata commitments, uint256[] calldata consentIds) external;

    /// @notice The consent's owner reveals a canary found at `leakedTo`; attributes the leak and
    /// pays the owner from the recipient's bond. Returns what was paid.
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
    ) external returns (uint256 paid);

    /// @notice A commitment's record (committedAt 0 = unknown).
    function canary(bytes32 commitment) external view returns (Canary memory);

    /// @notice The commitment of a canary, as commitCanaries expects it.
    function canaryCommitment(CanaryReveal calldata reveal) external pure returns (bytes32);

    /// @notice Whether a leaked value of a reading was attributed: readingKey =
    /// keccak256(abi.encode(device, stream, sequence, value)).
    function readingAttributed(bytes32 readingKey) external view returns (bool);

    /// @notice The penalty a leak under `consentId` costs: the policy's penaltyWei, or the default
    /// for a consent without a policy.
    function penaltyFor(uint256 consentId) external view returns (uint256);
}
