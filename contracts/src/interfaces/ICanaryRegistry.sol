// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessLog} from "./IAccessLog.sol";

/// @title Trap streets (issues #5, #12): canary values committed on chain, revealed to claim a leak.
/// @notice The Pythia gives each recipient slightly different values of some readings (within the
/// sensor's noise) and commits to each one, naming the logged delivery (IAccessLog) that carried it:
///   commitment = keccak256(abi.encode(address recipient, uint256 consentId, address device,
///                                     uint8 stream, int16 value, uint64 sequence, bytes32 salt))
/// If a canary value turns up at a party the recipient did not log a share to before the delivery,
/// the consent's owner reveals it and claims a leak. A claim can be contested: it holds the accepted
/// penalty (RecipientBonds) for `disputeWindow`; without a dispute anyone settles it for the owner
/// after the window; a disputed claim is settled by the ARBITER_ROLE, or, if no ruling comes within
/// ARBITRATION_PERIOD, released to the recipient. Only consents whose terms the recipient accepted
/// (IRecipientTerms) can be claimed under, one claim per (consent, party) and per leaked reading.
interface ICanaryRegistry {
    /// @notice A commitment as stored.
    struct Canary {
        uint128 consentId;
        uint64 committedAt; // 0 = unknown commitment
        uint64 claimedAt; // 0 = not claimed
        bytes32 deliveryKey; // the logged delivery that carried the canary
        uint64 deliveredAt; // when the AccessLog logged that delivery (the batch named at commitment)
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

    enum ClaimStatus {
        None,
        Open, // within the dispute window
        Disputed, // the recipient answered: the arbiter rules
        Upheld, // paid to the owner
        Rejected // released to the recipient
    }

    /// @notice A leak claim (keyed by the canary's commitment).
    struct Claim {
        ClaimStatus status;
        uint64 disputeDeadline; // the recipient may dispute while now <= disputeDeadline
        uint64 disputedAt;
        address leakedTo;
        uint256 consentId;
        uint256 holdId; // RecipientBonds hold
        uint256 penalty; // the accepted penalty
        bytes32 evidenceHash; // the owner's: where the value was found
        bytes32 answerHash; // the recipient's answer
    }

    event CanaryCommitted(bytes32 indexed commitment, uint256 indexed consentId, address indexed committer);
    /// @notice A commitment in a batch was not stored (reason: 1 zero, 2 duplicate, 3 delivery not logged).
    event CanaryRefused(bytes32 indexed commitment, bytes32 indexed deliveryKey, uint8 reason);
    /// @notice The owner claims the canary of `commitment` leaked to `leakedTo`; `held` of `penalty` is
    /// held from the recipient's bond until the claim is settled.
    event LeakClaimed(
        bytes32 indexed commitment,
        uint256 indexed consentId,
        address indexed recipient,
        address owner,
        address leakedTo,
        bytes32 evidenceHash,
        uint256 penalty,
        uint256 held,
        uint64 disputeDeadline
    );
    /// @notice The recipient contests the claim (answerHash: a hash of its answer).
    event LeakDisputed(bytes32 indexed commitment, address indexed recipient, bytes32 answerHash);
    /// @notice The claim was upheld (`by`: the arbiter, or whoever settled an undisputed claim);
    /// `paid` went from the hold to `owner`.
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
    /// @notice The claim failed: the arbiter rejected it, or no ruling came in time (`timedOut`);
    /// the hold went back to the recipient's bond.
    event LeakClaimRejected(bytes32 indexed commitment, uint256 indexed consentId, address indexed by, bool timedOut);

