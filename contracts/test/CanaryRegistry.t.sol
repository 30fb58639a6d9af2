// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccountabilityBase} from "./utils/AccountabilityBase.sol";
import {CanaryRegistry} from "../src/CanaryRegistry.sol";
import {ICanaryRegistry} from "../src/interfaces/ICanaryRegistry.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {ISharingLog} from "../src/interfaces/ISharingLog.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";

contract CanaryRegistryTest is AccountabilityBase {
    bytes32 internal constant SALT = keccak256("salt-1");
    bytes32 internal constant EVIDENCE = keccak256("mallory's dataset, row 42");
    int16 internal constant VALUE = 1234; // 12.34 µg/m3 PM2.5, true reading 12.33
    uint64 internal constant SEQ = 77;

    uint256 internal consentId;
    bytes32 internal canary;

    function setUp() public override {
        super.setUp();
        consentId = grant(bob, P_SHARE);
        deposit(bob, 5 ether);
        canary = commitment(bob, consentId, device1, 0, VALUE, SEQ, SALT);
        commitOne(canary, consentId);
    }

    function claim(address caller, address leakedTo) internal returns (uint256) {
        vm.prank(caller);
        return canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE, SEQ, SALT, leakedTo, EVIDENCE);
    }

    /// Nothing moved: the canary is unclaimed, bob's bond and alice's balance are as they were.
    function assertUnclaimed() internal view {
        assertEq(uint256(canaries.canary(canary).claimedAt), 0, "state unchanged: claimedAt");
        assertEq(bonds.bondOf(bob), 5 ether, "state unchanged: bond");
        assertEq(alice.balance, 0, "state unchanged: owner");
    }

    // ------------------------------------------------------------------ the whole chain of events

    /// Trap streets end to end: the gateway gives bob and carol different canary values of the
    /// same reading and commits to both; bob shares legally with dave (logged), then the value
    /// turns up at mallory. A claim that the leak went to dave is refused (logged party); a claim
    /// naming carol's commitment with bob's value is refused (mismatch); the right claim attributes
    /// the leak to bob and his bond pays alice; a second reveal is refused; carol's bond is untouched.
    function test_trapStreets_wholeChainOfEvents() public {
        uint256 carolConsent = grant(carol, P_SHARE);
        deposit(carol, 5 ether);
        bytes32 carolCanary = commitment(carol, carolConsent, device1, 0, VALUE - 1, SEQ, keccak256("salt-2"));
        commitOne(carolCanary, carolConsent);

        vm.prank(bob);
        sharingLog.logSharing(consentId, dave, keccak256("shared with dave"), "research");

        // false claim: the canary is at dave, who holds the data legally
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.LeakWasLogged.selector, consentId, dave));
        canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE, SEQ, SALT, dave, EVIDENCE);

        // false claim: bob's value under carol's commitment
        bytes32 computed = commitment(carol, carolConsent, device1, 0, VALUE, SEQ, keccak256("salt-2"));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CommitmentMismatch.selector, carolCanary, computed));
        canaries.claimLeak(carolCanary, carol, carolConsent, device1, 0, VALUE, SEQ, keccak256("salt-2"), mallory, EVIDENCE);
        assertUnclaimed();

        // the real leak: bob's value at mallory, not logged
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.PenaltyPaid(bob, alice, bytes32("canary-leak"), 1 ether, 0);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakAttributed(canary, consentId, bob, alice, mallory, EVIDENCE, 1 ether, 1 ether);
        uint256 paid = claim(alice, mallory);
        assertEq(paid, 1 ether);
        assertEq(alice.balance, 1 ether, "owner paid");
        assertEq(bonds.bondOf(bob), 4 ether, "bond reduced");
        assertEq(bonds.bondOf(carol), 5 ether, "the other recipient untouched");
        assertEq(uint256(canaries.canary(canary).claimedAt), T0);

        // a second reveal of the same commitment
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.AlreadyClaimed.selector, canary, uint64(T0)));
        canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE, SEQ, SALT, mallory, EVIDENCE);
        assertEq(alice.balance, 1 ether, "paid once");
        assertEq(address(bonds).balance, bondsHeld(), "bond accounting balances");
    }

    // ------------------------------------------------------------------ commits

    function test_commit_recordsAndEmits() public {
        ICanaryRegistry.Canary memory k = canaries.canary(canary);
        assertEq(uint256(k.consentId), consentId);
        assertEq(uint256(k.committedAt), T0);
        assertEq(uint256(k.claimedAt), 0);
        ICanaryRegistry.CanaryReveal memory r = ICanaryRegistry.CanaryReveal(bob, consentId, device1, 0, VALUE, SEQ, SALT);
        assertEq(canaries.canaryCommitment(r), canary, "view equals the formula");
    }

    function test_commit_batch() public {
        bytes32[] memory cs = new bytes32[](3);
        uint256[] memory ids = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            cs[i] = commitment(bob, consentId, device2, 1, int16(int256(100 + i)), SEQ, SALT);
            ids[i] = consentId;
        }
        vm.prank(gateway);
        canaries.commitCanaries(cs, ids);
        assertEq(uint256(canaries.canary(cs[2]).committedAt), T0);
    }

    function test_commit_refusals() public {
        bytes32 c2 = keccak256("another");
        bytes32[] memory cs = new bytes32[](2);
        uint256[] memory ids = new uint256[](2);
        cs[0] = c2;
        cs[1] = c2;
        ids[0] = consentId;
        ids[1] = consentId;
        bytes32 role = canaries.COMMITTER_ROLE();

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", alice, role));
        canaries.commitCanaries(cs, ids);

        vm.startPrank(gateway);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.DuplicateCommitment.selector, c2));
        canaries.commitCanaries(cs, ids); // duplicate within the batch
        vm.expectRevert(ICanaryRegistry.EmptyBatch.selector);
        canaries.commitCanaries(new bytes32[](0), new uint256[](0));
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.LengthMismatch.selector, 2, 1));
        canaries.commitCanaries(cs, new uint256[](1));
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.BatchTooLarge.selector, 257, 256));
        canaries.commitCanaries(new bytes32[](257), new uint256[](257));
        cs[1] = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.ZeroCommitment.selector, 1));
        canaries.commitCanaries(cs, ids);
        cs[1] = keccak256("third");
        ids[1] = 99;
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownConsent.selector, 99));
        canaries.commitCanaries(cs, ids);
        ids[1] = 0;
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownConsent.selector, 0));
        canaries.commitCanaries(cs, ids);
        // an earlier batch's commitment
        cs[0] = canary;
        ids[1] = consentId;
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.DuplicateCommitment.selector, canary));
        canaries.commitCanaries(cs, ids);
        vm.stopPrank();
        assertEq(uint256(canaries.canary(c2).committedAt), 0, "state unchanged");
        assertEq(uint256(canaries.canary(keccak256("third")).committedAt), 0, "state unchanged");
    }

    // ------------------------------------------------------------------ claims: refusals

    function test_claim_unknownCommitment() public {
        bytes32 unknown = commitment(bob, consentId, device1, 0, VALUE, SEQ, keccak256("other salt"));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.UnknownCommitment.selector, unknown));
        canaries.claimLeak(unknown, bob, consentId, device1, 0, VALUE, SEQ, keccak256("other salt"), mallory, EVIDENCE);
        assertUnclaimed();
    }

    function test_claim_fieldsMustHashToTheCommitment() public {
        bytes32 computed = commitment(bob, consentId, device1, 0, VALUE + 1, SEQ, SALT);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CommitmentMismatch.selector, canary, computed));
        canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE + 1, SEQ, SALT, mallory, EVIDENCE);
        assertUnclaimed();
    }

    function test_claim_notTheOwner() public {
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.NotConsentOwner.selector, consentId, mallory));
        canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE, SEQ, SALT, mallory, EVIDENCE);
        assertUnclaimed();
    }

    function test_claim_invalidLeakedTo() public {
        address[3] memory bad = [address(0), bob, alice];
        for (uint256 i; i < 3; ++i) {
            vm.prank(alice);
            vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.InvalidLeakedTo.selector, bad[i]));
            canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE, SEQ, SALT, bad[i], EVIDENCE);
        }
        assertUnclaimed();
    }

    function test_claim_missingEvidence() public {
        vm.prank(alice);
        vm.expectRevert(ICanaryRegistry.MissingEvidence.selector);
        canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE, SEQ, SALT, mallory, bytes32(0));
        assertUnclaimed();
    }

    function test_claim_wrongRecipient_committedUnderAnotherConsentsRecipient() public {
        // the gateway committed a value "for carol" under bob's consent: carol never received data under it
        bytes32 c = commitment(carol, consentId, device1, 0, VALUE, SEQ + 1, SALT);
        commitOne(c, consentId);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.WrongRecipient.selector, consentId, carol));
        canaries.claimLeak(c, carol, consentId, device1, 0, VALUE, SEQ + 1, SALT, mallory, EVIDENCE);
        assertUnclaimed();
    }

    function test_claim_consentMismatch() public {
        uint256 other = grant(bob, P_SHARE);
        // committed under `other` but the hash names consentId
        bytes32 c = commitment(bob, consentId, device1, 0, VALUE, SEQ + 2, SALT);
        commitOne(c, other);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.ConsentMismatch.selector, c, other, consentId));
        canaries.claimLeak(c, bob, consentId, device1, 0, VALUE, SEQ + 2, SALT, mallory, EVIDENCE);
        assertUnclaimed();
    }

    function test_claim_deviceOrStreamNotInConsent() public {
        bytes32 c = commitment(bob, consentId, device3, 0, VALUE, SEQ, SALT);
        commitOne(c, consentId);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CanaryNotInConsent.selector, consentId, device3, 0));
        canaries.claimLeak(c, bob, consentId, device3, 0, VALUE, SEQ, SALT, mallory, EVIDENCE);
        bytes32 s = commitment(bob, consentId, device1, 5, VALUE, SEQ, SALT); // streams are 0..2
        commitOne(s, consentId);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CanaryNotInConsent.selector, consentId, device1, 5));
        canaries.claimLeak(s, bob, consentId, device1, 5, VALUE, SEQ, SALT, mallory, EVIDENCE);
        bytes32 far = commitment(bob, consentId, device1, 200, VALUE, SEQ, SALT);
        commitOne(far, consentId);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CanaryNotInConsent.selector, consentId, device1, 200));
        canaries.claimLeak(far, bob, consentId, device1, 200, VALUE, SEQ, SALT, mallory, EVIDENCE);
        assertUnclaimed();
    }

    function test_claim_oneLeakedValueProvesOneLeak() public {
        // the gateway (wrongly) gave carol the same value of the same reading
        uint256 carolConsent = grant(carol, P_SHARE);
        deposit(carol, 5 ether);
        bytes32 carolCanary = commitment(carol, carolConsent, device1, 0, VALUE, SEQ, keccak256("salt-2"));
        commitOne(carolCanary, carolConsent);
        claim(alice, mallory);
        bytes32 readingKey = keccak256(abi.encode(device1, uint8(0), SEQ, VALUE));
        assertTrue(canaries.readingAttributed(readingKey));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.ReadingAlreadyAttributed.selector, readingKey));
        canaries.claimLeak(carolCanary, carol, carolConsent, device1, 0, VALUE, SEQ, keccak256("salt-2"), mallory, EVIDENCE);
        assertEq(bonds.bondOf(carol), 5 ether, "carol untouched");
    }

    // ------------------------------------------------------------------ claims: penalties

    function test_claim_afterRevocation_stillPays() public {
        revoke(consentId);
        assertEq(claim(alice, mallory), 1 ether);
    }

    function test_claim_consentWithoutPolicy_paysTheDefault() public {
        uint256 none = grant(bob, bytes32(0));
        bytes32 c = commitment(bob, none, device2, 1, -5, 3, SALT);
        commitOne(c, none);
        assertEq(canaries.penaltyFor(none), DEFAULT_PENALTY);
        vm.prank(alice);
        uint256 paid = canaries.claimLeak(c, bob, none, device2, 1, -5, 3, SALT, mallory, EVIDENCE);
        assertEq(paid, DEFAULT_PENALTY);
        assertEq(alice.balance, DEFAULT_PENALTY);
    }

    function test_claim_zeroPenaltyPolicy_attributesWithoutPaying() public {
        uint256 free = grant(bob, P_FREE);
        bytes32 c = commitment(bob, free, device2, 1, 7, 3, SALT);
        commitOne(c, free);
        vm.expectEmit(address(canaries));
        emit ICanaryRegistry.LeakAttributed(c, free, bob, alice, mallory, EVIDENCE, 0, 0);
        vm.prank(alice);
        uint256 paid = canaries.claimLeak(c, bob, free, device2, 1, 7, 3, SALT, mallory, EVIDENCE);
        assertEq(paid, 0);
        assertEq(bonds.bondOf(bob), 5 ether);
    }

    function test_claim_withoutPenaltyRole_refusedWhole() public {
        bytes32 role = bonds.PENALTY_ROLE();
        vm.prank(admin);
        bonds.revokeRole(role, address(canaries));
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", address(canaries), role)
        );
        canaries.claimLeak(canary, bob, consentId, device1, 0, VALUE, SEQ, SALT, mallory, EVIDENCE);
        assertUnclaimed();
    }

    function test_constructor_refusesZeroDependencies() public {
        vm.expectRevert(ICanaryRegistry.InvalidDependency.selector);
        new CanaryRegistry(
            admin,
            IConsentRegistry(address(consents)),
            IPolicyRegistry(address(policies)),
            ISharingLog(address(0)),
            IRecipientBonds(address(bonds)),
            0
        );
    }

    function testFuzz_claim_anyAlteredFieldIsRefused(uint8 which, uint256 noise) public {
        which = uint8(bound(which, 0, 5));
        address r = bob;
        address d = device1;
        uint8 s = 0;
        int16 v = VALUE;
        uint64 q = SEQ;
        bytes32 salt = SALT;
        if (which == 0) r = address(uint160(bound(noise, 1, type(uint160).max)));
        if (which == 1) d = address(uint160(bound(noise, 1, type(uint160).max)));
        if (which == 2) s = uint8(bound(noise, 1, 255));
        if (which == 3) v = int16(int256(bound(noise, 1, 1000)));
        if (which == 4) q = uint64(bound(noise, 0, type(uint64).max));
        if (which == 5) salt = bytes32(noise);
        bytes32 computed = commitment(r, consentId, d, s, v, q, salt);
        vm.assume(computed != canary);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ICanaryRegistry.CommitmentMismatch.selector, canary, computed));
        canaries.claimLeak(canary, r, consentId, d, s, v, q, salt, mallory, EVIDENCE);
        assertUnclaimed();
    }
}
