// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Recipient terms (issue #12): what a recipient accepted, per consent, with its bond at stake.
/// @notice A consent is the owner's grant; it gives access and nothing else. A recipient's bond is at
/// stake under a consent only once the recipient has accepted that consent's terms here: by its own
/// transaction (acceptTerms), by an EIP-712 signature anyone may submit (acceptTermsWithSignature),
/// or, for a feed, by paying for it (the FeedMarket calls acceptTermsForBuyer in the purchase).
/// The terms name the consent (its id and terms hash: devices, streams, policy, purpose, window),
/// the policy version, the penalty per violation, and the periods: the time given for every
/// deletion request, the window after the consent's expiry in which leaks may be claimed and
/// deletion requested, the window to dispute a leak claim, and how many deletion requests an owner
/// may raise. They are derived from the policy version (immutable) and this contract's parameters
/// (immutable), so termsOf(consentId) never changes and the recipient accepts exactly what will be
/// enforced: an acceptance whose fields differ is refused (TermsMismatch).
/// Accepting also locks the recipient's bond (RecipientBonds) until every obligation the consent
/// can create has ended: lockedUntil(recipient) = max over accepted consents of
/// expiry + claimWindow + deletionPeriod + ENFORCEMENT_WINDOW.
interface IRecipientTerms {
    /// @notice The terms of one consent. Signed as EIP-712 TermsAcceptance (with a deadline).
    struct Terms {
        uint256 consentId;
        /// IConsentRegistry.consentTermsHash(consentId).
        bytes32 consentTermsHash;
        /// The consent's policy version (0 = none).
        bytes32 policyId;
        /// Paid from the bond per proven violation: a leak to one party, a missed deletion deadline.
        uint128 penaltyWei;
        /// Seconds the recipient has for every deletion request (automatic or by the owner).
        uint64 deletionPeriod;
        /// Seconds after the consent's expiry during which leaks can be claimed and deletion requested.
        uint64 claimWindow;
        /// Seconds the recipient has to dispute a leak claim.
        uint64 disputeWindow;
        /// Most deletion requests the owner may raise under the consent (the automatic one aside).
        uint16 maxDeletionRequests;
    }

    /// @notice What a penalty contract needs to know about a consent.
    struct Liability {
        address recipient;
        address owner;
        /// The accepted penalty per violation; 0 when the terms were not accepted.
        uint128 penaltyWei;
        bool accepted;
        /// The consent's expiry + claimWindow: the last moment a leak can be claimed or deletion requested.
        uint64 claimsUntil;
        /// Seconds the recipient has to dispute a leak claim.
        uint64 disputeWindow;
    }

    /// @notice `recipient` accepted the terms of `consentId` (`by`: itself, the signature's submitter,
    /// or the FeedMarket); its bond is locked until `lockedUntil`.
    event TermsAccepted(
        uint256 indexed consentId,
        address indexed recipient,
        address indexed by,
        Terms terms,
        uint64 lockedUntil
    );
    /// @notice The deployer named the FeedMarket whose purchases are acceptances (once).
    event FeedMarketSet(address indexed market);

    error InvalidDependency();
    error InvalidParameter(string name);
    error NotConsentRecipient(uint256 consentId, address account);
    error ConsentRevoked(uint256 consentId);
    error ConsentExpired(uint256 consentId);
    error AlreadyAccepted(uint256 consentId);
    /// @notice The terms given are not the consent's terms (termsOf); `expected` is their hash.
    error TermsMismatch(uint256 consentId, bytes32 expected, bytes32 given);
    error InvalidSignature();
    error SignatureExpired(uint64 deadline);
    error NotFeedMarket(address caller);
    /// @notice The consent was not granted by the FeedMarket (acceptTermsForBuyer).
    error NotAFeedPurchase(uint256 consentId);
    error NotDeployer(address caller);
    error FeedMarketAlreadySet(address market);

    /// @notice The consent's recipient accepts `terms` (must equal termsOf(terms.consentId)).
    function acceptTerms(Terms calldata terms) external;

    /// @notice Anyone submits the recipient's EIP-712 TermsAcceptance signature (EOA or ERC-1271).
    function acceptTermsWithSignature(Terms calldata terms, uint64 deadline, bytes calldata signature) external;

    /// @notice The FeedMarket records that `buyer` accepted the terms of the consent it just paid for.
    function acceptTermsForBuyer(address buyer, uint256 consentId) external;

    /// @notice The deployer names the FeedMarket, once.
    function setFeedMarket(address market) external;

    /// @notice The terms of a consent (what acceptance must name). Reverts for an unknown consent.
    function termsOf(uint256 consentId) external view returns (Terms memory);

    /// @notice The terms a consent under `policyId` would have (consent fields zero): what a feed
    /// buyer accepts by paying.
    function termsForPolicy(bytes32 policyId) external view returns (Terms memory);

    /// @notice When the recipient accepted the consent's terms (0 = not accepted).
    function acceptedAt(uint256 consentId) external view returns (uint64);

    /// @notice Recipient, owner and accepted penalty of a consent (penalty 0 unless accepted).
    function liability(uint256 consentId) external view returns (Liability memory);

    /// @notice The recipient's bond may not be withdrawn before this time (0 = never locked).
    function lockedUntil(address recipient) external view returns (uint64);

    /// @notice The EIP-712 digest a recipient signs to accept `terms` until `deadline`.
    function acceptanceDigest(Terms calldata terms, uint64 deadline) external view returns (bytes32);

    /// @notice The FeedMarket whose purchases are acceptances (zero until set).
    function feedMarket() external view returns (address);
}
