// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {console} from "./utils/Test.sol";
import {IAccessLog} from "../src/interfaces/IAccessLog.sol";
import {ICanaryRegistry} from "../src/interfaces/ICanaryRegistry.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IDeletionRequests} from "../src/interfaces/IDeletionRequests.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";
import {IRelayerTrust} from "../src/interfaces/IRelayerTrust.sol";
import {IReadingInspection} from "../src/interfaces/IPythiaFleet.sol";
import {IPythiaRegistry} from "../src/interfaces/IPythiaRegistry.sol";

/// @notice Issue #12, "What was seen": each attack, replayed on the real contracts as `pythia up`
/// deploys them (ConsentWorld), and shown to fail. The firmware attacks (5 and the firmware parts of
/// 7) are in FirmwareIntegration.t.sol, the administration ones (7, admin key) in Governance.t.sol.
contract AttacksTest is ConsentWorld {
    address internal mallory = address(0xBAD0); // the attacking device owner / seller

    function setUp() public override {
        super.setUp();
        transfer(devices[3], mallory);
        deposit(bob, 10 ether);
        vm.label(mallory, "mallory");
    }

    /// @dev Mallory's trap: a policy with the largest penalty and a 1-second deletion period.
    function evilPolicy() internal returns (bytes32) {
        IPolicyRegistry.PolicyTerms memory t;
        t.deleteOnRevoke = true;
        t.deletionPeriodSeconds = 1;
        t.penaltyWei = type(uint128).max;
        return publish(mallory, "evil", t);
    }

    function bobsStake() internal view returns (uint256) {
        (uint256 pending, ) = bonds.pendingWithdrawal(bob);
        return bonds.bondOf(bob) + pending + bonds.heldOf(bob);
    }

    // ------------------------------------------------------------------ 1. unsolicited consents

    /// Grant bob an unsolicited consent under the evil policy, revoke it, enforce the automatic
    /// deletion penalty in the next block, also against money bob is unbonding.
    function test_attack1_unsolicitedConsentCannotTakeABond() public {
        vm.prank(bob);
        bonds.requestWithdrawal(4 ether); // money already unbonding
        uint256 id = grant(mallory, bob, one(devices[3]), evilPolicy());
        revoke(mallory, id);
        uint256 requestId = deletions.automaticRequestOf(id);
        assertGt(requestId, 0, "the automatic request is raised");
        uint64 deadline = deletions.request(requestId).deadline;
        assertEq(uint256(deadline), block.timestamp + MIN_DELETION_PERIOD, "1 s became the registry's minimum");
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineNotPassed.selector, requestId, deadline));
        deletions.enforcePenalty(requestId);
        vm.warp(uint256(deadline) + 1);
        assertEq(deletions.enforcePenalty(requestId), 0, "no penalty under terms bob never accepted");
        assertEq(mallory.balance, 0, "mallory gains nothing");
        assertEq(bobsStake(), 10 ether, "bob's bond and unbonding money intact");
    }

    /// The manual variant: an owner-chosen 1-day deadline and any number of requests.
    function test_attack1_manualRequestsOnAnUnsolicitedConsent() public {
        uint256 id = grant(mallory, bob, one(devices[3]), evilPolicy());
        for (uint256 i; i < 4; ++i) {
            vm.prank(mallory);
            deletions.requestDeletion(id, new address[](0), 0, 0, uint64(block.timestamp), uint64(block.timestamp + 1 days));
        }
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.TooManyRequests.selector, id, 4));
        vm.prank(mallory);
        deletions.requestDeletion(id, new address[](0), 0, 0, uint64(block.timestamp), uint64(block.timestamp + 1 days));
        vm.warp(block.timestamp + 1 days + 1);
        for (uint256 r = 1; r <= 4; ++r) assertEq(deletions.enforcePenalty(r), 0, "nothing paid");
        assertEq(bobsStake(), 10 ether, "intact");
    }

    /// Even a recipient that accepted the evil policy keeps the registry's minimum period, has at most
    /// four requests (plus the automatic one) against it, and pays each at most the accepted penalty.
    function test_attack1_acceptedTermsAreStillBounded() public {
        uint256 id = grant(mallory, bob, one(devices[3]), evilPolicy());
        accept(id);
        revoke(mallory, id);
        uint256 requestId = deletions.automaticRequestOf(id);
        assertEq(uint256(deletions.request(requestId).deadline), block.timestamp + MIN_DELETION_PERIOD, "minimum");
        vm.prank(bob);
        deletions.acknowledgeDeletion(requestId, keccak256("deleted"));
        vm.warp(block.timestamp + MIN_DELETION_PERIOD + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, requestId, IDeletionRequests.Status.Acknowledged)
        );
        deletions.enforcePenalty(requestId);
        assertEq(bobsStake(), 10 ether, "an attentive recipient loses nothing");
    }

    /// A feed sold under the evil policy: the buyer accepts it by paying, yet gets the minimum period
    /// to acknowledge, and the seller's revocation refunds the unserved part.
    function test_attack1_feedUnderAnEvilPolicy() public {
        bytes32 evil = evilPolicy();
        vm.prank(mallory);
        consents.setGrantAgent(address(market), true);
        vm.prank(mallory);
        uint256 feedId = market.offerFeed(one(devices[3]), STREAMS, 1 ether, 30 days, evil, PURPOSE);
        vm.deal(buyer, 1 ether);
        vm.prank(buyer);
        uint256 consentId = market.buyFeed{value: 1 ether}(feedId);
        assertGt(recipientTerms.acceptedAt(consentId), 0, "the buyer accepted the feed's terms by paying");
        revoke(mallory, consentId);
        uint256 requestId = deletions.automaticRequestOf(consentId);
        assertEq(uint256(deletions.request(requestId).deadline), block.timestamp + MIN_DELETION_PERIOD, "minimum");
        vm.prank(buyer);
        deletions.acknowledgeDeletion(requestId, keccak256("deleted"));
        uint256 purchaseId = market.purchaseCount();
        uint256[] memory ids = new uint256[](1);
        ids[0] = purchaseId;
        market.settlePurchases(ids);
        assertEq(market.refundOf(buyer), 1 ether, "revoked in the block it was sold: all refunded");
        assertEq(market.earningsOf(mallory), 0, "the seller earns nothing it did not serve");
    }

    // ------------------------------------------------------------------ 2. invented leak claims

    /// The owner knows every canary bob received and claims each one "leaked", to invented parties.
    /// One penalty per party is held, bob disputes, the arbiter rejects: bob loses nothing.
    function test_attack2_inventedClaimsAreHeldDisputedAndRejected() public {
        uint256 id = grantAccepted(alice, bob, one(devices[0]), publish(alice, "strict", strictTerms()));
        ICanaryRegistry.CanaryReveal[] memory rs = new ICanaryRegistry.CanaryReveal[](3);
        IAccessLog.Delivery[] memory ds = new IAccessLog.Delivery[](3);
        for (uint256 i; i < 3; ++i) {
            rs[i] = reveal(bob, id, devices[0], 0, int16(int256(100 + i)), uint64(10 + i), keccak256(abi.encode(i)));
            ds[i] = deliverCanary(rs[i]);
        }
        claim(alice, rs[0], ds[0], xavier);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.PartyAlreadyClaimed.selector, id, xavier));
        claim(alice, rs[1], ds[1], xavier); // every canary "to X" is still one leak to X
        claim(alice, rs[1], ds[1], erin);
        assertEq(bonds.heldOf(bob), 2 * PENALTY, "held, not paid");
        assertEq(alice.balance, 0, "nothing paid");
        for (uint256 i; i < 2; ++i) {
            vm.prank(bob);
            canaries.disputeLeak(commitmentOf(rs[i]), keccak256("we never shared it"));
            vm.prank(arbiter);
            canaries.resolveLeak(commitmentOf(rs[i]), false);
        }
        assertEq(bonds.bondOf(bob), 10 ether, "bob's bond whole again");
        assertEq(alice.balance, 0, "the invented claims paid nothing");
    }

    /// Without an acceptance there is nothing to claim, however many canaries bob received.
    function test_attack2_noClaimUnderAnUnsolicitedConsent() public {
        uint256 id = grant(alice, bob, one(devices[0]), publish(alice, "strict", strictTerms()));
        ICanaryRegistry.CanaryReveal memory r = reveal(bob, id, devices[0], 0, 120, 1, keccak256("s"));
        IAccessLog.Delivery memory d = deliverCanary(r);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.TermsNotAccepted.selector, id));
        claim(alice, r, d, xavier);
    }

    /// The committer commits canaries it never served: a delivery the access log never recorded is
    /// refused, and a canary claimed against a real delivery of another device fails.
    function test_attack2_committerCannotInventDeliveries() public {
        uint256 id = grantAccepted(alice, bob, two(devices[0], devices[1]), publish(alice, "strict", strictTerms()));
        ICanaryRegistry.CanaryReveal memory r = reveal(bob, id, devices[0], 0, 120, 1, keccak256("s"));
        IAccessLog.Delivery memory never = delivery(id, devices[0], bob, STREAMS); // not logged
        assertEq(commitOne(commitmentOf(r), never), 0, "refused: the access log never recorded it");
        IAccessLog.Delivery memory other = delivery(id, devices[1], bob, STREAMS);
        logOne(other);
        assertEq(commitOne(commitmentOf(r), other), 1, "stored against a real delivery of another device");
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CanaryNotInDelivery.selector, commitmentOf(r)));
        claim(alice, r, other, xavier);
    }

    // ------------------------------------------------------------------ 3. excuses after the fact

    /// Under an onward-sharing policy bob leaks to X, then logs a share to X (or front-runs the claim
    /// in the same block): the claim still stands, since the share came after the delivery.
    function test_attack3_shareLoggedAfterTheLeakDoesNotExcuseIt() public {
        uint256 id = grantAccepted(alice, bob, one(devices[0]), publish(alice, "sharing", sharingTerms()));
        ICanaryRegistry.CanaryReveal memory r = reveal(bob, id, devices[0], 0, 120, 1, keccak256("s"));
        IAccessLog.Delivery memory d = deliverCanary(r);
        vm.warp(block.timestamp + 1 hours);
        vm.prank(bob); // front-running the owner's claim in the same block
        sharingLog.logSharing(id, xavier, keccak256("cover"), "research");
        assertEq(claim(alice, r, d, xavier), PENALTY, "the claim stands");
    }

    // ------------------------------------------------------------------ 4. unbonding ahead of a slash

    /// Bob sees a claim coming and unbonds: the withdrawal is locked to his obligations, and the later
    /// claim still reaches the pending money.
    function test_attack4_unbondingCannotOutrunAPenalty() public {
        uint256 id = grantAccepted(alice, bob, one(devices[0]), publish(alice, "strict", strictTerms()));
        ICanaryRegistry.CanaryReveal memory r = reveal(bob, id, devices[0], 0, 120, 1, keccak256("s"));
        IAccessLog.Delivery memory d = deliverCanary(r);
        vm.prank(bob);
        bonds.requestWithdrawal(10 ether);
        vm.warp(block.timestamp + 30 days); // the unbonding delay `pythia up` used to deploy
        uint64 lock = recipientTerms.lockedUntil(bob);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.WithdrawalLocked.selector, bob, lock));
        vm.prank(bob);
        bonds.withdraw();
        vm.warp(block.timestamp + CLAIM_WINDOW - 1); // a leak found late in the claim window
        assertEq(claim(alice, r, d, xavier), PENALTY, "held from the pending withdrawal");
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        canaries.settleLeak(commitmentOf(r));
        assertEq(alice.balance, PENALTY, "paid");
        vm.warp(lock);
        vm.prank(bob);
        bonds.withdraw();
        assertEq(bob.balance, 10 ether - PENALTY, "bob keeps the rest");
    }

    // ------------------------------------------------------------------ 6. feed seller takes the money

    /// The seller withdraws at once and revokes in the same block (or moves the device to a new
    /// epoch): there is nothing to withdraw, and the buyer is refunded.
    function test_attack6_sellerCannotTakeTheMoneyAndRevoke() public {
        vm.prank(alice);
        consents.setGrantAgent(address(market), true);
        vm.prank(alice);
        uint256 feedId = market.offerFeed(two(devices[0], devices[1]), STREAMS, 3 ether, 30 days, bytes32(0), PURPOSE);
        vm.deal(buyer, 6 ether);
        vm.prank(buyer);
        uint256 first = market.buyFeed{value: 3 ether}(feedId);
        vm.expectRevert();
        vm.prank(alice);
        market.withdrawEarnings(); // nothing earned yet
        revoke(alice, first);
        uint256[] memory ids = new uint256[](1);
        ids[0] = 1;
        market.settlePurchases(ids);
        assertEq(market.refundOf(buyer), 3 ether, "all refunded");

        // a second purchase, served 10 days, then the device is sold on
        vm.prank(buyer);
        market.buyFeed{value: 3 ether}(feedId);
        vm.warp(block.timestamp + 10 days);
        transfer(devices[1], erin);
        vm.warp(block.timestamp + 5 days); // nobody settles for a while: the end is the transfer
        ids[0] = 2;
        market.settlePurchases(ids);
        assertEq(market.earningsOf(alice), 1 ether, "a third of the period served");
        assertEq(market.refundOf(buyer), 3 ether + 2 ether, "the unserved two thirds back");
        (uint256 held, uint256 earnings, uint256 refunds) = market.totals();
        assertEq(held + earnings + refunds, address(market).balance, "accounting");
        assertEq(held, 0, "nothing held");
    }

    // ------------------------------------------------------------------ 7. lower

    /// Revoke-all walks pages of at most 32 consents, and a page of 32 deleteOnRevoke consents (each
    /// raising its automatic request through the hook) fits well within a block.
    function test_attack7_revokeAllAlwaysFitsABlock() public {
        bytes32 policy = publish(alice, "deletion", deletionTerms());
        for (uint256 i; i < 40; ++i) grant(alice, bob, one(devices[i % 3]), policy);
        vm.cool(address(consents));
        vm.cool(address(deletions));
        vm.prank(alice);
        (uint256 revoked, uint256 remaining) = consents.revokeAllConsentsOf(bob, 32);
        uint256 gasUsed = vm.lastCallGas().gasTotalUsed;
        console.log("revokeAllConsentsOf, a page of 32 deleteOnRevoke consents", gasUsed);
        assertEq(revoked, 32, "a full page");
        assertEq(remaining, 8, "the rest for the next page");
        assertLe(gasUsed, 15_000_000, "half a 30M block");
        assertEq(deletions.requestCount(), 32, "every hook raised its request");
        vm.prank(alice);
        (revoked, remaining) = consents.revokeAllConsentsOf(bob, 32);
        assertEq(revoked + remaining, 8, "the rest");
    }

    /// A Pythia key revoked in the registry takes its relayer's powers on the fleet, the access log and
    /// the canary registry away in the same transaction, without touching a role.
    function test_attack7_revokedPythiaKeyDisarmsItsRelayer() public {
        uint256 id = grant(alice, bob, one(devices[0]), bytes32(0));
        vm.prank(operator);
        pythiaRegistry.revokePythia(pythiaKey, "stolen");
        assertTrue(fleet.hasRole(fleet.RELAYER_ROLE(), relayer), "the role is still there");
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, relayer));
        vm.prank(relayer);
        fleet.submitReadings(new IReadingInspection.SignedReading[](0));
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](1);
        batch[0] = delivery(id, devices[0], bob, STREAMS);
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, relayer));
        vm.prank(relayer);
        accessLog.logDeliveries(batch);
        bytes32[] memory cs = new bytes32[](1);
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, relayer));
        vm.prank(relayer);
        canaries.commitCanaries(cs, new IAccessLog.DeliveryProof[](1));
    }

    /// A rotated key carries its relayer over; an account granted the role but bound to no key cannot act.
    function test_attack7_relayerFollowsRotationAndNeedsABinding() public {
        address successor = vm.addr(0x5CCE55);
        bytes memory publicKey = publicKeyOf(0x5CCE55);
        IPythiaRegistry.Evidence memory unattested;
        vm.prank(operator);
        pythiaRegistry.rotatePythiaKey(pythiaKey, successor, publicKey, unattested);
        assertEq(pythiaRegistry.relayerOf(successor), relayer, "carried over");
        assertTrue(pythiaRegistry.isTrustedRelayer(relayer), "still trusted through the new key");
        address intruder = address(0x1D7);
        bytes32 role = fleet.RELAYER_ROLE();
        vm.prank(admin);
        fleet.grantRole(role, intruder);
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, intruder));
        vm.prank(intruder);
        fleet.submitReadings(new IReadingInspection.SignedReading[](0));
    }

    /// Nobody can be granted the power to take bonds: RecipientBonds has no roles and its slashers
    /// were fixed at deployment.
    function test_attack7_noRoleCanBeGrantedToSeizeBonds() public {
        address[] memory me = new address[](1);
        me[0] = admin;
        vm.expectRevert(IRecipientBonds.SlashersAlreadySet.selector);
        vm.prank(admin);
        bonds.setSlashers(me);
        uint256 id = grantAccepted(alice, bob, one(devices[0]), publish(alice, "strict", strictTerms()));
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NotSlasher.selector, admin));
        vm.prank(admin);
        bonds.payPenalty(id, 1, "seize");
        (bool ok, ) = address(bonds).call(abi.encodeWithSignature("grantRole(bytes32,address)", bytes32(0), admin));
        assertFalse(ok, "no AccessControl at all");
    }
}
