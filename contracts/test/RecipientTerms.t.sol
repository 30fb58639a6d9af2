// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {RecipientTerms} from "../src/RecipientTerms.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";

/// @notice An ERC-1271 wallet that approves exactly one digest.
contract OneDigestWallet {
    bytes32 public approved;

    function approve(bytes32 digest) external {
        approved = digest;
    }

    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return digest == approved ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

/// @notice The recipient's side of a consent (issue #12) on the real registries: what the terms are,
/// who may accept them and how, and the bond lock that acceptance sets.
contract RecipientTermsTest is ConsentWorld {
    bytes32 internal constant ACCEPTANCE_TYPEHASH =
        keccak256(
            "TermsAcceptance(uint256 consentId,bytes32 consentTermsHash,bytes32 policyId,uint128 penaltyWei,uint64 deletionPeriod,uint64 claimWindow,uint64 disputeWindow,uint16 maxDeletionRequests,uint64 deadline)"
        );
    uint256 internal constant BOB_KEY = 0xB0B5EC;

    bytes32 internal policy;

    function setUp() public override {
        super.setUp();
        policy = publish(alice, "deletion", deletionTerms());
    }

    /// @dev An independent EIP-712 encoding of TermsAcceptance.
    function digestOf(IRecipientTerms.Terms memory t, uint64 deadline) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Pythia Terms"), keccak256("1"), block.chainid, address(recipientTerms))
        );
        bytes32 structHash = keccak256(
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
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    // ------------------------------------------------------------------ what the terms are

    function test_termsOf_followThePolicyAndTheRegistry() public {
        uint256 id = grant(alice, bob, one(devices[0]), policy);
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(id);
        assertEq(t.consentId, id, "consent");
        assertEq(t.consentTermsHash, consents.consentTermsHash(id), "names the consent's terms hash");
        assertEq(t.policyId, policy, "policy version");
        assertEq(uint256(t.penaltyWei), PENALTY, "the policy's penalty");
        assertEq(uint256(t.deletionPeriod), DELETION_PERIOD, "the policy's period");
        assertEq(uint256(t.claimWindow), CLAIM_WINDOW, "claim window");
        assertEq(uint256(t.disputeWindow), DISPUTE_WINDOW, "dispute window");
        assertEq(uint256(t.maxDeletionRequests), 4, "requests per consent");
        assertEq(recipientTerms.acceptanceDigest(t, 123), digestOf(t, 123), "digest equals an independent encoding");
    }

    /// @dev A policy's deletion period is bounded on both sides: 1 s gives the registry's minimum
    /// (issue #12, attack 1), 400 days gives 365 days; no policy: the default penalty and the minimum.
    function test_termsOf_periodsAreBounded() public {
        IPolicyRegistry.PolicyTerms memory oneSecond = deletionTerms();
        oneSecond.deletionPeriodSeconds = 1;
        oneSecond.penaltyWei = type(uint128).max;
        IRecipientTerms.Terms memory t = recipientTerms.termsForPolicy(publish(alice, "one second", oneSecond));
        assertEq(uint256(t.deletionPeriod), MIN_DELETION_PERIOD, "never below the minimum");
        assertEq(uint256(t.penaltyWei), type(uint128).max, "the penalty is the policy's (the recipient sees it)");
        IPolicyRegistry.PolicyTerms memory long = deletionTerms();
        long.deletionPeriodSeconds = 400 days;
        assertEq(uint256(recipientTerms.termsForPolicy(publish(alice, "long", long)).deletionPeriod), 365 days, "capped");
        t = recipientTerms.termsForPolicy(bytes32(0));
        assertEq(uint256(t.penaltyWei), DEFAULT_PENALTY, "default penalty");
        assertEq(uint256(t.deletionPeriod), MIN_DELETION_PERIOD, "minimum period");
    }

    // ------------------------------------------------------------------ acceptance

    function test_accept_byTheRecipient_locksTheBond() public {
        uint256 id = grant(alice, bob, one(devices[0]), policy);
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(id);
        IRecipientTerms.Liability memory before = recipientTerms.liability(id);
        assertFalse(before.accepted, "not accepted yet");
        assertEq(uint256(before.penaltyWei), 0, "no penalty before acceptance");
        uint64 expectedLock = consents.consent(id).expiry + CLAIM_WINDOW + DELETION_PERIOD + ENFORCEMENT_WINDOW;
        vm.expectEmit(address(recipientTerms));
        emit IRecipientTerms.TermsAccepted(id, bob, bob, t, expectedLock);
        vm.prank(bob);
        recipientTerms.acceptTerms(t);
        assertEq(uint256(recipientTerms.acceptedAt(id)), block.timestamp, "accepted now");
        assertEq(uint256(recipientTerms.lockedUntil(bob)), expectedLock, "bond locked to the last obligation");
        IRecipientTerms.Liability memory l = recipientTerms.liability(id);
        assertTrue(l.accepted, "accepted");
        assertEq(uint256(l.penaltyWei), PENALTY, "the accepted penalty");
        assertEq(l.recipient, bob, "recipient");
        assertEq(l.owner, alice, "owner");

        // a shorter consent accepted later does not shorten the lock; a longer one extends it
        uint256 brief = grant(alice, bob, one(devices[1]), policy);
        accept(brief);
        assertEq(uint256(recipientTerms.lockedUntil(bob)), expectedLock, "unchanged");
        IConsentRegistry.ConsentTerms memory longer = terms(bob, one(devices[2]), policy, 300 days);
        vm.prank(alice);
        uint256 longId = consents.grantConsent(longer, PURPOSE);
        accept(longId);
        assertEq(
            uint256(recipientTerms.lockedUntil(bob)),
            uint256(longer.expiry) + CLAIM_WINDOW + DELETION_PERIOD + ENFORCEMENT_WINDOW,
            "extended"
        );
    }

    function test_accept_refusals() public {
        uint256 id = grant(alice, bob, one(devices[0]), policy);
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(id);
        // nobody accepts for the recipient: not the owner, not a stranger
        address[2] memory others = [alice, carol];
        for (uint256 i; i < 2; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.NotConsentRecipient.selector, id, others[i]));
            vm.prank(others[i]);
            recipientTerms.acceptTerms(t);
        }
        // every field must be the consent's own
        for (uint256 field; field < 8; ++field) {
            IRecipientTerms.Terms memory altered = recipientTerms.termsOf(id);
            if (field == 0) altered.consentTermsHash = keccak256("another consent");
            if (field == 1) altered.policyId = bytes32(0);
            if (field == 2) altered.penaltyWei = 1;
            if (field == 3) altered.deletionPeriod = 1;
            if (field == 4) altered.claimWindow = 1;
            if (field == 5) altered.disputeWindow = 1;
            if (field == 6) altered.maxDeletionRequests = 100;
            if (field == 7) altered.penaltyWei = PENALTY + 1;
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRecipientTerms.TermsMismatch.selector,
                    id,
                    keccak256(abi.encode(t)),
                    keccak256(abi.encode(altered))
                )
            );
            vm.prank(bob);
            recipientTerms.acceptTerms(altered);
        }
        IRecipientTerms.Terms memory unknown = recipientTerms.termsOf(id); // a copy, not an alias of t
        unknown.consentId = 99;
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 99));
        vm.prank(bob);
        recipientTerms.acceptTerms(unknown);
        assertEq(uint256(recipientTerms.acceptedAt(id)), 0, "state unchanged");
        assertEq(uint256(recipientTerms.lockedUntil(bob)), 0, "no lock");

        vm.prank(bob);
        recipientTerms.acceptTerms(t);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.AlreadyAccepted.selector, id));
        vm.prank(bob);
        recipientTerms.acceptTerms(t);
    }

    function test_accept_notAfterRevocationOrExpiry() public {
        uint256 revoked = grant(alice, bob, one(devices[0]), policy);
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(revoked);
        revoke(alice, revoked);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.ConsentRevoked.selector, revoked));
        vm.prank(bob);
        recipientTerms.acceptTerms(t);
        uint256 expiring = grant(alice, bob, one(devices[1]), policy);
        IRecipientTerms.Terms memory t2 = recipientTerms.termsOf(expiring);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.ConsentExpired.selector, expiring));
        vm.prank(bob);
        recipientTerms.acceptTerms(t2);
    }

    // ------------------------------------------------------------------ signatures

    function test_acceptWithSignature_anyoneSubmits() public {
        address bobKey = vm.addr(BOB_KEY);
        uint256 id = grant(alice, bobKey, one(devices[0]), policy);
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(id);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        bytes memory signature = sig(BOB_KEY, digestOf(t, deadline));

        vm.expectRevert(IRecipientTerms.InvalidSignature.selector);
        vm.prank(alice);
        recipientTerms.acceptTermsWithSignature(t, deadline + 1, signature); // another deadline
        vm.expectRevert(IRecipientTerms.InvalidSignature.selector);
        vm.prank(alice);
        recipientTerms.acceptTermsWithSignature(t, deadline, sig(0xBAD5, digestOf(t, deadline))); // another signer
        vm.expectRevert(IRecipientTerms.InvalidSignature.selector);
        vm.prank(alice);
        recipientTerms.acceptTermsWithSignature(t, deadline, highS(signature)); // malleable twin

        vm.expectEmit(address(recipientTerms));
        emit IRecipientTerms.TermsAccepted(
            id,
            bobKey,
            alice,
            t,
            consents.consent(id).expiry + CLAIM_WINDOW + DELETION_PERIOD + ENFORCEMENT_WINDOW
        );
        vm.prank(alice); // the owner submits the recipient's signature
        recipientTerms.acceptTermsWithSignature(t, deadline, signature);
        assertEq(uint256(recipientTerms.acceptedAt(id)), block.timestamp, "accepted");
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.AlreadyAccepted.selector, id));
        recipientTerms.acceptTermsWithSignature(t, deadline, signature); // no replay
    }

    function test_acceptWithSignature_expired() public {
        address bobKey = vm.addr(BOB_KEY);
        uint256 id = grant(alice, bobKey, one(devices[0]), policy);
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(id);
        uint64 deadline = uint64(block.timestamp);
        bytes memory signature = sig(BOB_KEY, digestOf(t, deadline));
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.SignatureExpired.selector, deadline));
        recipientTerms.acceptTermsWithSignature(t, deadline, signature);
    }

    function test_acceptWithSignature_contractRecipient() public {
        OneDigestWallet wallet = new OneDigestWallet();
        uint256 id = grant(alice, address(wallet), one(devices[0]), policy);
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(id);
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vm.expectRevert(IRecipientTerms.InvalidSignature.selector);
        recipientTerms.acceptTermsWithSignature(t, deadline, "");
        wallet.approve(digestOf(t, deadline));
        recipientTerms.acceptTermsWithSignature(t, deadline, "");
        assertTrue(recipientTerms.liability(id).accepted, "ERC-1271 acceptance");
    }

    // ------------------------------------------------------------------ feeds

    function test_feedMarket_onlyItsOwnSalesAndOnlyOnce() public {
        uint256 id = grant(alice, bob, one(devices[0]), policy);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.NotFeedMarket.selector, alice));
        vm.prank(alice);
        recipientTerms.acceptTermsForBuyer(bob, id);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.NotAFeedPurchase.selector, id));
        vm.prank(address(market)); // a consent the market did not grant
        recipientTerms.acceptTermsForBuyer(bob, id);
        assertEq(recipientTerms.feedMarket(), address(market), "named at deployment");
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.NotDeployer.selector, alice));
        vm.prank(alice);
        recipientTerms.setFeedMarket(alice);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.FeedMarketAlreadySet.selector, address(market)));
        vm.prank(admin);
        recipientTerms.setFeedMarket(alice);
    }

    function test_constructor_bounds() public {
        IConsentRegistry c = IConsentRegistry(address(consents));
        IPolicyRegistry p = IPolicyRegistry(address(policyRegistry));
        vm.expectRevert(IRecipientTerms.InvalidDependency.selector);
        new RecipientTerms(IConsentRegistry(address(0)), p, 1 days, 90 days, 14 days, 0);
        vm.expectRevert(IRecipientTerms.InvalidDependency.selector);
        new RecipientTerms(c, IPolicyRegistry(address(0)), 1 days, 90 days, 14 days, 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.InvalidParameter.selector, "minimumDeletionPeriod"));
        new RecipientTerms(c, p, 0, 90 days, 14 days, 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.InvalidParameter.selector, "minimumDeletionPeriod"));
        new RecipientTerms(c, p, 366 days, 90 days, 14 days, 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.InvalidParameter.selector, "claimWindow"));
        new RecipientTerms(c, p, 1 days, 0, 14 days, 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.InvalidParameter.selector, "claimWindow"));
        new RecipientTerms(c, p, 1 days, 366 days, 14 days, 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.InvalidParameter.selector, "disputeWindow"));
        new RecipientTerms(c, p, 1 days, 90 days, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientTerms.InvalidParameter.selector, "disputeWindow"));
        new RecipientTerms(c, p, 1 days, 90 days, 91 days, 0);
    }

    /// @dev A consent may expire at any uint64 time: the lock saturates instead of overflowing.
    function test_lock_saturates() public {
        IConsentRegistry.ConsentTerms memory forever = terms(bob, one(devices[0]), policy, 0);
        forever.expiry = type(uint64).max;
        vm.prank(alice);
        uint256 id = consents.grantConsent(forever, PURPOSE);
        accept(id);
        assertEq(uint256(recipientTerms.lockedUntil(bob)), type(uint64).max, "saturated");
        assertEq(uint256(recipientTerms.liability(id).claimsUntil), type(uint64).max, "saturated");
    }
}
