// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "./interfaces/IPolicyRegistry.sol";
import {IRecipientTerms} from "./interfaces/IRecipientTerms.sol";

/// @title Recipient terms (issue #12): the recipient's side of a consent.
/// @notice Nobody loses a bond without having agreed on chain to the terms that take it: the
/// penalty contracts (CanaryRegistry, DeletionRequests) and RecipientBonds read `liability` and
/// charge nothing under a consent whose recipient did not accept its terms here. The terms are a
/// pure function of the consent (its policy version) and of this contract's immutable parameters,
/// bounded on both sides:
/// - penalty: the policy's penaltyWei, or defaultPenaltyWei for a consent without a policy;
/// - deletion period: the policy's deletionPeriodSeconds, at least minimumDeletionPeriod and at most
///   MAX_DELETION_PERIOD (a policy saying 1 s gives the recipient minimumDeletionPeriod);
/// - claim window, dispute window: this contract's parameters;
/// - deletion requests per consent: MAX_DELETION_REQUESTS.
/// Accepting extends the recipient's bond lock to the end of the consent's last possible obligation.
/// @dev No roles. The FeedMarket is named once by the deployer (setFeedMarket) and then only
/// records acceptances of consents it granted to the buyer that paid in the same transaction.
contract RecipientTerms is EIP712, IRecipientTerms {
    /// @notice keccak256 of the EIP-712 type a recipient signs.
    bytes32 public constant ACCEPTANCE_TYPEHASH =
        keccak256(
            "TermsAcceptance(uint256 consentId,bytes32 consentTermsHash,bytes32 policyId,uint128 penaltyWei,uint64 deletionPeriod,uint64 claimWindow,uint64 disputeWindow,uint16 maxDeletionRequests,uint64 deadline)"
        );
    /// @notice Longest deletion period a recipient is given, whatever its policy says.
    uint64 public constant MAX_DELETION_PERIOD = 365 days;
    /// @notice Deletion requests an owner may raise per consent (besides the automatic one).
    uint16 public constant MAX_DELETION_REQUESTS = 4;
    /// @notice Time left to enforce a missed deletion after its deadline before the bond unlocks.
    uint64 public constant ENFORCEMENT_WINDOW = 30 days;
    /// @notice Bounds of the constructor's windows.
    uint64 public constant MAX_CLAIM_WINDOW = 365 days;
    uint64 public constant MAX_DISPUTE_WINDOW = 90 days;

    IConsentRegistry public immutable consents;
    IPolicyRegistry public immutable policies;
    /// @notice Shortest time a recipient is given for any deletion request.
    uint64 public immutable minimumDeletionPeriod;
    /// @notice Seconds after a consent's expiry during which leaks can be claimed and deletion requested.
    uint64 public immutable claimWindow;
    /// @notice Seconds a recipient has to dispute a leak claim.
    uint64 public immutable disputeWindow;
    /// @notice Penalty per violation under a consent without a policy.
    uint128 public immutable defaultPenaltyWei;
    address private immutable _deployer;

    /// @inheritdoc IRecipientTerms
    address public feedMarket;
    mapping(uint256 consentId => uint64) private _acceptedAt;
    mapping(address recipient => uint64) private _lockedUntil;

    /// @param minimumDeletionPeriod_ 1 s .. MAX_DELETION_PERIOD.
    /// @param claimWindow_ 1 s .. MAX_CLAIM_WINDOW.
    /// @param disputeWindow_ 1 s .. MAX_DISPUTE_WINDOW.
    constructor(
        IConsentRegistry consents_,
        IPolicyRegistry policies_,
        uint64 minimumDeletionPeriod_,
        uint64 claimWindow_,
        uint64 disputeWindow_,
        uint128 defaultPenaltyWei_
    ) EIP712("Pythia Terms", "1") {
        if (address(consents_) == address(0) || address(policies_) == address(0)) revert InvalidDependency();
        if (minimumDeletionPeriod_ == 0 || minimumDeletionPeriod_ > MAX_DELETION_PERIOD) {
            revert InvalidParameter("minimumDeletionPeriod");
        }
        if (claimWindow_ == 0 || claimWindow_ > MAX_CLAIM_WINDOW) revert InvalidParameter("claimWindow");
        if (disputeWindow_ == 0 || disputeWindow_ > MAX_DISPUTE_WINDOW) revert InvalidParameter("disputeWindow");
        consents = consents_;
        policies = policies_;
        minimumDeletionPeriod = minimumDeletionPeriod_;
        claimWindow = claimWindow_;
        disputeWindow = disputeWindow_;
        defaultPenaltyWei = defaultPenaltyWei_;
        _deployer = msg.sender;
    }

    // ------------------------------------------------------------------ acceptance

    /// @inheritdoc IRecipientTerms
    function acceptTerms(Terms calldata terms) external {
        _accept(msg.sender, terms);
    }

    /// @inheritdoc IRecipientTerms
    /// @dev The signer must be the consent's recipient (an EOA signature, low s, or ERC-1271). An
    /// acceptance happens once per consent, so a signature cannot be replayed.
    function acceptTermsWithSignature(Terms calldata terms, uint64 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        address recipient = consents.consent(terms.consentId).recipient;
        if (!_isValidSignature(recipient, _acceptanceDigest(terms, deadline), signature)) revert InvalidSignature();
        _accept(recipient, terms);
    }

    /// @inheritdoc IRecipientTerms
    function acceptTermsForBuyer(address buyer, uint256 consentId) external {
        address market = feedMarket;
        if (msg.sender != market || market == address(0)) revert NotFeedMarket(msg.sender);
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (c.grantedBy != market) revert NotAFeedPurchase(consentId);
        _record(buyer, consentId, c, _termsOf(consentId, c));
    }

    /// @inheritdoc IRecipientTerms
    function setFeedMarket(address market) external {
        if (msg.sender != _deployer) revert NotDeployer(msg.sender);
        if (feedMarket != address(0)) revert FeedMarketAlreadySet(feedMarket);
        if (market == address(0)) revert InvalidDependency();
        feedMarket = market;
        emit FeedMarketSet(market);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRecipientTerms
    function termsOf(uint256 consentId) external view returns (Terms memory) {
        return _termsOf(consentId, consents.consent(consentId));
    }

    /// @inheritdoc IRecipientTerms
    function termsForPolicy(bytes32 policyId) public view returns (Terms memory t) {
        t.policyId = policyId;
        t.claimWindow = claimWindow;
        t.disputeWindow = disputeWindow;
        t.maxDeletionRequests = MAX_DELETION_REQUESTS;
        if (policyId == bytes32(0)) {
            t.penaltyWei = defaultPenaltyWei;
            t.deletionPeriod = minimumDeletionPeriod;
        } else {
            IPolicyRegistry.PolicyTerms memory p = policies.policyTerms(policyId);
            t.penaltyWei = p.penaltyWei;
            uint64 period = p.deletionPeriodSeconds;
            if (period < minimumDeletionPeriod) period = minimumDeletionPeriod;
            if (period > MAX_DELETION_PERIOD) period = MAX_DELETION_PERIOD;
            t.deletionPeriod = period;
        }
    }

    /// @inheritdoc IRecipientTerms
    function acceptedAt(uint256 consentId) external view returns (uint64) {
        return _acceptedAt[consentId];
    }

    /// @inheritdoc IRecipientTerms
    function liability(uint256 consentId) external view returns (Liability memory l) {
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        l.recipient = c.recipient;
        l.owner = c.owner;
        l.claimsUntil = _add(c.expiry, claimWindow);
        l.disputeWindow = disputeWindow;
        if (_acceptedAt[consentId] != 0) {
            l.accepted = true;
            l.penaltyWei = termsForPolicy(c.policyId).penaltyWei;
        }
    }

    /// @inheritdoc IRecipientTerms
    function lockedUntil(address recipient) external view returns (uint64) {
        return _lockedUntil[recipient];
    }

    /// @inheritdoc IRecipientTerms
    function acceptanceDigest(Terms calldata terms, uint64 deadline) external view returns (bytes32) {
        return _acceptanceDigest(terms, deadline);
    }

    /// @notice The EIP-712 domain separator ("Pythia Terms", "1", chain id, this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ internal

    function _accept(address recipient, Terms calldata terms) private {
        uint256 consentId = terms.consentId;
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (recipient != c.recipient) revert NotConsentRecipient(consentId, recipient);
        Terms memory expected = _termsOf(consentId, c);
        bytes32 expectedHash = keccak256(abi.encode(expected));
        bytes32 givenHash = keccak256(abi.encode(terms));
        if (givenHash != expectedHash) revert TermsMismatch(consentId, expectedHash, givenHash);
        _record(recipient, consentId, c, expected);
    }

    function _record(address recipient, uint256 consentId, IConsentRegistry.Consent memory c, Terms memory t) private {
        if (recipient != c.recipient) revert NotConsentRecipient(consentId, recipient);
        if (c.revokedAt != 0) revert ConsentRevoked(consentId);
        if (block.timestamp >= c.expiry) revert ConsentExpired(consentId);
        if (_acceptedAt[consentId] != 0) revert AlreadyAccepted(consentId);
        _acceptedAt[consentId] = uint64(block.timestamp);
        uint64 until = _add(c.expiry, uint256(t.claimWindow) + t.deletionPeriod + ENFORCEMENT_WINDOW);
        uint64 locked = _lockedUntil[recipient];
        if (until > locked) {
            _lockedUntil[recipient] = until;
            locked = until;
        }
        emit TermsAccepted(consentId, recipient, msg.sender, t, locked);
    }

    function _termsOf(uint256 consentId, IConsentRegistry.Consent memory c) private view returns (Terms memory t) {
        t = termsForPolicy(c.policyId);
        t.consentId = consentId;
        t.consentTermsHash = c.termsHash;
    }

    /// @dev OpenZeppelin SignatureChecker.isValidSignatureNow, written out because its 5.4 source
    /// imports Bytes, whose assembly uses MCOPY (not on the Paris target): an EOA's signature through
    /// ECDSA.tryRecover (65 bytes, low s), a contract's through ERC-1271.
    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        if (signer.code.length == 0) {
            (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature);
            return err == ECDSA.RecoverError.NoError && recovered == signer;
        }
        (bool ok, bytes memory result) = signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        return ok && result.length >= 32 && abi.decode(result, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }

    /// @dev a + b, saturating at 2^64 - 1 (a consent may expire at any uint64 time).
    function _add(uint64 a, uint256 b) private pure returns (uint64) {
        uint256 sum = uint256(a) + b;
        return sum > type(uint64).max ? type(uint64).max : uint64(sum);
    }

    function _acceptanceDigest(Terms calldata t, uint64 deadline) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        ACCEPTANCE_TYPEHASH,
                        t.consentId,
                        t.consentTermsHash,
                        t.policyId,
                        t.penaltyWei,
                        t.deletionPeriod,
                        t.claimWindow,
                        t.disputeWindow,
                        t.maxDeletionRequests,
                        deadline
                    )
                )
            );
    }
}
