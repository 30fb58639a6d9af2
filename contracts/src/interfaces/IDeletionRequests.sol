// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsentRevocationHook} from "./IConsentRegistry.sol";

/// @title Data deletion requests (issues #5, #12).
/// @notice A consent's owner asks its recipient to delete data (devices, streams, time range) by a
/// deadline; revoking a consent whose policy says deleteOnRevoke raises such a request
/// automatically (the ConsentRegistry calls onConsentRevoked). The recipient acknowledges deletion
/// on chain by the deadline (inclusive); once it has passed without an acknowledgement, anyone can
/// enforce the penalty, which the recipient's bond pays to the owner, but only when the recipient
/// accepted the consent's terms (IRecipientTerms), and never more than the accepted penalty. Every
/// deadline, automatic or not, is at least the consent's deletion period (never below the
/// registry's minimum); owners raise at most maxDeletionRequests per consent, until the consent's
/// expiry + claim window. A request ends either acknowledged or penalised, never both.
interface IDeletionRequests is IConsentRevocationHook {
    enum Status {
        None,
        Pending,
        Acknowledged,
        Penalised
    }

    /// @notice A deletion request as stored.
    struct Request {
        uint256 consentId;
        address owner;
        address recipient;
        uint32 streams;
        bool automatic; // raised by a revocation
        Status status;
        uint64 fromTime;
        uint64 toTime; // inclusive
        uint64 deadline; // acknowledgement allowed while now <= deadline
        uint64 requestedAt;
        uint64 closedAt; // acknowledgement or penalty time
        bytes32 evidenceHash; // the recipient's deletion evidence (acknowledged requests)
        address[] devices; // empty = every device of the consent
    }

    event DeletionRequested(
        uint256 indexed requestId,
        uint256 indexed consentId,
        address indexed recipient,
        address owner,
        address[] devices,
        uint32 streams,
        uint64 fromTime,
        uint64 toTime,
        uint64 deadline,
        bool automatic
    );
    event DeletionAcknowledged(uint256 indexed requestId, address indexed recipient, bytes32 evidenceHash);
    /// @notice `by` enforced the penalty of an unacknowledged request; `paid` of `penalty` reached the owner.
    event DeletionPenaltyEnforced(
        uint256 indexed requestId,
        address indexed recipient,
        address indexed by,
        uint256 penalty,
        uint256 paid
    );

    error InvalidDependency();
    /// @notice The owner raised maxDeletionRequests requests under the consent already.
    error TooManyRequests(uint256 consentId, uint256 max);
    /// @notice Deletion under the consent could be requested until `until` (expiry + claim window).
    error RequestWindowClosed(uint256 consentId, uint64 until);
    error NotConsentOwner(uint256 consentId, address caller);
    error NotConsentRegistry(address caller);
    error TooManyDevices(uint256 count, uint256 max);
    error DeviceNotInConsent(uint256 consentId, address device);
    error DuplicateDevice(address device);
    /// @notice Streams not covered by the consent (`streams` & ~consent streams).
    error StreamsNotInConsent(uint256 consentId, uint32 streams);
    error InvalidTimeRange(uint64 fromTime, uint64 toTime);
    /// @notice The deadline is sooner than now + the consent's deletion period.
    error DeadlineTooSoon(uint64 deadline, uint64 earliest);
    error DeadlineTooFar(uint64 deadline, uint64 latest);
    error UnknownRequest(uint256 requestId);
    error NotRequestRecipient(uint256 requestId, address caller);
    /// @notice The request was acknowledged or penalised already.
    error RequestClosed(uint256 requestId, Status status);
    /// @notice Acknowledgement after the deadline.
    error DeadlinePassed(uint256 requestId, uint64 deadline);
    /// @notice Penalty before the deadline has passed.
    error DeadlineNotPassed(uint256 requestId, uint64 deadline);
    error MissingEvidence();

    /// @notice The consent's owner asks the recipient to delete the data of `devices` (empty = all of
    /// the consent's devices) and `streams` (0 = all of the consent's streams) from `fromTime` to
    /// `toTime` (unix seconds, inclusive) by `deadline`: at least now + the consent's deletion period,
    /// at most now + 365 days and the consent's expiry + claim window + deletion period. Returns the
    /// request id (1, 2, ...).
    function requestDeletion(
        uint256 consentId,
        address[] calldata devices,
        uint32 streams,
        uint64 fromTime,
        uint64 toTime,
        uint64 deadline
    ) external returns (uint256 requestId);

    /// @notice The request's recipient states that it deleted the data (`evidenceHash` ≠ 0: a hash
    /// of its deletion record), by the deadline.
    function acknowledgeDeletion(uint256 requestId, bytes32 evidenceHash) external;

    /// @notice Anyone, after the deadline of an unacknowledged request: the recipient's bond pays
    /// the owner. Returns what was paid.
    function enforcePenalty(uint256 requestId) external returns (uint256 paid);

    /// @notice A request (reverts UnknownRequest).
    function request(uint256 requestId) external view returns (Request memory);

    /// @notice Requests so far (ids are 1..requestCount()).
    function requestCount() external view returns (uint256);

    /// @notice The ids of the requests raised under a consent, oldest first.
    function requestsOf(uint256 consentId) external view returns (uint256[] memory);

    /// @notice The request a revocation raised under `consentId` (0 = none).
    function automaticRequestOf(uint256 consentId) external view returns (uint256);

    /// @notice The penalty an unacknowledged request under `consentId` costs (0 unless its recipient
    /// accepted the consent's terms).
    function penaltyFor(uint256 consentId) external view returns (uint256);

    /// @notice How many requests the owner raised under `consentId` (the automatic one aside).
    function ownerRequestCount(uint256 consentId) external view returns (uint256);
}
