// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IAccessLog} from "./interfaces/IAccessLog.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {ISharingLog} from "./interfaces/ISharingLog.sol";
import {IRecipientBonds} from "./interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "./interfaces/IRecipientTerms.sol";
import {IRelayerTrust} from "./interfaces/IRelayerTrust.sol";
import {ICanaryRegistry} from "./interfaces/ICanaryRegistry.sol";

/// @title Trap streets (issues #5, #12): canary commitments and contestable leak claims.
/// @notice COMMITTER_ROLE (a trusted Pythia's relayer) commits to the canary values it gave each
/// recipient, each naming the delivery that carried it with a Merkle proof against a batch root the
/// AccessLog stored (IAccessLog.deliveryLoggedAt); only deliveries the AccessLog recorded (under a
/// consent live at that block, not refused) are accepted, so a committer cannot invent one it never
/// logged. The consent's owner reveals a canary when the value turns up at a party; the claim:
/// - needs terms the recipient accepted (RecipientTerms), within the consent's claim window
///   (expiry + claimWindow), the canary's device, stream and recipient in the named delivery;
/// - is refused if the recipient logged a share to that party before the delivery was logged
///   (SharingLog.sharedSince < delivery time): a share logged afterwards cannot excuse it;
/// - costs at most one accepted penalty per (consent, party) and per leaked reading;
/// - holds the penalty (RecipientBonds.holdPenalty) instead of paying it. The recipient may dispute
///   within the accepted dispute window. Undisputed, anyone settles it for the owner afterwards.
///   Disputed, the ARBITER_ROLE (the council's multisig or timelock) upholds or rejects it; with no
///   ruling within ARBITRATION_PERIOD anyone settles it for the recipient (an unproven claim fails).
/// @dev A slasher of RecipientBonds. Roles: DEFAULT_ADMIN_ROLE (the council's timelock, two-step
/// handover) grants COMMITTER_ROLE and ARBITER_ROLE.
contract CanaryRegistry is AccessControlDefaultAdminRules, ICanaryRegistry {
    /// @notice Role of the Pythia gateways' relayers that give recipients canary values.
    bytes32 public constant COMMITTER_ROLE = keccak256("COMMITTER_ROLE");
    /// @notice Rules on disputed leak claims.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice Most commitments in one commitCanaries call.
    uint256 public constant MAX_BATCH = 256;
    /// @notice How long the arbiter has to rule on a disputed claim before it fails.
    uint64 public constant ARBITRATION_PERIOD = 90 days;
    /// @notice RecipientBonds' reason for a canary leak penalty.
    bytes32 public constant LEAK_REASON = "canary-leak";

    uint8 internal constant REFUSED_ZERO = 1;
    uint8 internal constant REFUSED_DUPLICATE = 2;
    uint8 internal constant REFUSED_NOT_LOGGED = 3;

    IConsentRegistry public immutable consents;
    IAccessLog public immutable accessLog;
    ISharingLog public immutable sharingLog;
    IRecipientTerms public immutable terms;
    IRecipientBonds public immutable bonds;
    /// @notice The PythiaRegistry (IRelayerTrust), or zero for no such check.
    IRelayerTrust public immutable relayerTrust;

    /// @dev Dependencies in one struct (the constructor would otherwise take nine arguments).
    struct Dependencies {
        IConsentRegistry consents;
        IAccessLog accessLog;
        ISharingLog sharingLog;
        IRecipientTerms terms;
        IRecipientBonds bonds;
        IRelayerTrust relayerTrust;
    }

    /// @dev A commitment as stored, in two slots (consent ids are counters, far below 2^64).
    struct StoredCanary {
        uint64 consentId;
        uint64 committedAt;
        uint64 claimedAt;
        uint64 deliveredAt;
        bytes32 deliveryKey;
    }

    mapping(bytes32 commitment => StoredCanary) private _canaries;
    /// @dev A claim as stored: 4 slots written by claimLeak, the answer's on dispute (penalties are
    /// uint128 in the terms; consent and hold ids are counters).
    struct StoredClaim {
        address leakedTo;
        ClaimStatus status;
        uint64 disputeDeadline;
        uint128 consentId;
        uint128 penalty;
        uint64 holdId;
        uint64 disputedAt;
        bytes32 evidenceHash;
        bytes32 answerHash;
    }

    mapping(bytes32 commitment => StoredClaim) private _claims;
    mapping(bytes32 readingKey => bool) private _attributedReadings;
    mapping(uint256 consentId => mapping(address party => bool)) private _claimedParties;

    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants COMMITTER_ROLE and ARBITER_ROLE): the council's timelock.
    /// @param adminDelay Seconds a handover of DEFAULT_ADMIN_ROLE waits (AccessControlDefaultAdminRules).
    /// @param deps The consent registry, access log, sharing log, recipient terms, bonds and relayer trust
    /// (relayerTrust may be zero: no check).
    constructor(address admin, uint48 adminDelay, Dependencies memory deps) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (
            address(deps.consents) == address(0) ||
            address(deps.accessLog) == address(0) ||
            address(deps.sharingLog) == address(0) ||
            address(deps.terms) == address(0) ||
            address(deps.bonds) == address(0)
        ) revert InvalidDependency();
        consents = deps.consents;
        accessLog = deps.accessLog;
        sharingLog = deps.sharingLog;
        terms = deps.terms;
        bonds = deps.bonds;
        relayerTrust = deps.relayerTrust;
    }

    // ------------------------------------------------------------------ commitments

    /// @inheritdoc ICanaryRegistry
    function commitCanaries(
        bytes32[] calldata commitments,
        IAccessLog.DeliveryProof[] calldata deliveries
    ) external onlyRole(COMMITTER_ROLE) returns (uint256 committed) {
        IRelayerTrust trust = relayerTrust;
        if (address(trust) != address(0) && !trust.isTrustedRelayer(msg.sender)) {
            revert IRelayerTrust.UntrustedRelayer(msg.sender);
        }
        uint256 n = commitments.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (deliveries.length != n) revert LengthMismatch(n, deliveries.length);
        uint64 now_ = uint64(block.timestamp);
        for (uint256 i; i < n; ++i) {
            bytes32 commitment = commitments[i];
            IAccessLog.DeliveryProof calldata delivery = deliveries[i];
            StoredCanary storage c = _canaries[commitment];
            uint8 refused;
            uint64 deliveredAt;
            if (commitment == bytes32(0)) refused = REFUSED_ZERO;
            else if (c.committedAt != 0) refused = REFUSED_DUPLICATE;
            else {
                // The AccessLog logs only deliveries under an existing consent, whose id is a counter.
                deliveredAt = delivery.consentId >> 64 == 0 ? accessLog.deliveryLoggedAt(delivery) : 0;
                if (deliveredAt == 0) refused = REFUSED_NOT_LOGGED;
            }
            if (refused != 0) {
                emit CanaryRefused(commitment, delivery.deliveryKey, refused);
                continue;
            }
            c.consentId = uint64(delivery.consentId);
            c.committedAt = now_;
            c.deliveredAt = deliveredAt;
            c.deliveryKey = delivery.deliveryKey;
            emit CanaryCommitted(commitment, delivery.consentId, msg.sender);
            ++committed;
        }
    }

    // ------------------------------------------------------------------ claims

    /// @inheritdoc ICanaryRegistry
    function claimLeak(
        CanaryReveal calldata reveal,
        IAccessLog.Delivery calldata delivery,
        address leakedTo,
        bytes32 evidenceHash
    ) external returns (uint256 held) {
        bytes32 commitment = _commitmentOf(reveal);
        StoredCanary storage record = _canaries[commitment];
        uint64 deliveredAt = _checkCanary(commitment, record, reveal, delivery);

        uint256 consentId = reveal.consentId;
        IRecipientTerms.Liability memory l = terms.liability(consentId);
        if (msg.sender != l.owner) revert NotConsentOwner(consentId, msg.sender);
        if (reveal.recipient != l.recipient) revert WrongRecipient(consentId, reveal.recipient);
        if (!l.accepted) revert TermsNotAccepted(consentId);
        if (block.timestamp > l.claimsUntil) revert ClaimWindowClosed(consentId, l.claimsUntil);
        if (leakedTo == address(0) || leakedTo == l.recipient || leakedTo == l.owner) revert InvalidLeakedTo(leakedTo);
        uint64 sharedSince = sharingLog.sharedSince(consentId, leakedTo);
        if (sharedSince != 0 && sharedSince < deliveredAt) revert LeakWasLogged(consentId, leakedTo);
        if (evidenceHash == bytes32(0)) revert MissingEvidence();
        bytes32 readingKey = keccak256(abi.encode(reveal.device, reveal.stream, reveal.sequence, reveal.value));
        if (_attributedReadings[readingKey]) revert ReadingAlreadyAttributed(readingKey);
        if (_claimedParties[consentId][leakedTo]) revert PartyAlreadyClaimed(consentId, leakedTo);

        record.claimedAt = uint64(block.timestamp);
        _attributedReadings[readingKey] = true;
        _claimedParties[consentId][leakedTo] = true;
        uint256 holdId;
        if (l.penaltyWei != 0) (holdId, held) = bonds.holdPenalty(consentId, l.penaltyWei);
        uint64 deadline = uint64(block.timestamp) + l.disputeWindow;
        _claims[commitment] = StoredClaim({
            leakedTo: leakedTo,
            status: ClaimStatus.Open,
            disputeDeadline: deadline,
            consentId: uint128(consentId),
            penalty: l.penaltyWei,
            holdId: uint64(holdId),
            disputedAt: 0,
            evidenceHash: evidenceHash,
            answerHash: bytes32(0)
        });
        emit LeakClaimed(commitment, consentId, l.recipient, l.owner, leakedTo, evidenceHash, l.penaltyWei, held, deadline);
    }

    /// @inheritdoc ICanaryRegistry
    function disputeLeak(bytes32 commitment, bytes32 answerHash) external {
        StoredClaim storage k = _requireClaim(commitment, ClaimStatus.Open);
        address recipient = consents.consent(k.consentId).recipient;
        if (msg.sender != recipient) revert NotConsentRecipient(k.consentId, msg.sender);
        if (block.timestamp > k.disputeDeadline) revert DisputeWindowClosed(commitment, k.disputeDeadline);
        if (answerHash == bytes32(0)) revert MissingEvidence();
        k.status = ClaimStatus.Disputed;
        k.disputedAt = uint64(block.timestamp);
        k.answerHash = answerHash;
        emit LeakDisputed(commitment, msg.sender, answerHash);
    }

    /// @inheritdoc ICanaryRegistry
    function resolveLeak(bytes32 commitment, bool upheld) external onlyRole(ARBITER_ROLE) {
        StoredClaim storage k = _requireClaim(commitment, ClaimStatus.Disputed);
        if (upheld) _uphold(commitment, k);
        else _reject(commitment, k, false);
    }

    /// @inheritdoc ICanaryRegistry
    function settleLeak(bytes32 commitment) external {
        StoredClaim storage k = _claims[commitment];
        if (k.status == ClaimStatus.Open) {
            if (block.timestamp <= k.disputeDeadline) revert NotSettleable(commitment, k.disputeDeadline + 1);
            _uphold(commitment, k);
        } else if (k.status == ClaimStatus.Disputed) {
            uint64 at = k.disputedAt + ARBITRATION_PERIOD;
            if (block.timestamp <= at) revert NotSettleable(commitment, at + 1);
            _reject(commitment, k, true);
        } else if (k.status == ClaimStatus.None) {
            revert UnknownClaim(commitment);
        } else {
            revert WrongClaimStatus(commitment, k.status);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICanaryRegistry
    function canary(bytes32 commitment) external view returns (Canary memory) {
        StoredCanary storage c = _canaries[commitment];
        return
            Canary({
                consentId: c.consentId,
                committedAt: c.committedAt,
                claimedAt: c.claimedAt,
                deliveryKey: c.deliveryKey,
                deliveredAt: c.deliveredAt
            });
    }

    /// @inheritdoc ICanaryRegistry
    function claim(bytes32 commitment) external view returns (Claim memory) {
        StoredClaim storage k = _claims[commitment];
        return
            Claim({
                status: k.status,
                disputeDeadline: k.disputeDeadline,
                disputedAt: k.disputedAt,
                leakedTo: k.leakedTo,
                consentId: k.consentId,
                holdId: k.holdId,
                penalty: k.penalty,
                evidenceHash: k.evidenceHash,
                answerHash: k.answerHash
            });
    }

    /// @inheritdoc ICanaryRegistry
    function canaryCommitment(CanaryReveal calldata r) external pure returns (bytes32) {
        return _commitmentOf(r);
    }

    /// @inheritdoc ICanaryRegistry
    function readingAttributed(bytes32 readingKey) external view returns (bool) {
        return _attributedReadings[readingKey];
    }

    /// @inheritdoc ICanaryRegistry
    function penaltyFor(uint256 consentId) external view returns (uint256) {
        return terms.liability(consentId).penaltyWei;
    }

    // ------------------------------------------------------------------ internals

    function _commitmentOf(CanaryReveal calldata r) private pure returns (bytes32) {
        return keccak256(abi.encode(r.recipient, r.consentId, r.device, r.stream, r.value, r.sequence, r.salt));
    }

    /// @dev The commitment exists and is unclaimed, the revealed fields are the committed ones, and the
    /// named delivery carried this canary. Returns the delivery's logging time (proven at commitment).
    function _checkCanary(
        bytes32 commitment,
        StoredCanary storage record,
        CanaryReveal calldata reveal,
        IAccessLog.Delivery calldata delivery
    ) private view returns (uint64 deliveredAt) {
        StoredCanary memory k = record;
        if (k.committedAt == 0) revert UnknownCommitment(commitment);
        if (k.claimedAt != 0) revert AlreadyClaimed(commitment, k.claimedAt);
        if (k.consentId != reveal.consentId) revert ConsentMismatch(commitment, k.consentId, reveal.consentId);
        bytes32 deliveryKey = keccak256(abi.encode(delivery));
        if (deliveryKey != k.deliveryKey) revert DeliveryMismatch(commitment, deliveryKey);
        if (
            delivery.consentId != reveal.consentId ||
            delivery.recipient != reveal.recipient ||
            delivery.device != reveal.device ||
            reveal.stream >= 32 ||
            (delivery.streams >> reveal.stream) & 1 == 0
        ) revert CanaryNotInDelivery(commitment);
        return k.deliveredAt;
    }

    function _requireClaim(bytes32 commitment, ClaimStatus status) private view returns (StoredClaim storage k) {
        k = _claims[commitment];
        if (k.status == ClaimStatus.None) revert UnknownClaim(commitment);
        if (k.status != status) revert WrongClaimStatus(commitment, k.status);
    }

    function _uphold(bytes32 commitment, StoredClaim storage k) private {
        k.status = ClaimStatus.Upheld;
        uint256 paid;
        if (k.holdId != 0) paid = bonds.payHold(k.holdId, LEAK_REASON);
        IConsentRegistry.Consent memory c = consents.consent(k.consentId);
        emit LeakAttributed(commitment, k.consentId, c.recipient, c.owner, k.leakedTo, k.evidenceHash, k.penalty, paid);
    }

    /// @dev A failed claim returns the hold and frees its party for a better-founded claim (the
    /// commitment and the reading stay used: a canary is revealed once).
    function _reject(bytes32 commitment, StoredClaim storage k, bool timedOut) private {
        k.status = ClaimStatus.Rejected;
        _claimedParties[k.consentId][k.leakedTo] = false;
        if (k.holdId != 0) bonds.releaseHold(k.holdId);
        emit LeakClaimRejected(commitment, k.consentId, msg.sender, timedOut);
    }
}
