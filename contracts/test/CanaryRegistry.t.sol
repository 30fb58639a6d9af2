// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {DeliveryProofs} from "./utils/DeliveryProofs.sol";
import {Vm} from "./utils/Vm.sol";
import {CanaryRegistry} from "../src/CanaryRegistry.sol";
import {IAccessLog} from "../src/interfaces/IAccessLog.sol";
import {ICanaryRegistry} from "../src/interfaces/ICanaryRegistry.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";
import {IRelayerTrust} from "../src/interfaces/IRelayerTrust.sol";
import {ISharingLog} from "../src/interfaces/ISharingLog.sol";

/// @notice Trap streets on the real contracts (ConsentWorld): commitments only for logged deliveries,
/// claims only under accepted terms, held and contestable, settled by the window or the arbiter.
contract CanaryRegistryTest is ConsentWorld {
    bytes32 internal constant SALT = keccak256("salt-1");
    int16 internal constant VALUE = 124; // 12.4 µg/m³ PM2.5, the true reading 12.3
    uint64 internal constant SEQ = 77;

    bytes32 internal policy;
    uint256 internal consentId;
    ICanaryRegistry.CanaryReveal internal canary;
    IAccessLog.Delivery internal carrier;
    bytes32 internal commitment;

    function setUp() public override {
        super.setUp();
        policy = publish(alice, "sharing", sharingTerms());
        consentId = grantAccepted(alice, bob, two(devices[0], devices[1]), policy);
        deposit(bob, 5 ether);
        canary = reveal(bob, consentId, devices[0], 0, VALUE, SEQ, SALT);
        commitment = commitmentOf(canary);
        carrier = deliverCanary(canary);
    }

    function evidence(address party) internal pure returns (bytes32) {
        return keccak256(abi.encode("found at", party));
    }

    function claimAs(address caller, ICanaryRegistry.CanaryReveal memory r, IAccessLog.Delivery memory d, address leakedTo)
        internal
        returns (uint256)
    {
        vm.prank(caller);
        return canaries.claimLeak(r, d, leakedTo, evidence(leakedTo));
    }

    /// Nothing moved: the canary is unclaimed, bob's bond and alice's balance are as they were.
    function assertUnclaimed() internal view {
        assertEq(uint256(canaries.canary(commitment).claimedAt), 0, "state unchanged: claimedAt");
        assertEq(uint256(canaries.claim(commitment).status), uint256(ICanaryRegistry.ClaimStatus.None), "no claim");
        assertEq(bonds.bondOf(bob), 5 ether, "state unchanged: bond");
        assertEq(bonds.heldOf(bob), 0, "state unchanged: nothing held");
        assertEq(alice.balance, 0, "state unchanged: owner");
    }

    // ------------------------------------------------------------------ the whole chain of events

    /// The gateway gives bob and carol different canary values of the same reading and commits to both,
    /// each naming its logged delivery; bob logs a share with dave beforehand; the value turns up at
    /// xavier. A claim that it leaked to dave is refused (logged before the delivery); bob's value
    /// under carol's consent is unknown; the right claim holds 1 ether of bob's bond; bob does not
    /// dispute; after the window anyone settles it and alice is paid; a second reveal is refused.
    function test_trapStreets_wholeChainOfEvents() public {
        uint256 carolConsent = grantAccepted(alice, carol, one(devices[0]), policy);
        deposit(carol, 5 ether);
        vm.prank(bob);
        sharingLog.logSharing(consentId, dave, keccak256("shared with dave"), "research");
        vm.warp(block.timestamp + 1);
        // (a salt of its own: the delivery's data hash follows the salt, and setUp's delivery was logged before the share)
        ICanaryRegistry.CanaryReveal memory bobs =
            reveal(bob, consentId, devices[0], 0, VALUE, SEQ + 1, keccak256("salt-3"));
        IAccessLog.Delivery memory bobsDelivery = deliverCanary(bobs);
        ICanaryRegistry.CanaryReveal memory carols =
            reveal(carol, carolConsent, devices[0], 0, VALUE - 1, SEQ + 1, keccak256("salt-2"));
        deliverCanary(carols);

        // false claim: the value is at dave, who was logged before the delivery
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.LeakWasLogged.selector, consentId, dave));
        claimAs(alice, bobs, bobsDelivery, dave);
        // false claim: bob's value under carol's consent was never committed
        ICanaryRegistry.CanaryReveal memory mixed = carols;
        mixed.value = VALUE;
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownCommitment.selector, commitmentOf(mixed)));
        claimAs(alice, mixed, bobsDelivery, xavier);

        // the real leak: bob's value at xavier
        bytes32 c = commitmentOf(bobs);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.PenaltyHeld(1, bob, consentId, 1 ether, 0);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakClaimed(
            c, consentId, bob, alice, xavier, evidence(xavier), 1 ether, 1 ether, uint64(block.timestamp) + DISPUTE_WINDOW
        );
        assertEq(claimAs(alice, bobs, bobsDelivery, xavier), 1 ether, "held");
        assertEq(bonds.bondOf(bob), 4 ether, "out of the bond");
        assertEq(bonds.heldOf(bob), 1 ether, "held, not paid");
        assertEq(alice.balance, 0, "not paid yet");

        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.NotSettleable.selector, c, uint64(block.timestamp) + DISPUTE_WINDOW + 1));
        canaries.settleLeak(c);
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakAttributed(c, consentId, bob, alice, xavier, evidence(xavier), 1 ether, 1 ether);
        vm.prank(dave); // anyone
        canaries.settleLeak(c);
        assertEq(alice.balance, 1 ether, "owner paid");
        assertEq(bonds.heldOf(bob), 0, "hold closed");
        assertEq(bonds.bondOf(carol), 5 ether, "the other recipient untouched");

        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.AlreadyClaimed.selector, c, uint64(block.timestamp - DISPUTE_WINDOW - 1)));
        claimAs(alice, bobs, bobsDelivery, xavier);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.WrongClaimStatus.selector, c, ICanaryRegistry.ClaimStatus.Upheld));
        canaries.settleLeak(c);
        assertEq(address(bonds).balance, bondsHeld(), "bond accounting balances");
    }

    // ------------------------------------------------------------------ commits

    function test_commit_recordsAndEmits() public view {
        ICanaryRegistry.Canary memory k = canaries.canary(commitment);
        assertEq(uint256(k.consentId), consentId, "consent of the delivery");
        assertEq(uint256(k.committedAt), block.timestamp, "time");
        assertEq(k.deliveryKey, keccak256(abi.encode(carrier)), "delivery");
        assertEq(uint256(k.deliveredAt), block.timestamp, "the delivery's logging time");
        assertEq(canaries.canaryCommitment(canary), commitment, "view equals the formula");
    }

    /// @dev Per-item refusals do not stop the batch: a zero, a repeat (in the batch or earlier) and a
    /// commitment naming a delivery the AccessLog never recorded are each refused with an event.
    function test_commit_itemRefusalsAreEvents() public {
        bytes32 fresh = keccak256("fresh");
        bytes32 key = keccak256(abi.encode(carrier));
        bytes32[] memory cs = new bytes32[](5);
        IAccessLog.DeliveryProof[] memory keys = new IAccessLog.DeliveryProof[](5);
        cs[0] = fresh;
        cs[1] = fresh; // repeat in the batch
        cs[2] = bytes32(0);
        cs[3] = commitment; // committed in setUp
        cs[4] = keccak256("unlogged");
        for (uint256 i; i < 4; ++i) keys[i] = DeliveryProofs.single(carrier);
        IAccessLog.Delivery memory never = carrier;
        never.dataHash = keccak256("a delivery that never happened");
        keys[4] = DeliveryProofs.single(never);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.CanaryCommitted(fresh, consentId, relayer);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.CanaryRefused(fresh, key, 2);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.CanaryRefused(bytes32(0), key, 1);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.CanaryRefused(commitment, key, 2);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.CanaryRefused(keccak256("unlogged"), keys[4].deliveryKey, 3);
        vm.prank(relayer);
        assertEq(canaries.commitCanaries(cs, keys), 1, "one stored");
        assertEq(uint256(canaries.canary(keccak256("unlogged")).committedAt), 0, "unlogged delivery: nothing stored");
    }

    /// @dev A delivery the consent did not permit is not recorded, so no canary can name it.
    function test_commit_refusedDeliveryCarriesNothing() public {
        IAccessLog.Delivery memory d = delivery(consentId, devices[2], bob, STREAMS); // device 2 not covered
        assertEq(logOne(d), 0, "refused at logging");
        assertEq(commitOne(keccak256("canary on a refused delivery"), d), 0, "not committed");
    }

    function test_commit_batchRefusals() public {
        bytes32[] memory cs = new bytes32[](2);
        IAccessLog.DeliveryProof[] memory keys = new IAccessLog.DeliveryProof[](2);
        bytes32 role = canaries.COMMITTER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        canaries.commitCanaries(cs, keys);
        vm.startPrank(relayer);
        vm.expectRevert(ICanaryRegistry.EmptyBatch.selector);
        canaries.commitCanaries(new bytes32[](0), new IAccessLog.DeliveryProof[](0));
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.LengthMismatch.selector, 2, 1));
        canaries.commitCanaries(cs, new IAccessLog.DeliveryProof[](1));
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.BatchTooLarge.selector, 257, 256));
        canaries.commitCanaries(new bytes32[](257), new IAccessLog.DeliveryProof[](257));
        vm.stopPrank();
    }

    /// @dev Roles follow trust: the committer's Pythia key revoked, it commits nothing.
    function test_commit_untrustedRelayerRefused() public {
        vm.prank(operator);
        pythiaRegistry.revokePythia(pythiaKey, "key stolen");
        bytes32[] memory cs = new bytes32[](1);
        IAccessLog.DeliveryProof[] memory keys = new IAccessLog.DeliveryProof[](1);
        cs[0] = keccak256("x");
        keys[0] = DeliveryProofs.single(carrier);
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, relayer));
        vm.prank(relayer);
        canaries.commitCanaries(cs, keys);
    }

    /// @dev Issue #12 (gas): the AccessLog keeps one Merkle root per batch. Every logged entry of a
    /// batch can carry a canary with its proof, at its logging time; a refused entry of the same
    /// batch cannot, even with a valid path (the batch's refusal bitmap); nor can a proof that moves
    /// an entry to another index or consent, or names a root that was never logged.
    function test_commit_provenAgainstTheBatchRoot_refusedEntriesExcluded() public {
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](5);
        for (uint256 i; i < 5; ++i) {
            batch[i] = delivery(consentId, devices[0], bob, STREAMS);
            batch[i].readings = uint32(100 + i);
        }
        batch[3] = delivery(consentId, devices[2], bob, STREAMS); // device 2 is not covered: refused
        vm.warp(block.timestamp + 7);
        vm.expectEmit(address(accessLog));
        emit IAccessLog.DeliveryBatchLogged(DeliveryProofs.rootOf(batch), 5, 1 << 3);
        vm.prank(relayer);
        assertEq(accessLog.logDeliveries(batch), 4, "four logged");
        assertEq(accessLog.batchRootOf(batch), DeliveryProofs.rootOf(batch), "the view builds the same tree");

        bytes32[] memory cs = new bytes32[](1);
        IAccessLog.DeliveryProof[] memory proofs = new IAccessLog.DeliveryProof[](1);
        for (uint256 i; i < 5; ++i) {
            cs[0] = keccak256(abi.encode("batch canary", i));
            proofs[0] = DeliveryProofs.proofOf(batch, i);
            assertEq(accessLog.deliveryLoggedAt(proofs[0]), i == 3 ? 0 : block.timestamp, "logged at");
            vm.prank(relayer);
            assertEq(canaries.commitCanaries(cs, proofs), i == 3 ? 0 : 1, i == 3 ? "refused entry" : "logged entry");
            if (i != 3) assertEq(uint256(canaries.canary(cs[0]).deliveredAt), block.timestamp, "delivery time");
        }

        IAccessLog.DeliveryProof memory p = DeliveryProofs.proofOf(batch, 1);
        p.index = 0; // another entry's place
        assertEq(accessLog.deliveryLoggedAt(p), 0, "index is in the leaf");
        p = DeliveryProofs.proofOf(batch, 1);
        p.consentId = consentId + 1;
        assertEq(accessLog.deliveryLoggedAt(p), 0, "consent is in the leaf");
        p = DeliveryProofs.proofOf(batch, 1);
        p.deliveryKey = keccak256(abi.encode(batch[0]));
        assertEq(accessLog.deliveryLoggedAt(p), 0, "key is in the leaf");
        p = DeliveryProofs.proofOf(batch, 1);
        p.proof[0] = keccak256("forged sibling");
        assertEq(accessLog.deliveryLoggedAt(p), 0, "forged path");
        IAccessLog.Delivery[] memory unlogged = new IAccessLog.Delivery[](2);
        unlogged[0] = batch[0];
        unlogged[1] = batch[3];
        assertEq(accessLog.deliveryLoggedAt(DeliveryProofs.proofOf(unlogged, 0)), 0, "a root never logged");
    }

    // ------------------------------------------------------------------ claims: refusals

    function test_claim_anyAlteredFieldIsUnknown() public {
        ICanaryRegistry.CanaryReveal memory r = canary;
        r.value = VALUE + 1;
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownCommitment.selector, commitmentOf(r)));
        claimAs(alice, r, carrier, xavier);
        assertUnclaimed();
    }

    function test_claim_deliveryMustBeTheCommittedOne() public {
        IAccessLog.Delivery memory other = carrier;
        other.readings = 11;
        vm.expectRevert(
            abi.encodeWithSelector(ICanaryRegistry.DeliveryMismatch.selector, commitment, keccak256(abi.encode(other)))
        );
        claimAs(alice, canary, other, xavier);
        assertUnclaimed();
    }

    /// @dev The committer names a real delivery of another device (or stream, or recipient): the canary
    /// was never in it, and the claim is refused.
    function test_claim_canaryNotInItsDelivery() public {
        IAccessLog.Delivery memory ofDevice1 = delivery(consentId, devices[1], bob, STREAMS);
        logOne(ofDevice1);
        ICanaryRegistry.CanaryReveal memory r = reveal(bob, consentId, devices[0], 0, VALUE, SEQ + 5, SALT);
        commitOne(commitmentOf(r), ofDevice1);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CanaryNotInDelivery.selector, commitmentOf(r)));
        claimAs(alice, r, ofDevice1, xavier);

        ICanaryRegistry.CanaryReveal memory stream1 = reveal(bob, consentId, devices[0], 1, VALUE, SEQ + 6, SALT);
        commitOne(commitmentOf(stream1), carrier); // stream 1 (pm10) is not in STREAMS
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CanaryNotInDelivery.selector, commitmentOf(stream1)));
        claimAs(alice, stream1, carrier, xavier);

        ICanaryRegistry.CanaryReveal memory forCarol = reveal(carol, consentId, devices[0], 0, VALUE, SEQ + 7, SALT);
        commitOne(commitmentOf(forCarol), carrier);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CanaryNotInDelivery.selector, commitmentOf(forCarol)));
        claimAs(alice, forCarol, carrier, xavier);
        assertUnclaimed();
    }

    function test_claim_onlyTheOwner() public {
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.NotConsentOwner.selector, consentId, xavier));
        claimAs(xavier, canary, carrier, dave);
        assertUnclaimed();
    }

    function test_claim_invalidLeakedTo() public {
        address[3] memory bad = [address(0), bob, alice];
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.InvalidLeakedTo.selector, bad[i]));
            claimAs(alice, canary, carrier, bad[i]);
        }
        assertUnclaimed();
    }

    function test_claim_missingEvidence() public {
        vm.expectRevert(ICanaryRegistry.MissingEvidence.selector);
        vm.prank(alice);
        canaries.claimLeak(canary, carrier, xavier, bytes32(0));
        assertUnclaimed();
    }

    /// @dev An unsolicited consent carries no penalty: nothing can be claimed under it.
    function test_claim_termsNotAccepted() public {
        uint256 unsolicited = grant(alice, carol, one(devices[0]), policy);
        deposit(carol, 5 ether);
        ICanaryRegistry.CanaryReveal memory r = reveal(carol, unsolicited, devices[0], 0, VALUE, SEQ, SALT);
        IAccessLog.Delivery memory d = deliverCanary(r);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.TermsNotAccepted.selector, unsolicited));
        claimAs(alice, r, d, xavier);
        assertEq(bonds.bondOf(carol), 5 ether, "carol's bond untouched");
        assertEq(canaries.penaltyFor(unsolicited), 0, "no penalty");
        assertEq(canaries.penaltyFor(consentId), PENALTY, "accepted penalty");
    }

    function test_claim_windowClosesAfterExpiryPlusClaimWindow() public {
        uint64 until = consents.consent(consentId).expiry + CLAIM_WINDOW;
        vm.warp(until + 1);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.ClaimWindowClosed.selector, consentId, until));
        claimAs(alice, canary, carrier, xavier);
        vm.warp(until);
        claimAs(alice, canary, carrier, xavier); // the last second still counts
    }

    /// @dev A share logged after the delivery cannot excuse its leak (issue #12, attack 3); one logged
    /// before the delivery does.
    function test_claim_shareLoggedAfterTheDeliveryDoesNotExcuse() public {
        vm.warp(block.timestamp + 10);
        vm.prank(bob);
        sharingLog.logSharing(consentId, xavier, keccak256("shared after the fact"), "cover-up");
        claimAs(alice, canary, carrier, xavier); // accepted
        assertEq(bonds.heldOf(bob), 1 ether, "held");
    }

    function test_claim_oneReadingOnePartyOnce() public {
        claimAs(alice, canary, carrier, xavier);
        // the same reading's value committed for bob again under another salt: one leaked value proves one leak
        ICanaryRegistry.CanaryReveal memory same = reveal(bob, consentId, devices[0], 0, VALUE, SEQ, keccak256("salt-b"));
        IAccessLog.Delivery memory d = deliverCanary(same);
        bytes32 readingKey = keccak256(abi.encode(devices[0], uint8(0), SEQ, VALUE));
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.ReadingAlreadyAttributed.selector, readingKey));
        claimAs(alice, same, d, erin);
        // another reading leaked to the same party: one penalty per (consent, party)
        ICanaryRegistry.CanaryReveal memory next = reveal(bob, consentId, devices[0], 0, VALUE, SEQ + 1, SALT);
        IAccessLog.Delivery memory d2 = deliverCanary(next);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.PartyAlreadyClaimed.selector, consentId, xavier));
        claimAs(alice, next, d2, xavier);
        assertEq(bonds.heldOf(bob), 1 ether, "one penalty held");
    }

    function test_claim_afterRevocation_stillHolds() public {
        revoke(alice, consentId);
        assertEq(claimAs(alice, canary, carrier, xavier), 1 ether);
    }

    function test_claim_consentWithoutPolicy_defaultPenalty() public {
        uint256 noPolicy = grantAccepted(alice, carol, one(devices[0]), bytes32(0));
        deposit(carol, 1 ether);
        ICanaryRegistry.CanaryReveal memory r = reveal(carol, noPolicy, devices[0], 0, VALUE, SEQ, SALT);
        IAccessLog.Delivery memory d = deliverCanary(r);
        assertEq(claimAs(alice, r, d, xavier), DEFAULT_PENALTY, "the default penalty, accepted");
    }

    function test_claim_zeroPenaltyPolicy_attributesWithoutMoney() public {
        bytes32 free = publish(alice, "free", freeTerms());
        uint256 id = grantAccepted(alice, carol, one(devices[0]), free);
        deposit(carol, 1 ether);
        ICanaryRegistry.CanaryReveal memory r = reveal(carol, id, devices[0], 0, VALUE, SEQ, SALT);
        IAccessLog.Delivery memory d = deliverCanary(r);
        assertEq(claimAs(alice, r, d, xavier), 0, "nothing held");
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        canaries.settleLeak(commitmentOf(r));
        assertEq(uint256(canaries.claim(commitmentOf(r)).status), uint256(ICanaryRegistry.ClaimStatus.Upheld));
        assertEq(bonds.bondOf(carol), 1 ether, "untouched");
    }

    // ------------------------------------------------------------------ disputes

    function test_dispute_arbiterUpholds() public {
        claimAs(alice, canary, carrier, xavier);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakDisputed(commitment, bob, keccak256("not us"));
        vm.prank(bob);
        canaries.disputeLeak(commitment, keccak256("not us"));
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICanaryRegistry.NotSettleable.selector, commitment, uint64(block.timestamp - DISPUTE_WINDOW - 1) + 90 days + 1)
        );
        canaries.settleLeak(commitment); // a disputed claim waits for the arbiter
        bytes32 role = canaries.ARBITER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        canaries.resolveLeak(commitment, true);
        vm.prank(arbiter);
        canaries.resolveLeak(commitment, true);
        assertEq(alice.balance, 1 ether, "paid");
        assertEq(bonds.heldOf(bob), 0, "hold closed");
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.WrongClaimStatus.selector, commitment, ICanaryRegistry.ClaimStatus.Upheld));
        vm.prank(arbiter);
        canaries.resolveLeak(commitment, false);
    }

    function test_dispute_arbiterRejects_bondReturns() public {
        claimAs(alice, canary, carrier, xavier);
        vm.prank(bob);
        canaries.disputeLeak(commitment, keccak256("evidence is fabricated"));
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakClaimRejected(commitment, consentId, arbiter, false);
        vm.prank(arbiter);
        canaries.resolveLeak(commitment, false);
        assertEq(bonds.bondOf(bob), 5 ether, "back in the bond");
        assertEq(alice.balance, 0, "nothing paid");
        // the party is free again for a better-founded claim with another canary
        ICanaryRegistry.CanaryReveal memory next = reveal(bob, consentId, devices[0], 0, VALUE, SEQ + 1, SALT);
        IAccessLog.Delivery memory d = deliverCanary(next);
        assertEq(claimAs(alice, next, d, xavier), 1 ether, "a new claim");
    }

    function test_dispute_noRulingInTime_recipientKeepsTheBond() public {
        claimAs(alice, canary, carrier, xavier);
        vm.prank(bob);
        canaries.disputeLeak(commitment, keccak256("answer"));
        vm.warp(block.timestamp + 90 days + 1);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakClaimRejected(commitment, consentId, dave, true);
        vm.prank(dave);
        canaries.settleLeak(commitment);
        assertEq(bonds.bondOf(bob), 5 ether, "released");
    }

    function test_dispute_refusals() public {
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownClaim.selector, commitment));
        vm.prank(bob);
        canaries.disputeLeak(commitment, keccak256("a"));
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownClaim.selector, commitment));
        canaries.settleLeak(commitment);
        claimAs(alice, canary, carrier, xavier);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.NotConsentRecipient.selector, consentId, alice));
        vm.prank(alice);
        canaries.disputeLeak(commitment, keccak256("a"));
        vm.expectRevert(ICanaryRegistry.MissingEvidence.selector);
        vm.prank(bob);
        canaries.disputeLeak(commitment, bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(ICanaryRegistry.WrongClaimStatus.selector, commitment, ICanaryRegistry.ClaimStatus.Open)
        );
        vm.prank(arbiter);
        canaries.resolveLeak(commitment, true); // the arbiter rules on disputed claims only
        uint64 deadline = canaries.claim(commitment).disputeDeadline;
        vm.warp(uint256(deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.DisputeWindowClosed.selector, commitment, deadline));
        vm.prank(bob);
        canaries.disputeLeak(commitment, keccak256("too late"));
    }

    // ------------------------------------------------------------------ wiring

    function test_constructor_refusesZeroDependencies() public {
        CanaryRegistry.Dependencies memory deps = CanaryRegistry.Dependencies({
            consents: IConsentRegistry(address(consents)),
            accessLog: accessLog,
            sharingLog: ISharingLog(address(sharingLog)),
            terms: IRecipientTerms(address(recipientTerms)),
            bonds: IRecipientBonds(address(bonds)),
            relayerTrust: IRelayerTrust(address(0))
        });
        new CanaryRegistry(admin, 0, deps); // no relayer trust is allowed
        for (uint256 i; i < 5; ++i) {
            CanaryRegistry.Dependencies memory bad = deps;
            if (i == 0) bad.consents = IConsentRegistry(address(0));
            if (i == 1) bad.accessLog = IAccessLog(address(0));
            if (i == 2) bad.sharingLog = ISharingLog(address(0));
            if (i == 3) bad.terms = IRecipientTerms(address(0));
            if (i == 4) bad.bonds = IRecipientBonds(address(0));
            vm.expectRevert(ICanaryRegistry.InvalidDependency.selector);
            new CanaryRegistry(admin, 0, bad);
        }
    }

    function testFuzz_claim_anyAlteredFieldIsRefused(uint8 which, uint256 noise) public {
        vm.assume(noise != 0);
        ICanaryRegistry.CanaryReveal memory r = canary;
        which %= 6;
        if (which == 0) r.recipient = address(uint160(uint256(keccak256(abi.encode(noise)))));
        if (which == 1) r.consentId = consentId + noise % 1000 + 1;
        if (which == 2) r.device = address(uint160(noise));
        if (which == 3) r.stream = uint8(bound(noise, 1, 7));
        if (which == 4) r.value = VALUE + int16(int256(bound(noise, 1, 100)));
        if (which == 5) r.salt = keccak256(abi.encode(noise));
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownCommitment.selector, commitmentOf(r)));
        claimAs(alice, r, carrier, xavier);
        assertUnclaimed();
    }
}