    error InvalidDependency();
    error InvalidParameter(string name);
    error EmptyBatch();
    error BatchTooLarge(uint256 count, uint256 max);
    error LengthMismatch(uint256 commitments, uint256 deliveryKeys);
    /// @notice No canary with this commitment (= the revealed fields' hash) was committed.
    error UnknownCommitment(bytes32 commitment);
    /// @notice The commitment was claimed before (double reveal).
    error AlreadyClaimed(bytes32 commitment, uint64 claimedAt);
    /// @notice The consent the commitment's delivery was logged under is not the revealed one.
    error ConsentMismatch(bytes32 commitment, uint256 committedConsentId, uint256 revealedConsentId);
    /// @notice The delivery given does not hash to the one the commitment names.
    error DeliveryMismatch(bytes32 commitment, bytes32 deliveryKey);
    /// @notice The canary (device, stream, recipient) is not what the delivery carried.
    error CanaryNotInDelivery(bytes32 commitment);
    error NotConsentOwner(uint256 consentId, address caller);
    error NotConsentRecipient(uint256 consentId, address caller);
    /// @notice The revealed recipient is not the consent's recipient.
    error WrongRecipient(uint256 consentId, address recipient);
    /// @notice The recipient never accepted the consent's terms: no penalty can be claimed under it.
    error TermsNotAccepted(uint256 consentId);
    /// @notice Leaks under the consent could be claimed until `claimsUntil`.
    error ClaimWindowClosed(uint256 consentId, uint64 claimsUntil);
    /// @notice leakedTo is zero, the recipient itself or the owner.
    error InvalidLeakedTo(address leakedTo);
    /// @notice The recipient logged a share to leakedTo before the delivery: the party holds it legally.
    error LeakWasLogged(uint256 consentId, address leakedTo);
    error MissingEvidence();
    /// @notice This leaked value of this reading was claimed already, under another commitment.
    error ReadingAlreadyAttributed(bytes32 readingKey);
    /// @notice A leak to this party under this consent is claimed already (one penalty per party).
    error PartyAlreadyClaimed(uint256 consentId, address leakedTo);
    error UnknownClaim(bytes32 commitment);
    /// @notice The claim is not in the state this call needs.
    error WrongClaimStatus(bytes32 commitment, ClaimStatus status);
    error DisputeWindowClosed(bytes32 commitment, uint64 disputeDeadline);
    /// @notice The claim cannot be settled yet (`at`: from when it can).
    error NotSettleable(bytes32 commitment, uint64 at);

    /// @notice COMMITTER_ROLE (a trusted Pythia's relayer) commits canaries, commitments[i] carried by
    /// the delivery deliveries[i] proves logged (IAccessLog.deliveryLoggedAt: a Merkle proof against
    /// a logged batch's root); a zero, repeated or unproven item is refused (CanaryRefused) and the
    /// batch goes on. Returns how many were stored.
    function commitCanaries(bytes32[] calldata commitments, IAccessLog.DeliveryProof[] calldata deliveries)
        external
        returns (uint256 committed);

    /// @notice The consent's owner claims that the canary `reveal` (carried by `delivery`) was found
    /// at `leakedTo`; holds the accepted penalty from the recipient's bond. Returns what is held.
    function claimLeak(
        CanaryReveal calldata reveal,
        IAccessLog.Delivery calldata delivery,
        address leakedTo,
        bytes32 evidenceHash
    ) external returns (uint256 held);

    /// @notice The recipient contests an open claim within the dispute window.
    function disputeLeak(bytes32 commitment, bytes32 answerHash) external;

    /// @notice ARBITER_ROLE rules on a disputed claim: upheld pays the owner, else the hold goes back.
    function resolveLeak(bytes32 commitment, bool upheld) external;

    /// @notice Anyone settles a claim: undisputed after the window (paid to the owner), or disputed
    /// without a ruling after ARBITRATION_PERIOD (released to the recipient).
    function settleLeak(bytes32 commitment) external;

    /// @notice A commitment's record (committedAt 0 = unknown).
    function canary(bytes32 commitment) external view returns (Canary memory);

    /// @notice A claim (status None = no claim).
    function claim(bytes32 commitment) external view returns (Claim memory);

    /// @notice The commitment of a canary, as commitCanaries expects it.
    function canaryCommitment(CanaryReveal calldata reveal) external pure returns (bytes32);

    /// @notice Whether a leaked value of a reading was claimed: readingKey =
    /// keccak256(abi.encode(device, stream, sequence, value)).
    function readingAttributed(bytes32 readingKey) external view returns (bool);

    /// @notice The penalty a leak under `consentId` costs: the accepted terms' penalty, 0 if the
    /// recipient never accepted them.
    function penaltyFor(uint256 consentId) external view returns (uint256);
}
