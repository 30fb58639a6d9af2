// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsentRegistry, IConsentRevocationHook} from "./interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";
import {IRecipientBonds} from "./interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "./interfaces/IRecipientTerms.sol";
import {IDeletionRequests} from "./interfaces/IDeletionRequests.sol";

/// @title Data deletion requests (issues #5, #12).
/// @notice Owners ask recipients to delete data by a deadline; a revocation under a policy with
/// deleteOnRevoke raises a request for everything the consent covered. The periods are the
/// consent's terms (RecipientTerms.termsOf): every deadline, automatic or manual, is at least the
/// deletion period, itself never below the registry's minimum. Owners raise at most
/// maxDeletionRequests requests per consent, and only until the consent's expiry + claim window, so
/// every deadline falls inside the recipient's bond lock. The recipient acknowledges while
/// now <= deadline; afterwards anyone may enforce the penalty, once: the accepted penalty, or nothing
/// at all when the recipient never accepted the consent's terms (the request is still recorded and
/// closed). Acknowledgement and penalty are exclusive: both close the request.
/// @dev A slasher of RecipientBonds; the ConsentRegistry's revocation hook. An automatic request
/// stores no device list (empty = all the consent's devices), so the hook's gas does not grow with
/// the consent.
contract DeletionRequests is IDeletionRequests {
    /// @notice Most devices one request names.
    uint256 public constant MAX_DEVICES = 64;
    /// @notice Latest deadline an owner may set, from now.
    uint64 public constant MAX_DEADLINE = 365 days;
    /// @notice RecipientBonds' reason for a missed deletion.
    bytes32 public constant DELETION_REASON = "deletion-missed";

    IConsentRegistry public immutable consents;
    IPolicyRegistry public immutable policies;
    IRecipientTerms public immutable terms;
    IRecipientBonds public immutable bonds;

    mapping(uint256 requestId => Request) private _requests;
    mapping(uint256 consentId => uint256[]) private _requestsOf;
    mapping(uint256 consentId => uint256 requestId) private _automaticRequest;
    mapping(uint256 consentId => uint256) private _ownerRequests;
    uint256 private _requestCount;

    constructor(IConsentRegistry consents_, IPolicyRegistry policies_, IRecipientTerms terms_, IRecipientBonds bonds_) {
        if (
            address(consents_) == address(0) ||
            address(policies_) == address(0) ||
            address(terms_) == address(0) ||
            address(bonds_) == address(0)
        ) revert InvalidDependency();
        consents = consents_;
        policies = policies_;
        terms = terms_;
        bonds = bonds_;
    }

    // ------------------------------------------------------------------ owners

    /// @inheritdoc IDeletionRequests
    /// @dev Allowed whatever the consent's state (live, expired, revoked) until its expiry + claim
    /// window: deletion matters most after the consent ends. Refusals: the registry's UnknownConsent,
    /// NotConsentOwner, TooManyRequests, RequestWindowClosed, TooManyDevices, DeviceNotInConsent,
    /// DuplicateDevice, StreamsNotInConsent, InvalidTimeRange, DeadlineTooSoon, DeadlineTooFar.
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
        IRecipientTerms.Terms memory t = terms.termsOf(consentId);
        if (_ownerRequests[consentId] >= t.maxDeletionRequests) revert TooManyRequests(consentId, t.maxDeletionRequests);
        uint256 until = uint256(c.expiry) + t.claimWindow;
        if (block.timestamp > until) revert RequestWindowClosed(consentId, _cap(until));
        if (devices.length > MAX_DEVICES) revert TooManyDevices(devices.length, MAX_DEVICES);
        if (devices.length != 0) _checkDevices(consentId, devices);
        if (streams == 0) streams = c.streams;
        else if (streams & ~c.streams != 0) revert StreamsNotInConsent(consentId, streams & ~c.streams);
        if (fromTime > toTime) revert InvalidTimeRange(fromTime, toTime);
        uint256 earliest = block.timestamp + t.deletionPeriod;
        uint256 latest = block.timestamp + MAX_DEADLINE;
        if (until + t.deletionPeriod < latest) latest = until + t.deletionPeriod;
        if (deadline < earliest) revert DeadlineTooSoon(deadline, _cap(earliest));
        if (deadline > latest) revert DeadlineTooFar(deadline, _cap(latest));
        ++_ownerRequests[consentId];
        requestId = _open(consentId, c, devices, streams, fromTime, toTime, deadline, false);
    }

    /// @inheritdoc IConsentRevocationHook
    /// @dev Only the ConsentRegistry (NotConsentRegistry). Does nothing unless the consent is revoked
    /// and its policy says deleteOnRevoke; raises one automatic request per consent at most. The
    /// request covers all of the consent's devices and streams from its start to its revocation,
    /// deadline = now + the consent's deletion period (never below the registry's minimum).
    function onConsentRevoked(uint256 consentId) external {
        if (msg.sender != address(consents)) revert NotConsentRegistry(msg.sender);
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (c.revokedAt == 0 || c.policyId == bytes32(0)) return;
        if (!policies.policyTerms(c.policyId).deleteOnRevoke) return;
        if (_automaticRequest[consentId] != 0) return;
        uint64 deadline = _cap(block.timestamp + terms.termsOf(consentId).deletionPeriod);
        uint64 fromTime = c.start != 0 ? c.start : c.grantedAt;
        _automaticRequest[consentId] = _open(consentId, c, new address[](0), c.streams, fromTime, c.revokedAt, deadline, true);
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
        uint256 penalty = terms.liability(r.consentId).penaltyWei;
        if (penalty != 0) paid = bonds.payPenalty(r.consentId, penalty, DELETION_REASON);
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
    function ownerRequestCount(uint256 consentId) external view returns (uint256) {
        return _ownerRequests[consentId];
    }

    /// @inheritdoc IDeletionRequests
    function penaltyFor(uint256 consentId) external view returns (uint256) {
        return terms.liability(consentId).penaltyWei;
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
        if (devices.length != 0) r.devices = devices;
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

    /// @dev Each device covered by the consent, none twice.
    function _checkDevices(uint256 consentId, address[] calldata devices) private view {
        (address[] memory covered, ) = consents.consentDevices(consentId);
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
    }

    function _require(uint256 requestId) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status == Status.None) revert UnknownRequest(requestId);
    }

    /// @dev A time in uint64, saturating (a consent may expire at any uint64 time).
    function _cap(uint256 time) private pure returns (uint64) {
        return time > type(uint64).max ? type(uint64).max : uint64(time);
    }
}
