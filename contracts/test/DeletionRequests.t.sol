// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {DeletionRequests} from "../src/DeletionRequests.sol";
import {IDeletionRequests} from "../src/interfaces/IDeletionRequests.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";

/// @notice Deletion requests on the real contracts (ConsentWorld): periods from the consent's terms,
/// a bounded number of requests, penalties only under accepted terms.
contract DeletionRequestsTest is ConsentWorld {
    bytes32 internal constant EVIDENCE = keccak256("deletion log 2026-11-29");
    bytes32 internal policy; // deleteOnRevoke within DELETION_PERIOD (7 days), penalty 1 ether
    uint256 internal consentId;
    uint64 internal now0;

    function setUp() public override {
        super.setUp();
        policy = publish(alice, "deletion", deletionTerms());
        consentId = grantAccepted(alice, bob, two(devices[0], devices[1]), policy);
        deposit(bob, 5 ether);
        now0 = uint64(block.timestamp);
    }

    function request(uint64 deadline) internal returns (uint256) {
        vm.prank(alice);
        return deletions.requestDeletion(consentId, one(devices[0]), 0x1, now0 - 10 days, now0, deadline);
    }

    function assertNoRequests() internal view {
        assertEq(deletions.requestCount(), 0, "state unchanged: requests");
        assertEq(deletions.requestsOf(consentId).length, 0, "state unchanged: consent requests");
    }

    function assertStatus(uint256 id, IDeletionRequests.Status status) internal view {
        assertEq(uint256(deletions.request(id).status), uint256(status), "status");
    }

    // ------------------------------------------------------------------ construction

    function test_constructor_refusals() public {
        IConsentRegistry c = IConsentRegistry(address(consents));
        IPolicyRegistry p = IPolicyRegistry(address(policyRegistry));
        IRecipientTerms t = IRecipientTerms(address(recipientTerms));
        IRecipientBonds b = IRecipientBonds(address(bonds));
        vm.expectRevert(IDeletionRequests.InvalidDependency.selector);
        new DeletionRequests(IConsentRegistry(address(0)), p, t, b);
        vm.expectRevert(IDeletionRequests.InvalidDependency.selector);
        new DeletionRequests(c, IPolicyRegistry(address(0)), t, b);
        vm.expectRevert(IDeletionRequests.InvalidDependency.selector);
        new DeletionRequests(c, p, IRecipientTerms(address(0)), b);
        vm.expectRevert(IDeletionRequests.InvalidDependency.selector);
        new DeletionRequests(c, p, t, IRecipientBonds(address(0)));
    }

    // ------------------------------------------------------------------ owner requests

    function test_request_recordsAndEmits() public {
        uint64 deadline = now0 + DELETION_PERIOD;
        vm.expectEmit(address(deletions));
        emit IDeletionRequests.DeletionRequested(1, consentId, bob, alice, one(devices[0]), 0x1, now0 - 10 days, now0, deadline, false);
        uint256 id = request(deadline);
        assertEq(id, 1);
        IDeletionRequests.Request memory r = deletions.request(id);
        assertEq(r.consentId, consentId);
        assertEq(r.owner, alice);
        assertEq(r.recipient, bob);
        assertEq(uint256(r.streams), 1);
        assertEq(uint256(r.deadline), uint256(deadline));
        assertEq(r.devices.length, 1);
        assertEq(r.devices[0], devices[0]);
        assertFalse(r.automatic, "manual");
        assertStatus(id, IDeletionRequests.Status.Pending);
        assertEq(deletions.requestsOf(consentId)[0], id);
        assertEq(deletions.ownerRequestCount(consentId), 1, "counted");
    }

    /// @dev No device list = every device of the consent (stored as an empty list); no streams = all.
    function test_request_emptyMeansEverything() public {
        vm.prank(alice);
        uint256 id = deletions.requestDeletion(consentId, new address[](0), 0, 0, now0, now0 + DELETION_PERIOD);
        IDeletionRequests.Request memory r = deletions.request(id);
        assertEq(r.devices.length, 0, "all devices");
        assertEq(uint256(r.streams), STREAMS, "all streams");
    }

    function test_request_refusals() public {
        uint64 ok = now0 + DELETION_PERIOD;
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.NotConsentOwner.selector, consentId, bob));
        deletions.requestDeletion(consentId, one(devices[0]), 1, 0, now0, ok);

        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 9));
        deletions.requestDeletion(9, one(devices[0]), 1, 0, now0, ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeviceNotInConsent.selector, consentId, devices[2]));
        deletions.requestDeletion(consentId, one(devices[2]), 1, 0, now0, ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DuplicateDevice.selector, devices[0]));
        deletions.requestDeletion(consentId, two(devices[0], devices[0]), 1, 0, now0, ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.TooManyDevices.selector, 65, 64));
        deletions.requestDeletion(consentId, new address[](65), 1, 0, now0, ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.StreamsNotInConsent.selector, consentId, uint32(0x8)));
        deletions.requestDeletion(consentId, one(devices[0]), 0x9, 0, now0, ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.InvalidTimeRange.selector, now0 + 1, now0));
        deletions.requestDeletion(consentId, one(devices[0]), 1, now0 + 1, now0, ok);
        // the consent's deletion period is the shortest deadline, whatever the owner wants
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineTooSoon.selector, ok - 1, ok));
        deletions.requestDeletion(consentId, one(devices[0]), 1, 0, now0, ok - 1);
        // the latest deadline: a year from now, and never past the claim window's end + the period
        uint64 latest = now0 + 365 days;
        uint64 windowEnd = consents.consent(consentId).expiry + CLAIM_WINDOW + DELETION_PERIOD;
        if (windowEnd < latest) latest = windowEnd;
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineTooFar.selector, latest + 1, latest));
        deletions.requestDeletion(consentId, one(devices[0]), 1, 0, now0, latest + 1);
        vm.stopPrank();
        assertNoRequests();
    }

    /// @dev Issue #12, attack 1: a 1-second policy period still gives the registry's minimum, and a
    /// deadline never falls after the consent's expiry + claim window + period (inside the bond lock).
    function test_request_deadlinesAreBounded() public {
        IPolicyRegistry.PolicyTerms memory oneSecond = deletionTerms();
        oneSecond.deletionPeriodSeconds = 1;
        uint256 id = grantAccepted(alice, carol, one(devices[2]), publish(alice, "one second", oneSecond));
        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.DeadlineTooSoon.selector, now0 + 1, now0 + MIN_DELETION_PERIOD)
        );
        vm.prank(alice);
        deletions.requestDeletion(id, new address[](0), 0, 0, now0, now0 + 1);
        // late in the claim window the latest deadline is the window's end + the period
        uint64 claimsUntil = consents.consent(id).expiry + CLAIM_WINDOW;
        vm.warp(claimsUntil);
        uint64 latest = claimsUntil + MIN_DELETION_PERIOD;
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineTooFar.selector, latest + 1, latest));
        vm.prank(alice);
        deletions.requestDeletion(id, new address[](0), 0, 0, now0, latest + 1);
        vm.prank(alice);
        deletions.requestDeletion(id, new address[](0), 0, 0, now0, latest);
        assertLe(latest, recipientTerms.lockedUntil(carol), "every deadline falls inside the bond lock");
        vm.warp(uint256(claimsUntil) + 1);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.RequestWindowClosed.selector, id, claimsUntil));
        vm.prank(alice);
        deletions.requestDeletion(id, new address[](0), 0, 0, now0, claimsUntil + 2 days);
    }

    /// @dev Issue #12, attack 1: any number of requests, each a penalty, is now at most four.
    function test_request_limitedPerConsent() public {
        for (uint256 i; i < 4; ++i) request(now0 + DELETION_PERIOD);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.TooManyRequests.selector, consentId, 4));
        request(now0 + DELETION_PERIOD);
        // the automatic request on revocation comes on top
        revoke(alice, consentId);
        assertGt(deletions.automaticRequestOf(consentId), 0, "automatic request raised");
        assertEq(deletions.ownerRequestCount(consentId), 4, "owner requests");
    }

    // ------------------------------------------------------------------ automatic on revocation

    function test_revocation_raisesARequest_whenThePolicySaysSo() public {
        vm.warp(now0 + 1 days);
        revoke(alice, consentId);
        uint256 id = deletions.automaticRequestOf(consentId);
        assertEq(id, 1);
        IDeletionRequests.Request memory r = deletions.request(id);
        assertTrue(r.automatic, "automatic");
        assertEq(r.devices.length, 0, "every device (not copied)");
        assertEq(uint256(r.streams), STREAMS, "every stream");
        assertEq(uint256(r.fromTime), now0, "from the consent's start");
        assertEq(uint256(r.toTime), now0 + 1 days, "to its revocation");
        assertEq(uint256(r.deadline), now0 + 1 days + DELETION_PERIOD, "the policy's period");
    }

    /// @dev Issue #12, attack 1: the automatic request takes the consent's terms, never less than the minimum.
    function test_revocation_automaticDeadlineNeverBelowTheMinimum() public {
        IPolicyRegistry.PolicyTerms memory oneSecond = deletionTerms();
        oneSecond.deletionPeriodSeconds = 1;
        uint256 id = grant(alice, carol, one(devices[2]), publish(alice, "one second", oneSecond));
        revoke(alice, id);
        uint256 requestId = deletions.automaticRequestOf(id);
        assertEq(uint256(deletions.request(requestId).deadline), block.timestamp + MIN_DELETION_PERIOD, "the minimum");
    }

    function test_revocation_withoutDeleteOnRevoke_raisesNothing() public {
        uint256 strict = grant(alice, carol, one(devices[2]), publish(alice, "strict", strictTerms()));
        revoke(alice, strict);
        assertEq(deletions.automaticRequestOf(strict), 0);
        uint256 none = grant(alice, carol, one(devices[3]), bytes32(0));
        revoke(alice, none);
        assertEq(deletions.automaticRequestOf(none), 0);
    }

    function test_hook_onlyTheConsentRegistry_andOncePerConsent() public {
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.NotConsentRegistry.selector, alice));
        vm.prank(alice);
        deletions.onConsentRevoked(consentId);
        revoke(alice, consentId);
        uint256 first = deletions.automaticRequestOf(consentId);
        vm.prank(address(consents));
        deletions.onConsentRevoked(consentId);
        assertEq(deletions.automaticRequestOf(consentId), first, "once");
        assertEq(deletions.requestCount(), 1, "one request");
    }

    // ------------------------------------------------------------------ acknowledgement

    function test_acknowledge_byTheDeadline() public {
        uint64 deadline = now0 + DELETION_PERIOD;
        uint256 id = request(deadline);
        vm.warp(deadline);
        vm.expectEmit(address(deletions));
        emit IDeletionRequests.DeletionAcknowledged(id, bob, EVIDENCE);
        vm.prank(bob);
        deletions.acknowledgeDeletion(id, EVIDENCE);
        assertStatus(id, IDeletionRequests.Status.Acknowledged);
        assertEq(deletions.request(id).evidenceHash, EVIDENCE, "evidence");
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, id, IDeletionRequests.Status.Acknowledged));
        deletions.enforcePenalty(id);
        assertEq(bonds.bondOf(bob), 5 ether, "no penalty after an acknowledgement");
    }

    function test_acknowledge_refusals() public {
        uint64 deadline = now0 + DELETION_PERIOD;
        uint256 id = request(deadline);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.NotRequestRecipient.selector, id, alice));
        vm.prank(alice);
        deletions.acknowledgeDeletion(id, EVIDENCE);
        vm.expectRevert(IDeletionRequests.MissingEvidence.selector);
        vm.prank(bob);
        deletions.acknowledgeDeletion(id, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.UnknownRequest.selector, 9));
        vm.prank(bob);
        deletions.acknowledgeDeletion(9, EVIDENCE);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlinePassed.selector, id, deadline));
        vm.prank(bob);
        deletions.acknowledgeDeletion(id, EVIDENCE);
        assertStatus(id, IDeletionRequests.Status.Pending);
    }

    // ------------------------------------------------------------------ penalties

    function test_enforce_afterTheDeadline_byAnyone() public {
        uint64 deadline = now0 + DELETION_PERIOD;
        uint256 id = request(deadline);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineNotPassed.selector, id, deadline));
        deletions.enforcePenalty(id);
        vm.warp(deadline + 1);
        vm.expectEmit(address(deletions));
        emit IDeletionRequests.DeletionPenaltyEnforced(id, bob, dave, PENALTY, PENALTY);
        vm.prank(dave);
        assertEq(deletions.enforcePenalty(id), PENALTY);
        assertEq(alice.balance, PENALTY, "the owner is paid, not the caller");
        assertEq(dave.balance, 0, "nothing for the caller");
        assertStatus(id, IDeletionRequests.Status.Penalised);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, id, IDeletionRequests.Status.Penalised));
        deletions.enforcePenalty(id);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.UnknownRequest.selector, 9));
        deletions.enforcePenalty(9);
        assertEq(address(bonds).balance, bondsHeld(), "bond accounting balances");
    }

    /// @dev An unsolicited consent: the request is recorded and closed, and nothing is paid.
    function test_enforce_unacceptedTermsPayNothing() public {
        uint256 id = grant(alice, carol, one(devices[2]), policy);
        deposit(carol, 5 ether);
        vm.prank(alice);
        uint256 requestId = deletions.requestDeletion(id, new address[](0), 0, 0, now0, now0 + DELETION_PERIOD);
        vm.warp(now0 + DELETION_PERIOD + 1);
        assertEq(deletions.penaltyFor(id), 0, "no penalty");
        assertEq(deletions.enforcePenalty(requestId), 0, "nothing paid");
        assertStatus(requestId, IDeletionRequests.Status.Penalised);
        assertEq(bonds.bondOf(carol), 5 ether, "untouched");
    }

    function test_enforce_automaticRequest_afterRevocation() public {
        revoke(alice, consentId);
        uint256 id = deletions.automaticRequestOf(consentId);
        vm.warp(block.timestamp + DELETION_PERIOD + 1);
        assertEq(deletions.enforcePenalty(id), PENALTY);
    }

    function test_enforce_withoutPolicy_paysTheAcceptedDefault() public {
        uint256 id = grantAccepted(alice, carol, one(devices[2]), bytes32(0));
        deposit(carol, 1 ether);
        vm.prank(alice);
        uint256 requestId = deletions.requestDeletion(id, new address[](0), 0, 0, now0, now0 + MIN_DELETION_PERIOD);
        vm.warp(now0 + MIN_DELETION_PERIOD + 1);
        assertEq(deletions.enforcePenalty(requestId), DEFAULT_PENALTY);
    }

    function testFuzz_ackOrPenalty_neverBoth(uint32 ackAt, uint32 enforceAt) public {
        uint64 deadline = now0 + DELETION_PERIOD;
        uint256 id = request(deadline);
        uint256 a = bound(ackAt, 0, 30 days);
        uint256 e = bound(enforceAt, 0, 30 days);
        bool acked;
        bool enforced;
        if (a <= e) {
            vm.warp(now0 + a);
            vm.prank(bob);
            try deletions.acknowledgeDeletion(id, EVIDENCE) {
                acked = true;
            } catch {}
            vm.warp(now0 + e);
            try deletions.enforcePenalty(id) {
                enforced = true;
            } catch {}
        } else {
            vm.warp(now0 + e);
            try deletions.enforcePenalty(id) {
                enforced = true;
            } catch {}
            vm.warp(now0 + a);
            vm.prank(bob);
            try deletions.acknowledgeDeletion(id, EVIDENCE) {
                acked = true;
            } catch {}
        }
        assertFalse(acked && enforced, "both");
        IDeletionRequests.Status s = deletions.request(id).status;
        if (acked) assertEq(uint256(s), uint256(IDeletionRequests.Status.Acknowledged), "acknowledged");
        if (enforced) assertEq(uint256(s), uint256(IDeletionRequests.Status.Penalised), "penalised");
        if (!acked && !enforced) assertEq(uint256(s), uint256(IDeletionRequests.Status.Pending), "pending");
    }
}
