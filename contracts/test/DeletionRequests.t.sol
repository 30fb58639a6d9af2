// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccountabilityBase} from "./utils/AccountabilityBase.sol";
import {DeletionRequests} from "../src/DeletionRequests.sol";
import {IDeletionRequests} from "../src/interfaces/IDeletionRequests.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";

contract DeletionRequestsTest is AccountabilityBase {
    bytes32 internal constant EVIDENCE = keccak256("deletion log 2026-11-29");
    uint256 internal consentId;

    function setUp() public override {
        super.setUp();
        consentId = grant(bob, P_SHARE);
        deposit(bob, 5 ether);
    }

    function one(address d) internal pure returns (address[] memory a) {
        a = new address[](1);
        a[0] = d;
    }

    function request(uint64 deadline) internal returns (uint256) {
        vm.prank(alice);
        return deletions.requestDeletion(consentId, one(device1), 0x1, uint64(T0 - 10 days), uint64(T0), deadline);
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
        vm.expectRevert(IDeletionRequests.InvalidDependency.selector);
        new DeletionRequests(IConsentRegistry(address(0)), IPolicyRegistry(address(policies)), IRecipientBonds(address(bonds)), 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.InvalidMinimumPeriod.selector, uint64(0)));
        new DeletionRequests(IConsentRegistry(address(consents)), IPolicyRegistry(address(policies)), IRecipientBonds(address(bonds)), 0, 0);
    }

    // ------------------------------------------------------------------ owner requests

    function test_request_recordsAndEmits() public {
        uint64 deadline = uint64(T0 + 3 days);
        vm.expectEmit(address(deletions));
        emit IDeletionRequests.DeletionRequested(1, consentId, bob, alice, one(device1), 0x1, uint64(T0 - 10 days), uint64(T0), deadline, false);
        uint256 id = request(deadline);
        assertEq(id, 1);
        IDeletionRequests.Request memory r = deletions.request(id);
        assertEq(r.consentId, consentId);
        assertEq(r.owner, alice);
        assertEq(r.recipient, bob);
        assertEq(uint256(r.streams), 1);
        assertEq(uint256(r.deadline), uint256(deadline));
        assertEq(r.devices.length, 1);
        assertEq(r.devices[0], device1);
        assertFalse(r.automatic, "manual");
        assertStatus(id, IDeletionRequests.Status.Pending);
        assertEq(deletions.requestsOf(consentId)[0], id);
    }

    function test_request_emptyMeansEverything() public {
        vm.prank(alice);
        uint256 id = deletions.requestDeletion(consentId, new address[](0), 0, 0, uint64(T0), uint64(T0 + MIN_PERIOD));
        IDeletionRequests.Request memory r = deletions.request(id);
        assertEq(r.devices.length, 2);
        assertEq(uint256(r.streams), 0x7);
    }

    function test_request_refusals() public {
        uint64 ok = uint64(T0 + MIN_PERIOD);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.NotConsentOwner.selector, consentId, bob));
        deletions.requestDeletion(consentId, one(device1), 1, 0, uint64(T0), ok);

        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 9));
        deletions.requestDeletion(9, one(device1), 1, 0, uint64(T0), ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeviceNotInConsent.selector, consentId, device3));
        deletions.requestDeletion(consentId, one(device3), 1, 0, uint64(T0), ok);
        address[] memory dup = new address[](2);
        dup[0] = device1;
        dup[1] = device1;
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DuplicateDevice.selector, device1));
        deletions.requestDeletion(consentId, dup, 1, 0, uint64(T0), ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.TooManyDevices.selector, 65, 64));
        deletions.requestDeletion(consentId, new address[](65), 1, 0, uint64(T0), ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.StreamsNotInConsent.selector, consentId, uint32(0x8)));
        deletions.requestDeletion(consentId, one(device1), 0x9, 0, uint64(T0), ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.InvalidTimeRange.selector, uint64(T0 + 1), uint64(T0)));
        deletions.requestDeletion(consentId, one(device1), 1, uint64(T0 + 1), uint64(T0), ok);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineTooSoon.selector, ok - 1, ok));
        deletions.requestDeletion(consentId, one(device1), 1, 0, uint64(T0), ok - 1);
        uint64 latest = uint64(T0 + 365 days);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineTooFar.selector, latest + 1, latest));
        deletions.requestDeletion(consentId, one(device1), 1, 0, uint64(T0), latest + 1);
        vm.stopPrank();
        assertNoRequests();
    }

    // ------------------------------------------------------------------ automatic on revocation

    function test_revocation_raisesARequest_whenThePolicySaysSo() public {
        vm.warp(T0 + 5 days);
        revoke(consentId);
        assertEq(deletions.requestCount(), 1);
        IDeletionRequests.Request memory r = deletions.request(1);
        assertTrue(r.automatic, "automatic");
        assertEq(r.devices.length, 2);
        assertEq(uint256(r.streams), 0x7);
        assertEq(uint256(r.fromTime), T0);
        assertEq(uint256(r.toTime), T0 + 5 days);
        assertEq(uint256(r.deadline), T0 + 5 days + 7 days, "the policy's deletion period");
        assertEq(deletions.automaticRequestOf(consentId), 1);
    }

    function test_revocation_withoutDeleteOnRevoke_raisesNothing() public {
        uint256 closed = grant(bob, P_CLOSED);
        revoke(closed);
        uint256 none = grant(bob, bytes32(0));
        revoke(none);
        assertEq(deletions.requestCount(), 0);
    }

    function test_hook_onlyTheConsentRegistry_andOncePerConsent() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.NotConsentRegistry.selector, alice));
        deletions.onConsentRevoked(consentId);
        // not revoked: nothing
        vm.prank(address(consents));
        deletions.onConsentRevoked(consentId);
        assertNoRequests();
        revoke(consentId);
        vm.prank(address(consents)); // a second call raises no second automatic request
        deletions.onConsentRevoked(consentId);
        assertEq(deletions.requestCount(), 1);
    }

    // ------------------------------------------------------------------ acknowledgement

    function test_acknowledge_byTheDeadline() public {
        uint256 id = request(uint64(T0 + 2 days));
        vm.warp(T0 + 2 days); // the deadline itself is in time
        vm.expectEmit(address(deletions));
        emit IDeletionRequests.DeletionAcknowledged(id, bob, EVIDENCE);
        vm.prank(bob);
        deletions.acknowledgeDeletion(id, EVIDENCE);
        IDeletionRequests.Request memory r = deletions.request(id);
        assertEq(uint256(r.status), uint256(IDeletionRequests.Status.Acknowledged));
        assertEq(r.evidenceHash, EVIDENCE, "evidence");
        assertEq(uint256(r.closedAt), T0 + 2 days);

        vm.warp(T0 + 3 days);
        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, id, IDeletionRequests.Status.Acknowledged)
        );
        deletions.enforcePenalty(id);
        assertEq(bonds.bondOf(bob), 5 ether, "no penalty after an acknowledgement");
    }

    function test_acknowledge_refusals() public {
        uint256 id = request(uint64(T0 + 2 days));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.NotRequestRecipient.selector, id, alice));
        deletions.acknowledgeDeletion(id, EVIDENCE);
        vm.prank(bob);
        vm.expectRevert(IDeletionRequests.MissingEvidence.selector);
        deletions.acknowledgeDeletion(id, bytes32(0));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.UnknownRequest.selector, 2));
        deletions.acknowledgeDeletion(2, EVIDENCE);
        vm.warp(T0 + 2 days + 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlinePassed.selector, id, uint64(T0 + 2 days)));
        deletions.acknowledgeDeletion(id, EVIDENCE);
        assertStatus(id, IDeletionRequests.Status.Pending);
    }

    function test_acknowledge_twiceRefused() public {
        uint256 id = request(uint64(T0 + 2 days));
        vm.prank(bob);
        deletions.acknowledgeDeletion(id, EVIDENCE);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, id, IDeletionRequests.Status.Acknowledged)
        );
        deletions.acknowledgeDeletion(id, keccak256("other"));
        assertEq(deletions.request(id).evidenceHash, EVIDENCE, "state unchanged");
    }

    // ------------------------------------------------------------------ penalty

    function test_enforce_afterTheDeadline_byAnyone() public {
        uint256 id = request(uint64(T0 + 2 days));
        vm.warp(T0 + 2 days);
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineNotPassed.selector, id, uint64(T0 + 2 days)));
        deletions.enforcePenalty(id);
        assertStatus(id, IDeletionRequests.Status.Pending);
        assertEq(bonds.bondOf(bob), 5 ether, "state unchanged");

        vm.warp(T0 + 2 days + 1);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.PenaltyPaid(bob, alice, bytes32("deletion-missed"), 1 ether, 0);
        vm.expectEmit(address(deletions));
        emit IDeletionRequests.DeletionPenaltyEnforced(id, bob, mallory, 1 ether, 1 ether);
        vm.prank(mallory);
        uint256 paid = deletions.enforcePenalty(id);
        assertEq(paid, 1 ether);
        assertEq(alice.balance, 1 ether, "the owner is paid, not the caller");
        assertStatus(id, IDeletionRequests.Status.Penalised);

        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, id, IDeletionRequests.Status.Penalised)
        );
        deletions.enforcePenalty(id);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, id, IDeletionRequests.Status.Penalised)
        );
        deletions.acknowledgeDeletion(id, EVIDENCE);
        assertEq(alice.balance, 1 ether, "paid once");
        assertEq(address(bonds).balance, bondsHeld(), "bond accounting balances");
    }

    function test_enforce_unknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.UnknownRequest.selector, 1));
        deletions.enforcePenalty(1);
    }

    function test_enforce_automaticRequest_afterRevocation() public {
        revoke(consentId);
        vm.warp(T0 + 7 days + 1);
        assertEq(deletions.enforcePenalty(1), 1 ether);
    }

    function test_enforce_withoutPolicy_paysTheDefault() public {
        uint256 none = grant(bob, bytes32(0));
        vm.prank(alice);
        uint256 id = deletions.requestDeletion(none, new address[](0), 0, 0, uint64(T0), uint64(T0 + MIN_PERIOD));
        vm.warp(T0 + MIN_PERIOD + 1);
        assertEq(deletions.penaltyFor(none), DEFAULT_PENALTY);
        assertEq(deletions.enforcePenalty(id), DEFAULT_PENALTY);
    }

    function testFuzz_ackOrPenalty_neverBoth(uint32 ackAt, uint32 enforceAt) public {
        uint64 deadline = uint64(T0 + 2 days);
        uint256 id = request(deadline);
        uint256 a = T0 + bound(ackAt, 0, 4 days);
        uint256 e = T0 + bound(enforceAt, 0, 4 days);
        bool acked;
        bool penalised;
        if (a <= e) {
            vm.warp(a);
            vm.prank(bob);
            try deletions.acknowledgeDeletion(id, EVIDENCE) {
                acked = true;
            } catch {}
            vm.warp(e);
            try deletions.enforcePenalty(id) {
                penalised = true;
            } catch {}
        } else {
            vm.warp(e);
            try deletions.enforcePenalty(id) {
                penalised = true;
            } catch {}
            vm.warp(a);
            vm.prank(bob);
            try deletions.acknowledgeDeletion(id, EVIDENCE) {
                acked = true;
            } catch {}
        }
        assertFalse(acked && penalised, "both acknowledged and penalised");
        assertEq(acked, a <= deadline, "acknowledged iff in time");
        assertEq(penalised, !acked && e > deadline, "penalised iff late and unacknowledged");
    }
}
