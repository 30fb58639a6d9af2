// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {console} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";
import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {DeliveryProofs} from "./utils/DeliveryProofs.sol";
import {ConsentRegistry} from "../src/ConsentRegistry.sol";
import {IAccessLog} from "../src/interfaces/IAccessLog.sol";
import {IConsentRegistry, IConsentRevocationHook} from "../src/interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {ICanaryRegistry} from "../src/interfaces/ICanaryRegistry.sol";
import {ISharingLog} from "../src/interfaces/ISharingLog.sol";
import {IDeletionRequests} from "../src/interfaces/IDeletionRequests.sol";
import {IFeedMarket} from "../src/interfaces/IFeedMarket.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";

/// @notice A revocation hook that always reverts (set by the admin in place of DeletionRequests).
contract RevertingHook is IConsentRevocationHook {
    function onConsentRevoked(uint256) external pure {
        revert("hook says no");
    }
}

/// @notice End-to-end scenarios of issue #5 on the real contracts wired as src/chain/deploy.ts wires
/// them (ConsentWorld): no mocks anywhere.
contract ConsentIntegrationTest is ConsentWorld {
    // ================================================================ the world

    function test_world_isWiredAsDeployTs() public view {
        assertTrue(accessLog.hasRole(accessLog.LOGGER_ROLE(), relayer), "relayer logs");
        assertTrue(bonds.isSlasher(address(canaries)), "canaries penalise");
        assertTrue(bonds.isSlasher(address(deletions)), "deletions penalise");
        assertFalse(bonds.isSlasher(address(sharingLog)), "sharing log does not");
        assertFalse(bonds.isSlasher(admin), "nor the admin");
        assertTrue(canaries.hasRole(canaries.COMMITTER_ROLE(), relayer), "relayer commits canaries");
        assertTrue(canaries.hasRole(canaries.ARBITER_ROLE(), arbiter), "the council arbitrates");
        assertTrue(pythiaRegistry.isTrustedRelayer(relayer), "the relayer is bound to a trusted Pythia key");
        assertEq(address(accessLog.relayerTrust()), address(pythiaRegistry), "the log asks the Pythia registry");
        assertEq(address(canaries.relayerTrust()), address(pythiaRegistry), "so do the canaries");
        assertEq(address(fleet.relayerTrust()), address(pythiaRegistry), "and the fleet");
        assertEq(address(consents.revocationHook()), address(deletions), "deletion requests hook revocations");
        assertEq(address(consents.policyRegistry()), address(policyRegistry), "real policy registry");
        assertEq(address(consents.ownership()), address(ownership), "real ownership");
        assertEq(address(consents.fleet()), address(fleet), "real fleet");
        assertEq(address(accessLog.consents()), address(consents), "log reads the registry");
        assertEq(address(market.consents()), address(consents), "market grants through the registry");
        assertEq(address(market.terms()), address(recipientTerms), "purchases are acceptances");
        assertEq(recipientTerms.feedMarket(), address(market), "of this market only");
        assertEq(address(sharingLog.consents()), address(consents), "sharing log reads the registry");
        assertEq(address(canaries.sharingLog()), address(sharingLog), "canaries read the sharing log");
        assertEq(address(canaries.accessLog()), address(accessLog), "canaries read the access log");
        assertEq(address(canaries.bonds()), address(bonds), "canaries hold and pay from the bonds");
        assertEq(address(deletions.bonds()), address(bonds), "deletions pay from the bonds");
        assertEq(address(bonds.terms()), address(recipientTerms), "bonds lock and cap by the accepted terms");
        assertEq(uint256(recipientTerms.minimumDeletionPeriod()), MIN_DELETION_PERIOD, "1 day minimum deletion period");
        assertEq(uint256(recipientTerms.claimWindow()), CLAIM_WINDOW, "90 days to claim");
        assertEq(uint256(recipientTerms.disputeWindow()), DISPUTE_WINDOW, "14 days to dispute");
        assertEq(uint256(recipientTerms.defaultPenaltyWei()), DEFAULT_PENALTY, "default penalty");
        for (uint256 i; i < 4; ++i) assertEq(ownership.ownerOfDevice(devices[i]), alice, "alice owns the devices");
    }

    // ================================================================ 1. trap streets

    /// @dev The whole chain: policy, grant, acceptance, bond, delivery logged, canary committed for
    /// that delivery, a leak claimed, held, undisputed, settled for the owner.
    function test_trapStreet_wholeChainOfEvents() public {
        bytes32 strict = publish(alice, "strict", strictTerms());
        IPolicyRegistry.PolicyTerms memory pt = policyRegistry.policyTerms(strict);
        assertEq(uint256(pt.penaltyWei), 1 ether, "penalty");
        assertEq(uint256(pt.minimumBondWei), 2 ether, "minimum bond");
        uint256 idA = grantAccepted(alice, bob, one(devices[0]), strict);
        uint256 idB = grant(alice, carol, one(devices[0]), strict); // carol never accepts
        deposit(bob, 2 ether);
        deposit(carol, 2 ether);
        assertTrue(bonds.bondOf(bob) >= pt.minimumBondWei, "bonded");

        // the Pythia gives each a different value of reading 7, logs each delivery, commits each canary
        vm.warp(block.timestamp + 1 hours);
        ICanaryRegistry.CanaryReveal memory a = reveal(bob, idA, devices[0], 0, 121, 7, keccak256("salt-a"));
        ICanaryRegistry.CanaryReveal memory b = reveal(carol, idB, devices[0], 0, 119, 7, keccak256("salt-b"));
        IAccessLog.Delivery memory da = deliverCanary(a);
        IAccessLog.Delivery memory db = deliverCanary(b);
        assertEq(canaries.canaryCommitment(a), commitmentOf(a), "canaryCommitment == documented formula");
        assertEq(uint256(canaries.canary(commitmentOf(a)).consentId), idA, "A committed under A's consent");

        // under the strict policy, bob cannot log an onward share at all
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.OnwardSharingNotAllowed.selector, idA, strict));
        vm.prank(bob);
        sharingLog.logSharing(idA, xavier, keccak256("data"), "resale");

        vm.warp(block.timestamp + 3 days);
        // carol never accepted: her consent carries no penalty, whatever turns up
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.TermsNotAccepted.selector, idB));
        claim(alice, b, db, xavier);
        // a stranger cannot claim the owner's leak
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.NotConsentOwner.selector, idA, stranger));
        vm.prank(stranger);
        canaries.claimLeak(a, da, xavier, keccak256("e"));

        // A's canary at xavier: held, then settled for alice after the dispute window
        uint256 aliceBefore = alice.balance;
        assertEq(claim(alice, a, da, xavier), 1 ether, "held");
        assertEq(bonds.bondOf(bob), 1 ether, "out of bob's bond");
        assertEq(bonds.heldOf(bob), 1 ether, "held");
        assertEq(alice.balance, aliceBefore, "not paid during the dispute window");
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakAttributed(
            commitmentOf(a), idA, bob, alice, xavier, keccak256(abi.encode("found at", xavier)), 1 ether, 1 ether
        );
        vm.prank(stranger);
        canaries.settleLeak(commitmentOf(a));
        assertEq(alice.balance, aliceBefore + 1 ether, "owner paid exactly the penalty");
        assertEq(bonds.bondOf(carol), 2 ether, "carol untouched");
        assertEq(address(bonds).balance, bondsHeld(), "bonds balance");
        assertTrue(canaries.readingAttributed(keccak256(abi.encode(devices[0], uint8(0), a.sequence, a.value))), "reading attributed");
    }

    /// @dev A share logged before the delivery excuses the party; the same canary elsewhere is a leak.
    function test_trapStreet_loggedShareIsNoLeak_underSharingPolicy() public {
        bytes32 strict = publish(alice, "strict", strictTerms());
        bytes32 sharing = publish(alice, "sharing", sharingTerms());
        uint256 idStrict = grantAccepted(alice, bob, one(devices[0]), strict);
        uint256 idShare = grantAccepted(alice, bob, one(devices[0]), sharing);
        deposit(bob, 2 ether);

        // the strict policy refuses the share; the sharing policy logs it and notifies the owner
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.OnwardSharingNotAllowed.selector, idStrict, strict));
        vm.prank(bob);
        sharingLog.logSharing(idStrict, dave, keccak256("data"), "analytics partner");
        vm.expectEmit(address(sharingLog));
        emit ISharingLog.OwnerNotified(alice, idShare, 1);
        vm.prank(bob);
        assertEq(sharingLog.logSharing(idShare, dave, keccak256("data"), "analytics partner"), 1, "first entry");
        assertTrue(sharingLog.hasShared(idShare, dave), "dave holds the data legally");

        vm.warp(block.timestamp + 1);
        ICanaryRegistry.CanaryReveal memory k = reveal(bob, idShare, devices[0], 0, 121, 8, keccak256("salt-s"));
        IAccessLog.Delivery memory d = deliverCanary(k);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.LeakWasLogged.selector, idShare, dave));
        claim(alice, k, d, dave);
        assertEq(canaries.canary(commitmentOf(k)).claimedAt, 0, "not claimed");
        assertEq(claim(alice, k, d, xavier), 1 ether, "the leak to xavier holds the penalty");
    }

    // ================================================================ 2. revocation → deletion

    function test_revocation_raisesDeletionRequest_ackOrPenalty() public {
        bytes32 del = publish(alice, "delete-on-revoke", deletionTerms());
        uint256 id = grantAccepted(alice, bob, two(devices[0], devices[1]), del);
        deposit(bob, 2 ether);
        vm.warp(block.timestamp + 2 days);
        uint64 revokedAt = uint64(block.timestamp);

        assertEq(deletions.requestCount(), 0, "no request yet");
        revoke(alice, id);

        uint256 rid = deletions.automaticRequestOf(id);
        assertEq(rid, 1, "the revocation raised request 1");
        IDeletionRequests.Request memory r = deletions.request(rid);
        assertTrue(r.automatic, "automatic");
        assertEq(uint256(r.status), uint256(IDeletionRequests.Status.Pending), "pending");
        assertEq(uint256(r.deadline), revokedAt + DELETION_PERIOD, "deadline = now + deletionPeriod");
        assertEq(r.consentId, id, "consent");
        assertEq(r.owner, alice, "owner");
        assertEq(r.recipient, bob, "recipient");
        assertEq(uint256(r.streams), STREAMS, "all the consent's streams");
        assertEq(r.devices.length, 0, "all the consent's devices (empty list: not copied)");
        assertEq(uint256(r.fromTime), consents.consent(id).start, "from the consent's start");
        assertEq(uint256(r.toTime), revokedAt, "to its revocation");
        assertEq(deletions.requestsOf(id).length, 1, "one request under the consent");

        // too early: refused, also exactly at the deadline
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineNotPassed.selector, rid, r.deadline));
        deletions.enforcePenalty(rid);
        vm.warp(r.deadline);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlineNotPassed.selector, rid, r.deadline));
        deletions.enforcePenalty(rid);

        uint256 aliceBefore = alice.balance;
        uint256 snap = vm.snapshotState();

        // branch 1: bob acknowledges at the deadline (inclusive): no penalty, ever
        vm.prank(bob);
        deletions.acknowledgeDeletion(rid, keccak256("deleted"));
        assertEq(uint256(deletions.request(rid).status), uint256(IDeletionRequests.Status.Acknowledged), "acknowledged");
        vm.warp(r.deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, rid, IDeletionRequests.Status.Acknowledged)
        );
        vm.prank(stranger);
        deletions.enforcePenalty(rid);
        assertEq(bonds.bondOf(bob), 2 ether, "no penalty after acknowledgement");
        assertEq(alice.balance, aliceBefore, "owner not paid");

        // branch 2: bob lets it lapse; anyone enforces; the owner is paid from the bond
        assertTrue(vm.revertToState(snap), "back to the deadline");
        assertEq(uint256(deletions.request(rid).status), uint256(IDeletionRequests.Status.Pending), "pending again");
        vm.warp(r.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDeletionRequests.DeadlinePassed.selector, rid, r.deadline));
        vm.prank(bob);
        deletions.acknowledgeDeletion(rid, keccak256("too late"));
        uint256 strangerBefore = stranger.balance;
        vm.prank(stranger);
        uint256 paid = deletions.enforcePenalty(rid);
        assertEq(paid, 1 ether, "penalty paid");
        assertEq(alice.balance, aliceBefore + 1 ether, "owner paid from the bond");
        assertEq(stranger.balance, strangerBefore, "the enforcer gets nothing");
        assertEq(bonds.bondOf(bob), 1 ether, "bond paid it");
        assertEq(uint256(deletions.request(rid).status), uint256(IDeletionRequests.Status.Penalised), "penalised");
        vm.expectRevert(
            abi.encodeWithSelector(IDeletionRequests.RequestClosed.selector, rid, IDeletionRequests.Status.Penalised)
        );
        deletions.enforcePenalty(rid);
        assertEq(bonds.bondOf(bob), 1 ether, "not paid twice");
        assertEq(alice.balance, aliceBefore + 1 ether, "owner not paid twice");
    }

    function test_revocation_withoutDeleteOnRevoke_raisesNoRequest() public {
        bytes32 strict = publish(alice, "strict", strictTerms());
        uint256 withPolicy = grant(alice, bob, one(devices[0]), strict);
        uint256 noPolicy = grant(alice, bob, one(devices[1]), bytes32(0));
        vm.recordLogs();
        revoke(alice, withPolicy);
        revoke(alice, noPolicy);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(countEvents(logs, address(consents), ConsentRegistry.RevocationHookFailed.selector), 0, "hook ran fine");
        assertEq(deletions.requestCount(), 0, "no request");
        assertEq(deletions.automaticRequestOf(withPolicy), 0, "none for the strict policy");
        assertEq(deletions.automaticRequestOf(noPolicy), 0, "none without a policy");
    }

    function test_revokeAll_raisesOneRequestPerDeleteOnRevokeConsent() public {
        bytes32 del = publish(alice, "delete-on-revoke", deletionTerms());
        bytes32 strict = publish(alice, "strict", strictTerms());
        uint256 a = grant(alice, bob, one(devices[0]), del);
        uint256 b = grant(alice, bob, one(devices[1]), strict);
        uint256 c = grant(alice, bob, one(devices[2]), del);
        uint256 other = grant(alice, carol, one(devices[3]), del);
        vm.prank(alice);
        (uint256 revoked, uint256 remaining) = consents.revokeAllConsentsOf(bob, 32);
        assertEq(revoked, 3, "three revoked");
        assertEq(remaining, 0, "all walked");
        assertEq(deletions.requestCount(), 2, "two requests");
        assertEq(deletions.automaticRequestOf(c), 1, "c's (newest first)");
        assertEq(deletions.automaticRequestOf(b), 0, "none for b");
        assertEq(deletions.automaticRequestOf(a), 2, "a's");
        assertEq(deletions.automaticRequestOf(other), 0, "carol's consent untouched");
        assertRefusal(refusal(other, devices[3], carol), IConsentRegistry.Refusal.None, "carol's consent live");
    }

    /// A reverting hook (set by the admin in place of DeletionRequests) never blocks a revocation.
    function test_revocation_revertingHookNeverBlocks() public {
        bytes32 del = publish(alice, "delete-on-revoke", deletionTerms());
        uint256 id = grant(alice, bob, one(devices[0]), del);
        RevertingHook bad = new RevertingHook();
        vm.prank(admin);
        consents.setRevocationHook(bad);

        vm.expectEmit(address(consents));
        emit ConsentRegistry.RevocationHookFailed(id, address(bad));
        revoke(alice, id);
        assertEq(uint256(consents.consent(id).revokedAt), block.timestamp, "revoked");
        assertRefusal(refusal(id, devices[0], bob), IConsentRegistry.Refusal.Revoked, "refused from now on");
        assertEq(deletions.requestCount(), 0, "no automatic request: the hook was not DeletionRequests");
        assertEq(logOne(delivery(id, devices[0], bob, STREAMS)), 0, "nothing logged");

        // the admin puts DeletionRequests back: the next revocation raises its request again
        vm.prank(admin);
        consents.setRevocationHook(IConsentRevocationHook(address(deletions)));
        uint256 next = grant(alice, bob, one(devices[1]), del);
        revoke(alice, next);
        assertEq(deletions.automaticRequestOf(next), 1, "request raised");
        assertEq(deletions.automaticRequestOf(id), 0, "the earlier one was missed for good");
    }

    /// The real hook must have enough gas to raise its request for the largest consent the registry
    /// allows (MAX_DEVICES): otherwise the revocation silently raises nothing (RevocationHookFailed).
    function test_revocation_raisesDeletionRequest_forMaxDevices() public {
        bytes32 del = publish(alice, "delete-on-revoke", deletionTerms());
        uint256 n = consents.MAX_DEVICES();
        address[] memory list = new address[](n);
        for (uint256 i; i < n; ++i) {
            list[i] = provision(keyOf(1000 + i));
            transfer(list[i], alice);
        }
        uint256 id = grant(alice, bob, list, del);
        vm.recordLogs();
        revoke(alice, id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(countEvents(logs, address(consents), ConsentRegistry.RevocationHookFailed.selector), 0, "hook did not fail");
        uint256 rid = deletions.automaticRequestOf(id);
        assertEq(rid, 1, "request raised");
        assertEq(deletions.request(rid).devices.length, 0, "every device, without copying the list");
    }

    function test_revocation_firstRequestOfDeployment_oneDevice() public {
        // the very first request also pays for requestCount's first write: the dearest case per device
        bytes32 del = publish(alice, "delete-on-revoke", deletionTerms());
        uint256 id = grant(alice, bob, one(devices[0]), del);
        vm.recordLogs();
        revoke(alice, id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(countEvents(logs, address(consents), ConsentRegistry.RevocationHookFailed.selector), 0, "hook did not fail");
        assertEq(deletions.automaticRequestOf(id), 1, "request raised");
    }

    // ================================================================ 3. ownership transfer

    function test_ownershipTransfer_voidsEverything() public {
        bytes32 sharing = publish(alice, "sharing", sharingTerms());
        uint256 id = grant(alice, bob, one(devices[0]), sharing);
        vm.prank(alice);
        consents.setGrantAgent(address(market), true);
        vm.prank(alice);
        uint256 feedId = market.offerFeed(one(devices[0]), STREAMS, 1 ether, 30 days, sharing, "city feed");
        vm.deal(buyer, 3 ether);
        vm.prank(buyer);
        uint256 bought = market.buyFeed{value: 1 ether}(feedId);

        // live before the transfer: both log; bob can share
        assertRefusal(refusal(id, devices[0], bob), IConsentRegistry.Refusal.None, "consent live");
        assertRefusal(refusal(bought, devices[0], buyer), IConsentRegistry.Refusal.None, "bought consent live");
        assertEq(logOne(delivery(id, devices[0], bob, STREAMS)), 1, "logged before");
        vm.prank(bob);
        sharingLog.logSharing(id, dave, keccak256("before"), "partner");

        // alice sells device 0 to erin
        uint64 epochBefore = ownership.ownershipEpoch(devices[0]);
        transfer(devices[0], erin);
        assertEq(ownership.ownerOfDevice(devices[0]), erin, "erin owns it");
        assertEq(uint256(ownership.ownershipEpoch(devices[0])), uint256(epochBefore) + 1, "new epoch");

        assertRefusal(refusal(id, devices[0], bob), IConsentRegistry.Refusal.OwnershipChanged, "consent void");
        assertRefusal(consents.checkConsent(id, devices[0], bob, 0, COMMANDS), IConsentRegistry.Refusal.OwnershipChanged, "commands void");
        assertRefusal(refusal(bought, devices[0], buyer), IConsentRegistry.Refusal.OwnershipChanged, "bought consent void");
        assertFalse(consents.isLive(id), "not live");
        assertFalse(consents.isLive(bought), "bought not live");

        // the access log refuses every entry, with the reason
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](2);
        batch[0] = delivery(id, devices[0], bob, STREAMS);
        batch[1] = delivery(bought, devices[0], buyer, STREAMS);
        vm.expectEmit(address(accessLog));
        emit IAccessLog.EntryRefused(id, devices[0], keccak256(abi.encode(batch[0])), uint8(IConsentRegistry.Refusal.OwnershipChanged));
        vm.expectEmit(address(accessLog));
        emit IAccessLog.EntryRefused(bought, devices[0], keccak256(abi.encode(batch[1])), uint8(IConsentRegistry.Refusal.OwnershipChanged));
        vm.recordLogs();
        vm.prank(relayer);
        uint256 logged = accessLog.logDeliveries(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logged, 0, "nothing logged");
        assertEq(countEvents(logs, address(accessLog), IAccessLog.DeliveryLogged.selector), 0, "no DeliveryLogged");
        assertEq(countEvents(logs, address(accessLog), IAccessLog.EntryRefused.selector), 2, "two EntryRefused");
        IAccessLog.CommandRecord[] memory cmds = new IAccessLog.CommandRecord[](1);
        cmds[0] = command(id, devices[0], bob, IDENTIFY);
        vm.recordLogs();
        vm.prank(relayer);
        assertEq(accessLog.logCommands(cmds), 0, "command not logged");
        logs = vm.getRecordedLogs();
        assertEq(countEvents(logs, address(accessLog), IAccessLog.CommandLogged.selector), 0, "no CommandLogged");
        assertEq(countEvents(logs, address(accessLog), IAccessLog.EntryRefused.selector), 1, "one EntryRefused");

        // the feed cannot be sold any more: the purchase reverts and the buyer keeps the money
        uint256 buyerBefore = buyer.balance;
        uint256 marketBefore = address(market).balance;
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.NotDeviceOwner.selector, devices[0], alice));
        vm.prank(buyer);
        market.buyFeed{value: 1 ether}(feedId);
        assertEq(buyer.balance, buyerBefore, "buyer keeps the money");
        assertEq(address(market).balance, marketBefore, "market got nothing");
        assertEq(uint256(market.feed(feedId).sales), 1, "one sale");
        // the device changed hands in the block it was sold: the whole price goes back to the buyer
        uint256[] memory purchases = new uint256[](1);
        purchases[0] = 1;
        market.settlePurchases(purchases);
        assertEq(market.refundOf(buyer), 1 ether, "refunded");
        assertEq(market.earningsOf(alice), 0, "nothing earned for nothing served");

        // the sharing log refuses: the consent is not live (OwnershipChanged)
        vm.expectRevert(
            abi.encodeWithSelector(ISharingLog.ConsentNotLive.selector, id, uint8(IConsentRegistry.Refusal.OwnershipChanged))
        );
        vm.prank(bob);
        sharingLog.logSharing(id, xavier, keccak256("after"), "partner");

        // alice can no longer grant over it; buying it back is a new epoch: the old consent stays void
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.NotDeviceOwner.selector, devices[0], alice));
        vm.prank(alice);
        consents.grantConsent(terms(bob, one(devices[0]), sharing, 1 days), PURPOSE);
        transfer(devices[0], alice);
        assertRefusal(refusal(id, devices[0], bob), IConsentRegistry.Refusal.OwnershipChanged, "still void after buy-back");
        assertEq(logOne(delivery(id, devices[0], bob, STREAMS)), 0, "still not logged");
    }

    // ================================================================ 4. feed sale

    function test_feedSale_onTheRealRegistry() public {
        bytes32 strict = publish(alice, "strict", strictTerms());
        vm.prank(alice);
        consents.setGrantAgent(address(market), true);
        assertTrue(consents.isGrantAgent(alice, address(market)), "market approved");
        vm.prank(alice);
        uint256 feedId = market.offerFeed(two(devices[0], devices[1]), STREAMS, 0.5 ether, 30 days, strict, "city feed");
        vm.deal(buyer, 10 ether);

        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.WrongPayment.selector, 0.5 ether, 0.4 ether));
        vm.prank(buyer);
        market.buyFeed{value: 0.4 ether}(feedId);

        uint64 t0 = uint64(block.timestamp);
        vm.prank(buyer);
        uint256 first = market.buyFeed{value: 0.5 ether}(feedId);
        IConsentRegistry.Consent memory c = consents.consent(first);
        assertEq(c.grantedBy, address(market), "granted by the market");
        assertEq(c.owner, alice, "alice's consent");
        assertEq(c.recipient, buyer, "to the buyer");
        assertEq(uint256(c.start), t0, "from now");
        assertEq(uint256(c.expiry), t0 + 30 days, "for the period");
        assertEq(c.policyId, strict, "under the feed's policy");
        assertEq(uint256(c.streams), STREAMS, "the feed's streams");
        assertEq(uint256(c.commands), 0, "no commands");
        assertEq(c.purposeHash, keccak256("city feed"), "the feed's purpose");
        (address[] memory covered, ) = consents.consentDevices(first);
        assertEq(covered.length, 2, "both devices");
        assertRefusal(refusal(first, devices[0], buyer), IConsentRegistry.Refusal.None, "live on device 0");
        assertRefusal(refusal(first, devices[1], buyer), IConsentRegistry.Refusal.None, "live on device 1");
        assertRefusal(
            consents.checkConsent(first, devices[0], buyer, 0, uint32(1) << IDENTIFY),
            IConsentRegistry.Refusal.CommandNotCovered,
            "a feed never buys commands"
        );
        assertEq(logOne(delivery(first, devices[1], buyer, STREAMS)), 1, "delivery logged");
        assertEq(address(market).balance, 0.5 ether, "market holds the price");
        assertEq(market.earningsOf(alice), 0, "released as it is served, not at purchase");
        assertGt(recipientTerms.acceptedAt(first), 0, "paying accepted the feed's terms");

        // a renewal bought early starts at the first one's expiry
        vm.warp(t0 + 10 days);
        vm.prank(buyer);
        uint256 renewal = market.buyFeed{value: 0.5 ether}(feedId);
        IConsentRegistry.Consent memory r = consents.consent(renewal);
        assertEq(uint256(r.start), t0 + 30 days, "renewal starts at expiry");
        assertEq(uint256(r.expiry), t0 + 60 days, "one more period");
        assertEq(r.grantedBy, address(market), "renewal granted by the market");
        assertEq(market.latestConsentOf(feedId, buyer), renewal, "latest purchase");
        assertRefusal(refusal(renewal, devices[0], buyer), IConsentRegistry.Refusal.NotYetValid, "renewal not yet valid");
        assertEq(logOne(delivery(renewal, devices[0], buyer, STREAMS)), 0, "renewal cannot be logged against yet");

        // the owner withdraws what ten days served of the first period; the renewal has not started
        uint256[] memory both = new uint256[](2);
        both[0] = 1;
        both[1] = 2;
        market.settlePurchases(both);
        uint256 aliceBefore = alice.balance;
        uint256 third = (uint256(0.5 ether) * 10 days) / 30 days;
        vm.prank(alice);
        market.withdrawEarnings();
        assertEq(alice.balance, aliceBefore + third, "a third of the first sale");
        assertEq(market.earningsOf(alice), 0, "nothing left");
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.NothingToWithdraw.selector, alice));
        vm.prank(alice);
        market.withdrawEarnings();

        // at the first expiry: first Expired, renewal live
        vm.warp(t0 + 30 days);
        assertRefusal(refusal(first, devices[0], buyer), IConsentRegistry.Refusal.Expired, "first expired");
        assertRefusal(refusal(renewal, devices[0], buyer), IConsentRegistry.Refusal.None, "renewal live");
        assertEq(logOne(delivery(first, devices[0], buyer, STREAMS)), 0, "expired consent refused");
        assertEq(logOne(delivery(renewal, devices[0], buyer, STREAMS)), 1, "renewal logged");

        // after the renewal: Expired, and the access log refuses with reason Expired
        vm.warp(t0 + 60 days);
        assertRefusal(refusal(renewal, devices[0], buyer), IConsentRegistry.Refusal.Expired, "renewal expired");
        assertFalse(consents.isLive(renewal), "not live");
        IAccessLog.Delivery memory late = delivery(renewal, devices[1], buyer, STREAMS);
        vm.expectEmit(address(accessLog));
        emit IAccessLog.EntryRefused(renewal, devices[1], keccak256(abi.encode(late)), uint8(IConsentRegistry.Refusal.Expired));
        assertEq(logOne(late), 0, "expired: refused");

        // both served in full: the rest of the first and all of the renewal are released
        market.settlePurchases(both);
        assertEq(market.earningsOf(alice), 1 ether - third, "the rest");
        assertEq(market.refundOf(buyer), 0, "nothing to refund");
        assertTrue(market.purchase(1).settled && market.purchase(2).settled, "settled");

        // a purchase after expiry starts now again
        vm.prank(buyer);
        uint256 fresh = market.buyFeed{value: 0.5 ether}(feedId);
        assertEq(uint256(consents.consent(fresh).start), block.timestamp, "fresh purchase starts now");
        (uint256 held, uint256 earnings, uint256 refunds) = market.totals();
        assertEq(held, 0.5 ether, "the new price is held");
        assertEq(address(market).balance, held + earnings + refunds, "market balance == held + earnings + refunds");
    }

    function test_feedSale_agentWithdrawnStopsSales() public {
        vm.prank(alice);
        consents.setGrantAgent(address(market), true);
        vm.prank(alice);
        uint256 feedId = market.offerFeed(one(devices[0]), STREAMS, 1 ether, 1 days, bytes32(0), "feed");
        vm.prank(alice);
        consents.setGrantAgent(address(market), false);
        vm.deal(buyer, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.MarketNotGrantAgent.selector, alice));
        vm.prank(buyer);
        market.buyFeed{value: 1 ether}(feedId);
        assertEq(buyer.balance, 1 ether, "buyer keeps the money");
        assertEq(consents.consentCount(), 0, "no consent");
    }

    // ================================================================ gas on the real contracts

    function gasOfLastCall(string memory what) internal view returns (uint256 used) {
        used = vm.lastCallGas().gasTotalUsed;
        console.log(what, used);
    }

    function coolAll() internal {
        vm.cool(address(consents));
        vm.cool(address(policyRegistry));
        vm.cool(address(ownership));
        vm.cool(address(fleet));
        vm.cool(address(accessLog));
        vm.cool(address(market));
        vm.cool(address(bonds));
        vm.cool(address(sharingLog));
        vm.cool(address(canaries));
        vm.cool(address(deletions));
        vm.cool(alice);
        vm.cool(bob);
        vm.cool(buyer);
    }

    /// What DeletionRequests' hook costs (called directly as the registry, every account cold, so an
    /// upper bound of its cost inside a revocation), for 1 and MAX_DEVICES devices: the registry's
    /// REVOCATION_HOOK_GAS must cover the dearest case, or the automatic request is silently lost. The
    /// request no longer copies the device list, so both cost about the same.
    function test_gas_deletionHookFitsItsAllowance() public {
        bytes32 del = publish(alice, "delete-on-revoke", deletionTerms());
        uint256 n = consents.MAX_DEVICES();
        address[] memory list = new address[](n);
        for (uint256 i; i < n; ++i) {
            list[i] = provision(keyOf(2000 + i));
            transfer(list[i], alice);
        }
        uint256 small = grant(alice, bob, one(devices[0]), del);
        uint256 large = grant(alice, bob, list, del);
        vm.prank(admin);
        consents.setRevocationHook(IConsentRevocationHook(address(0))); // revoke without the hook
        revoke(alice, small);
        revoke(alice, large);

        coolAll();
        vm.prank(address(consents));
        deletions.onConsentRevoked(small);
        uint256 gSmall = gasOfLastCall("DeletionRequests.onConsentRevoked (1 device, first request)");
        coolAll();
        for (uint256 i; i < n; ++i) vm.cool(list[i]);
        vm.prank(address(consents));
        deletions.onConsentRevoked(large);
        uint256 gLarge = gasOfLastCall("DeletionRequests.onConsentRevoked (64 devices)");
        assertGt(deletions.automaticRequestOf(large), 0, "raised");
        uint256 allowance = consents.REVOCATION_HOOK_GAS();
        assertLe(gSmall, allowance, "1-device hook within the allowance");
        assertLe(gLarge, allowance, "64-device hook within the allowance");
    }

    function test_gas_realContracts() public {
        bytes32 strict = publish(alice, "strict", strictTerms());
        bytes32 del = publish(alice, "delete-on-revoke", deletionTerms());
        deposit(bob, 5 ether);
        // warm-up consent so that the measured grant is not the registry's first
        grantAccepted(alice, bob, one(devices[3]), strict);

        IConsentRegistry.ConsentTerms memory t = terms(bob, one(devices[0]), strict, 30 days);
        coolAll();
        vm.prank(alice);
        uint256 id = consents.grantConsent(t, PURPOSE);
        uint256 gGrant = gasOfLastCall("grantConsent (1 device, policy)");

        IRecipientTerms.Terms memory accepted = recipientTerms.termsOf(id);
        coolAll();
        vm.prank(bob);
        recipientTerms.acceptTerms(accepted);
        uint256 gAccept = gasOfLastCall("acceptTerms");

        // logDeliveries: 64 entries on one consent (one Merkle root recorded for canaries)
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](64);
        for (uint256 i; i < 64; ++i) {
            batch[i] = delivery(id, devices[0], bob, STREAMS);
            batch[i].readings = uint32(i + 1);
        }
        coolAll();
        vm.prank(relayer);
        assertEq(accessLog.logDeliveries(batch), 64, "all logged");
        uint256 gLog = gasOfLastCall("logDeliveries (64 entries)");
        console.log("logDeliveries per entry (of 64)", gLog / 64);

        // commitCanaries: 32 canaries of 32 deliveries of that batch, each with its proof (depth 6)
        bytes32[] memory cs = new bytes32[](32);
        IAccessLog.DeliveryProof[] memory proofs = new IAccessLog.DeliveryProof[](32);
        for (uint256 i; i < 32; ++i) {
            cs[i] = keccak256(abi.encode("canary", i));
            proofs[i] = DeliveryProofs.proofOf(batch, 2 * i);
        }
        coolAll();
        vm.prank(relayer);
        assertEq(canaries.commitCanaries(cs, proofs), 32, "all committed");
        uint256 gCommit = gasOfLastCall("commitCanaries (32)");

        // claimLeak holding the penalty, then settled for the owner
        ICanaryRegistry.CanaryReveal memory k = reveal(bob, id, devices[0], 0, 121, 9, keccak256("gas"));
        IAccessLog.Delivery memory d = deliverCanary(k);
        bytes32 evidence = keccak256("evidence");
        coolAll();
        vm.prank(alice);
        canaries.claimLeak(k, d, xavier, evidence);
        uint256 gClaim = gasOfLastCall("claimLeak (holds the penalty)");
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        coolAll();
        canaries.settleLeak(commitmentOf(k));
        uint256 gSettle = gasOfLastCall("settleLeak (pays the owner)");

        // revokeConsent (hook = DeletionRequests, policy without deleteOnRevoke)
        coolAll();
        vm.prank(alice);
        consents.revokeConsent(id);
        uint256 gRevoke = gasOfLastCall("revokeConsent (no deletion request)");

        // revokeConsent raising an automatic deletion request (not the deployment's first)
        uint256 d1 = grant(alice, bob, one(devices[1]), del);
        uint256 d2 = grant(alice, bob, one(devices[2]), del);
        revoke(alice, d1);
        coolAll();
        vm.prank(alice);
        consents.revokeConsent(d2);
        uint256 gRevokeDel = gasOfLastCall("revokeConsent (raises a deletion request)");
        assertEq(deletions.automaticRequestOf(d2), 2, "raised");

        // buyFeed (1 device), then settling it after its period
        vm.prank(alice);
        consents.setGrantAgent(address(market), true);
        vm.prank(alice);
        uint256 feedId = market.offerFeed(one(devices[3]), STREAMS, 1 ether, 30 days, strict, "feed");
        vm.deal(buyer, 1 ether);
        coolAll();
        vm.prank(buyer);
        market.buyFeed{value: 1 ether}(feedId);
        uint256 gBuy = gasOfLastCall("buyFeed (1 device, accepts the terms)");
        vm.warp(block.timestamp + 30 days);
        uint256[] memory ids = new uint256[](1);
        ids[0] = market.purchaseCount();
        coolAll();
        market.settlePurchases(ids);
        uint256 gSettlePurchase = gasOfLastCall("settlePurchases (1 purchase, 1 device)");

        // ceilings: catch regressions (the figures are in docs/contracts.md)
        assertLe(gGrant, 450_000, "grantConsent");
        assertLe(gAccept, 120_000, "acceptTerms");
        assertLe(gRevoke, 100_000, "revokeConsent");
        assertLe(gRevokeDel, 400_000, "revokeConsent + deletion request");
        assertLe(gLog / 64, 10_000, "logDeliveries per entry (one root per batch, issue #12)");
        assertLe(gCommit / 32, 60_000, "commitCanaries per commitment");
        assertLe(gBuy, 750_000, "buyFeed");
        assertLe(gClaim, 400_000, "claimLeak");
        assertLe(gSettle, 150_000, "settleLeak");
        assertLe(gSettlePurchase, 150_000, "settlePurchases");
    }
}
