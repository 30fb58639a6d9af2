// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsentRegistry, IConsentRevocationHook} from "./interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";
import {IRecipientBonds} from "./interfaces/IRecipientBonds.sol";
import {IDeletionRequests} from "./interfaces/IDeletionRequests.sol";

/// @title Data deletion requests (issue #5).
/// @notice Owners ask recipients to delete data by a deadline; a revocation under a policy with
/// deleteOnRevoke raises a request for everything the consent covered, with the policy's
/// deletionPeriodSeconds. The recipient acknowledges while now <= deadline; afterwards, anyone may
/// enforce the penalty (the policy's penaltyWei, or defaultPenaltyWei without a policy), once.
/// Acknowledgement and penalty are exclusive: both close the request.
/// @dev Holds PENALTY_ROLE on RecipientBonds; is the ConsentRegistry's revocation hook.
contract DeletionRequests is IDeletionRequests {
    /// @notice Most devices one request names.
    uint256 public constant MAX_DEVICES = 64;
    /// @notice Latest deadline an owner may set, from now.
    uint64 public constant MAX_DEADLINE = 365 days;
    /// @notice RecipientBonds' reason for a missed deletion.
    bytes32 public constant DELETION_REASON = "deletion-missed";

    IConsentRegistry public immutable consents;
    IPolicyRegistry public immutable policies;
    IRecipientBonds public immutable bonds;
    /// @notice Shortest time an owner must give a recipient (owner requests; not automatic ones,
    /// which take the policy's deletionPeriodSeconds).
    uint64 public immutable minimumPeriod;
    /// @notice Penalty of a missed deletion under a consent without a policy.
    uint256 public immutable defaultPenaltyWei;

    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 consentId => uint256[]) private _requestsOf;
    mapping(uint256 consentId => uint256 requestId) private _automaticRequest;
    uint256 private _requestCount;

    /// @param minimumPeriod_ Shortest deadline of an owner's request, from now (1 .. MAX_DEADLINE).
    /// @param defaultPenaltyWei_ Penalty under a consent without a policy.
    constructor(
        IConsentRegistry consents_,
        IPolicyRegistry policies_,
        IRecipientBonds bonds_,
        uint64 minimumPeriod_,
        uint256 defaultPenaltyWei_
    ) {
        if (address(consents_) == address(0) || address(policies_) == address(0) || address(bonds_) == address(0)) {
            revert InvalidDependency();
        }
        if (minimumPeriod_ == 0 || minimumPeriod_ > MAX_DEADLINE) revert InvalidMinimumPeriod(minimumPeriod_);
        consents = consents_;
        policies = policies_;
        bonds = bonds_;
        minimumPeriod = minimumPeriod_;
        defaultPenaltyWei = defaultPenaltyWei_;
    }

    // ------------------------------------------------------------------ owners

    /// @inheritdoc IDeletionRequests
    /// @dev Allowed whatever the consent's state (live, expired, revoked): deletion matters most after
    /// the consent ends. Refusals: the registry's UnknownConsent, NotConsentOwner, TooManyDevices,
    /// DeviceNotInConsent, DuplicateDevice, StreamsNotInConsent, InvalidTimeRange, DeadlineTooSoon,
    /// DeadlineTooFar.
    function requestDeletion(
        uint256 consentId,
        address[] calldata devices,
        uint32 streams,
        uint64 fromTime,
        uint64 toTime,
        uint64 deadline
    ) external returns (uint256 requestId) {
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (msg.sender != c.owner) revert NotConsentOwner(consentId, msg.sender);
        if (devices.length > MAX_DEVICES) revert TooManyDevices(devices.length, MAX_DEVICES);
        (address[] memory covered, ) = consents.consentDevices(consentId);
        address[] memory chosen = devices.length == 0 ? covered : _checkDevices(consentId, devices, covered);
        if (streams == 0) streams = c.streams;
        else if (streams & ~c.streams != 0) revert StreamsNotInConsent(consentId, streams & ~c.streams);
        if (fromTime > toTime) revert InvalidTimeRange(fromTime, toTime);
        uint64 now_ = uint64(block.timestamp);
        if (deadline < now_ + minimumPeriod) revert DeadlineTooSoon(deadline, now_ + minimumPeriod);
        if (deadline > now_ + MAX_DEADLINE) revert DeadlineTooFar(deadline, now_ + MAX_DEADLINE);
        requestId = _open(consentId, c, chosen, streams, fromTime, toTime, deadline, false);
    }

    /// @inheritdoc IConsentRevocationHook
    /// @dev Only the ConsentRegistry (NotConsentRegistry). Does nothing unless the consent is revoked
    /// and its policy says deleteOnRevoke; raises one automatic request per consent at most. The
    /// request covers all of the consent's devices and streams from its start to its revocation.
    function onConsentRevoked(uint256 consentId) external {
        if (msg.sender != address(consents)) revert NotConsentRegistry(msg.sender);
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (c.revokedAt == 0 || c.policyId == bytes32(0)) return;
        IPolicyRegistry.PolicyTerms memory terms = policies.policyTerms(c.policyId);
        if (!terms.deleteOnRevoke) return;
        if (_automaticRequest[consentId] != 0) return;
        (address[] memory covered, ) = consents.consentDevices(consentId);
        uint64 fromTime = c.start != 0 ? c.start : c.grantedAt;
        uint64 deadline = uint64(block.timestamp) + terms.deletionPeriodSeconds;
        _automaticRequest[consentId] = _open(consentId, c, covered, c.streams, fromTime, c.revokedAt, deadline, true);
    }

    // ------------------------------------------------------------------ recipients

    /// @inheritdoc IDeletionRequests
    function acknowledgeDeletion(uint256 requestId, bytes32 evidenceHash) external {
        Request storage r = _require(requestId);
        if (msg.sender != r.recipient) revert NotRequestRecipient(requestId, msg.sender);
        if (r.status != Status.Pending) revert RequestClosed(requestId, r.status);
        if (block.timestamp > r.deadline) revert DeadlinePassed(requestId, r.deadline);
        if (evidenceHash == bytes32(0)) revert MissingEvidence();
        r.status = Status.Acknowledged;
        r.closedAt = uint64(block.timestamp);
        r.evidenceHash = evidenceHash;
        emit DeletionAcknowledged(requestId, msg.sender, evidenceHash);
    }

    // ------------------------------------------------------------------ anyone

    /// @inheritdoc IDeletionRequests
    function enforcePenalty(uint256 requestId) external returns (uint256 paid) {
        Request storage r = _require(requestId);
        if (r.status != Status.Pending) revert RequestClosed(requestId, r.status);
        if (block.timestamp <= r.deadline) revert DeadlineNotPassed(requestId, r.deadline);
        r.status = Status.Penalised;
        r.closedAt = uint64(block.timestamp);
        uint256 penalty = _penalty(consents.consent(r.consentId).policyId);
        if (penalty != 0) paid = bonds.payPenalty(r.recipient, r.owner, penalty, DELETION_REASON);
        emit DeletionPenaltyEnforced(requestId, r.recipient, msg.sender, penalty, paid);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDeletionRequests
    function request(uint256 requestId) external view returns (Request memory) {
        return _require(requestId);
    }

    /// @inheritdoc IDeletionRequests
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @inheritdoc IDeletionRequests
    function requestsOf(uint256 consentId) external view returns (uint256[] memory) {
        return _requestsOf[consentId];
    }

    /// @inheritdoc IDeletionRequests
    function automaticRequestOf(uint256 consentId) external view returns (uint256) {
        return _automaticRequest[consentId];
    }

    /// @inheritdoc IDeletionRequests
    function penaltyFor(uint256 consentId) external view returns (uint256) {
        return _penalty(consents.consent(consentId).policyId);
    }

    // ------------------------------------------------------------------ internals

    function _open(
        uint256 consentId,
        IConsentRegistry.Consent memory c,
        address[] memory devices,
        uint32 streams,
        uint64 fromTime,
        uint64 toTime,
        uint64 deadline,
        bool automatic
    ) private returns (uint256 requestId) {
        requestId = ++_requestCount;
        Request storage r = _requests[requestId];
        r.consentId = consentId;
        r.owner = c.owner;
        r.recipient = c.recipient;
        r.streams = streams;
        r.automatic = automatic;
        r.status = Status.Pending;
        r.fromTime = fromTime;
        r.toTime = toTime;
        r.deadline = deadline;
        r.requestedAt = uint64(block.timestamp);
        r.devices = devices;
        _requestsOf[consentId].push(requestId);
        emit DeletionRequested(
            requestId,
            consentId,
            c.recipient,
            c.owner,
            devices,
            streams,
            fromTime,
            toTime,
            deadline,
            automatic
        );
    }

    function _checkDevices(
        uint256 consentId,
        address[] calldata devices,
        address[] memory covered
    ) private pure returns (address[] memory) {
        for (uint256 i; i < devices.length; ++i) {
            address d = devices[i];
            for (uint256 j; j < i; ++j) {
                if (devices[j] == d) revert DuplicateDevice(d);
            }
            bool found;
            for (uint256 j; j < covered.length; ++j) {
                if (covered[j] == d) {
                    found = true;
                    break;
                }
            }
            if (!found) revert DeviceNotInConsent(consentId, d);
        }
        return devices;
    }

    function _require(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status == Status.None) revert UnknownRequest(requestId);
    }

    function _penalty(bytes32 policyId) private view returns (uint256) {
        if (policyId == bytes32(0)) return defaultPenaltyWei;
        return policies.policyTerms(policyId).penaltyWei;
    }
}
