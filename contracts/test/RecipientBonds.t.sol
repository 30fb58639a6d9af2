// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {RecipientBonds} from "../src/RecipientBonds.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";

/// @notice An owner that refuses ETH unless told to accept; claims through claimPenalty.
contract RefusingOwner {
    bool public accept;

    function setAccept(bool accept_) external {
        accept = accept_;
    }

    function claim(RecipientBonds bonds) external {
        bonds.claimPenalty();
    }

    receive() external payable {
        require(accept, "no thanks");
    }
}

/// @notice An owner whose receive() burns all the gas it is given.
contract GasBurningOwner {
    receive() external payable {
        while (true) {}
    }
}

/// @notice A recipient that re-enters withdraw() when paid.
contract ReentrantRecipient {
    RecipientBonds internal immutable bonds;
    bool public innerSucceeded;

    constructor(RecipientBonds bonds_) {
        bonds = bonds_;
    }

    function deposit() external payable {
        bonds.depositBond{value: msg.value}();
    }

    function requestWithdrawal(uint256 amount) external {
        bonds.requestWithdrawal(amount);
    }

    function withdraw() external {
        bonds.withdraw();
    }

    receive() external payable {
        try bonds.withdraw() {
            innerSucceeded = true;
        } catch {}
    }
}

/// @notice Bonds on the real terms and registries (ConsentWorld). The deployment's slashers are the
/// canary registry and deletion requests; these tests deploy a second RecipientBonds over the same
/// RecipientTerms whose one slasher is `penaliser`, to exercise payPenalty and holds directly.
contract RecipientBondsTest is ConsentWorld {
    address internal penaliser = address(0x9E7A);
    bytes32 internal constant REASON = "test";

    RecipientBonds internal b;
    bytes32 internal policy;
    uint256 internal consentId;

    function setUp() public override {
        super.setUp();
        b = new RecipientBonds(IRecipientTerms(address(recipientTerms)));
        address[] memory slashers = new address[](1);
        slashers[0] = penaliser;
        b.setSlashers(slashers);
        policy = publish(alice, "strict", strictTerms()); // penalty 1 ether
        consentId = grantAccepted(alice, bob, one(devices[0]), policy);
    }

    function put(address recipient, uint256 amount) internal {
        vm.deal(recipient, recipient.balance + amount);
        vm.prank(recipient);
        b.depositBond{value: amount}();
    }

    function assertBalanced() internal view {
        (uint256 bonded, uint256 pending, uint256 held, uint256 claimable) = b.totals();
        assertEq(address(b).balance, bonded + pending + held + claimable, "balance != bonds + pending + held + credits");
    }

    function unlock(address recipient) internal {
        vm.warp(uint256(recipientTerms.lockedUntil(recipient)));
    }

    // ------------------------------------------------------------------ construction

    function test_constructor_andSlashersOnce() public {
        vm.expectRevert(IRecipientBonds.InvalidDependency.selector);
        new RecipientBonds(IRecipientTerms(address(0)));
        assertTrue(b.isSlasher(penaliser), "named");
        assertFalse(b.isSlasher(address(this)), "nobody else");
        address[] memory more = new address[](1);
        more[0] = alice;
        vm.expectRevert(IRecipientBonds.SlashersAlreadySet.selector);
        b.setSlashers(more);
        RecipientBonds fresh = new RecipientBonds(IRecipientTerms(address(recipientTerms)));
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NotDeployer.selector, alice));
        vm.prank(alice);
        fresh.setSlashers(more);
        more[0] = address(0);
        vm.expectRevert(IRecipientBonds.InvalidDependency.selector);
        fresh.setSlashers(more);
        // the deployment: exactly the canary registry and deletion requests, nobody can add one
        assertTrue(bonds.isSlasher(address(canaries)) && bonds.isSlasher(address(deletions)), "deployment's slashers");
        assertFalse(bonds.isSlasher(admin), "not the admin");
    }

    // ------------------------------------------------------------------ deposits and withdrawals

    function test_deposit_addsAndEmits() public {
        vm.deal(bob, 3 ether);
        vm.expectEmit(address(b));
        emit IRecipientBonds.BondDeposited(bob, 1 ether, 1 ether);
        vm.prank(bob);
        b.depositBond{value: 1 ether}();
        vm.expectEmit(address(b));
        emit IRecipientBonds.BondDeposited(bob, 2 ether, 3 ether);
        vm.prank(bob);
        b.depositBond{value: 2 ether}();
        assertEq(b.bondOf(bob), 3 ether);
        assertBalanced();
    }

    function test_deposit_zeroRefused_andNoPlainTransfers() public {
        vm.expectRevert(IRecipientBonds.ZeroAmount.selector);
        vm.prank(bob);
        b.depositBond{value: 0}();
        vm.deal(bob, 1 ether);
        vm.prank(bob);
        (bool ok, ) = address(b).call{value: 1 ether}("");
        assertFalse(ok, "plain transfer refused");
    }

    /// @dev A recipient without accepted obligations withdraws at once.
    function test_withdrawal_withoutObligations_isImmediate() public {
        put(carol, 2 ether);
        vm.prank(carol);
        b.requestWithdrawal(2 ether);
        (uint256 amount, uint64 availableAt) = b.pendingWithdrawal(carol);
        assertEq(amount, 2 ether, "pending");
        assertEq(uint256(availableAt), block.timestamp, "now");
        assertEq(b.bondOf(carol), 0, "stops counting at once");
        vm.prank(carol);
        b.withdraw();
        assertEq(carol.balance, 2 ether, "paid");
        assertBalanced();
    }

    /// @dev Issue #12, attack 4: the delay is the recipient's longest obligation, read at withdraw.
    function test_withdrawal_lockedUntilObligationsEnd() public {
        put(bob, 3 ether);
        uint64 lock = recipientTerms.lockedUntil(bob);
        assertEq(
            uint256(lock),
            uint256(consents.consent(consentId).expiry) + CLAIM_WINDOW + MIN_DELETION_PERIOD + ENFORCEMENT_WINDOW,
            "expiry + claim window + deletion period + enforcement window"
        );
        vm.expectEmit(address(b));
        emit IRecipientBonds.WithdrawalRequested(bob, 1 ether, lock);
        vm.prank(bob);
        b.requestWithdrawal(1 ether);
        (, uint64 availableAt) = b.pendingWithdrawal(bob);
        assertEq(uint256(availableAt), lock, "available at the lock");
        vm.warp(uint256(lock) - 1);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.WithdrawalLocked.selector, bob, lock));
        vm.prank(bob);
        b.withdraw();
        vm.warp(lock);
        vm.prank(bob);
        b.withdraw();
        assertEq(bob.balance, 1 ether, "paid at the lock");
        assertBalanced();
    }

    /// @dev An acceptance after the request pushes the withdrawal back: the lock is read when withdrawing.
    function test_withdrawal_laterAcceptanceExtendsTheLock() public {
        put(bob, 2 ether);
        unlock(bob);
        vm.prank(bob);
        b.requestWithdrawal(2 ether);
        uint256 later = grantAccepted(alice, bob, one(devices[1]), policy);
        uint64 lock = recipientTerms.lockedUntil(bob);
        assertGt(lock, block.timestamp, "locked again");
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.WithdrawalLocked.selector, bob, lock));
        vm.prank(bob);
        b.withdraw();
        later;
    }

    function test_requestWithdrawal_refusals() public {
        put(bob, 1 ether);
        vm.startPrank(bob);
        vm.expectRevert(IRecipientBonds.ZeroAmount.selector);
        b.requestWithdrawal(0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.InsufficientBond.selector, bob, 1 ether, 2 ether));
        b.requestWithdrawal(2 ether);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NoWithdrawalPending.selector, bob));
        b.withdraw();
        vm.stopPrank();
        assertEq(b.bondOf(bob), 1 ether, "state unchanged");
    }

    function test_withdraw_reentrancyRefused() public {
        ReentrantRecipient r = new ReentrantRecipient(b);
        r.deposit{value: 2 ether}();
        r.requestWithdrawal(2 ether);
        r.withdraw();
        assertFalse(r.innerSucceeded(), "re-entered withdraw succeeded");
        assertEq(address(r).balance, 2 ether, "paid once");
        assertBalanced();
    }

    function test_withdraw_failedPaymentKeepsThePending() public {
        RefusingOwner refuser = new RefusingOwner(); // as a recipient
        put(address(refuser), 1 ether);
        vm.prank(address(refuser));
        b.requestWithdrawal(1 ether);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.PaymentFailed.selector, address(refuser)));
        vm.prank(address(refuser));
        b.withdraw();
        (uint256 amount, ) = b.pendingWithdrawal(address(refuser));
        assertEq(amount, 1 ether, "state unchanged");
        assertBalanced();
    }

    // ------------------------------------------------------------------ penalties: who and how much

    function test_penalty_onlySlashers() public {
        put(bob, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NotSlasher.selector, alice));
        vm.prank(alice);
        b.payPenalty(consentId, 1 ether, REASON);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NotSlasher.selector, alice));
        vm.prank(alice);
        b.holdPenalty(consentId, 1 ether);
        assertEq(b.bondOf(bob), 1 ether, "state unchanged");
    }

    /// @dev Issue #12, attack 1 at the money contract itself: whichever slasher asks, no penalty under
    /// terms the recipient did not accept, and never more than the accepted penalty.
    function test_penalty_onlyUnderAcceptedTermsAndUpToThem() public {
        put(bob, 5 ether);
        uint256 unsolicited = grant(alice, bob, one(devices[1]), policy);
        vm.startPrank(penaliser);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.TermsNotAccepted.selector, unsolicited));
        b.payPenalty(unsolicited, 1, REASON);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.TermsNotAccepted.selector, unsolicited));
        b.holdPenalty(unsolicited, 1);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.PenaltyAboveTerms.selector, consentId, 1 ether + 1, 1 ether));
        b.payPenalty(consentId, 1 ether + 1, REASON);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.PenaltyAboveTerms.selector, consentId, 1 ether + 1, 1 ether));
        b.holdPenalty(consentId, 1 ether + 1);
        vm.stopPrank();
        assertEq(b.bondOf(bob), 5 ether, "state unchanged");
    }

    function test_penalty_paysOwnerFromBond() public {
        put(bob, 3 ether);
        vm.expectEmit(address(b));
        emit IRecipientBonds.PenaltyPaid(bob, alice, REASON, 1 ether, 0);
        vm.prank(penaliser);
        assertEq(b.payPenalty(consentId, 1 ether, REASON), 1 ether);
        assertEq(alice.balance, 1 ether);
        assertEq(b.bondOf(bob), 2 ether);
        assertBalanced();
    }

    function test_penalty_reachesPendingWithdrawal_noEscapeByUnbonding() public {
        put(bob, 3 ether);
        vm.prank(bob);
        b.requestWithdrawal(2.5 ether);
        vm.prank(penaliser);
        assertEq(b.payPenalty(consentId, 1 ether, REASON), 1 ether);
        assertEq(b.bondOf(bob), 0);
        (uint256 amount, ) = b.pendingWithdrawal(bob);
        assertEq(amount, 2 ether);
        assertBalanced();
    }

    function test_penalty_shortfall_whenBondTooSmall() public {
        put(bob, 0.75 ether);
        vm.prank(bob);
        b.requestWithdrawal(0.25 ether);
        vm.expectEmit(address(b));
        emit IRecipientBonds.PenaltyPaid(bob, alice, REASON, 0.75 ether, 0.25 ether);
        vm.prank(penaliser);
        assertEq(b.payPenalty(consentId, 1 ether, REASON), 0.75 ether);
        (uint256 amount, ) = b.pendingWithdrawal(bob);
        assertEq(amount, 0, "pending emptied");
        vm.prank(penaliser);
        assertEq(b.payPenalty(consentId, 1 ether, REASON), 0, "nothing left: still recorded");
        assertBalanced();
    }

    function test_penalty_refusingOwnerIsCredited_thenClaims() public {
        RefusingOwner owner = new RefusingOwner();
        transfer(devices[1], address(owner));
        uint256 id = grantAccepted(address(owner), bob, one(devices[1]), policy);
        put(bob, 2 ether);
        vm.expectEmit(address(b));
        emit IRecipientBonds.PenaltyCredited(address(owner), 1 ether, 1 ether);
        vm.prank(penaliser);
        assertEq(b.payPenalty(id, 1 ether, REASON), 1 ether, "the penalty is not blocked");
        assertEq(b.claimableOf(address(owner)), 1 ether);
        assertBalanced();
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.PaymentFailed.selector, address(owner)));
        owner.claim(b);
        owner.setAccept(true);
        vm.expectEmit(address(b));
        emit IRecipientBonds.PenaltyClaimed(address(owner), 1 ether);
        owner.claim(b);
        assertEq(address(owner).balance, 1 ether);
        assertBalanced();
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NothingToClaim.selector, address(owner)));
        owner.claim(b);
    }

    function test_penalty_gasBurningOwnerCannotBlock() public {
        GasBurningOwner owner = new GasBurningOwner();
        transfer(devices[1], address(owner));
        uint256 id = grantAccepted(address(owner), bob, one(devices[1]), policy);
        put(bob, 1 ether);
        vm.prank(penaliser);
        assertEq(b.payPenalty{gas: 300_000}(id, 1 ether, REASON), 1 ether);
        assertEq(b.claimableOf(address(owner)), 1 ether);
        assertBalanced();
    }

    // ------------------------------------------------------------------ holds

    function test_hold_thenPay() public {
        put(bob, 3 ether);
        vm.prank(bob);
        b.requestWithdrawal(2.5 ether);
        vm.expectEmit(address(b));
        emit IRecipientBonds.PenaltyHeld(1, bob, consentId, 1 ether, 0);
        vm.prank(penaliser);
        (uint256 holdId, uint256 held) = b.holdPenalty(consentId, 1 ether);
        assertEq(holdId, 1);
        assertEq(held, 1 ether, "from bond then pending");
        assertEq(b.heldOf(bob), 1 ether, "held");
        assertEq(alice.balance, 0, "not paid");
        IRecipientBonds.Hold memory h = b.hold(1);
        assertEq(h.slasher, penaliser);
        assertEq(h.owner, alice);
        assertTrue(h.open, "open");
        assertBalanced();
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.HoldNotOpen.selector, 1));
        vm.prank(alice); // only its slasher
        b.payHold(1, REASON);
        vm.prank(penaliser);
        assertEq(b.payHold(1, REASON), 1 ether, "paid");
        assertEq(alice.balance, 1 ether);
        assertEq(b.heldOf(bob), 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.HoldNotOpen.selector, 1));
        vm.prank(penaliser);
        b.payHold(1, REASON);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.HoldNotOpen.selector, 1));
        vm.prank(penaliser);
        b.releaseHold(1);
        assertBalanced();
    }

    function test_hold_thenRelease_backToTheBond() public {
        put(bob, 3 ether);
        vm.prank(penaliser);
        b.holdPenalty(consentId, 1 ether);
        assertEq(b.bondOf(bob), 2 ether, "out of the bond");
        vm.expectEmit(address(b));
        emit IRecipientBonds.HoldReleased(1, bob, 1 ether);
        vm.prank(penaliser);
        b.releaseHold(1);
        assertEq(b.bondOf(bob), 3 ether, "back");
        assertEq(b.heldOf(bob), 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.UnknownHold.selector, 2));
        b.hold(2);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.UnknownHold.selector, 2));
        vm.prank(penaliser);
        b.releaseHold(2);
        assertBalanced();
    }

    /// @dev Held money is no longer withdrawable, even once the lock has passed.
    function test_hold_isNotWithdrawable() public {
        put(bob, 1 ether);
        vm.prank(penaliser);
        b.holdPenalty(consentId, 1 ether);
        unlock(bob);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.InsufficientBond.selector, bob, 0, 1 ether));
        vm.prank(bob);
        b.requestWithdrawal(1 ether);
    }

    function testFuzz_accountingBalances(uint96 a, uint96 c, uint96 w, uint96 p, bool holdIt) public {
        uint256 da = bound(a, 1, 50 ether);
        uint256 dc = bound(c, 1, 40 ether);
        put(bob, da);
        put(carol, dc);
        uint256 ww = bound(w, 1, da);
        vm.prank(bob);
        b.requestWithdrawal(ww);
        uint256 amount = bound(p, 0, 1 ether);
        vm.prank(penaliser);
        uint256 taken;
        if (holdIt) (, taken) = b.holdPenalty(consentId, amount);
        else taken = b.payPenalty(consentId, amount, REASON);
        assertLe(taken, amount, "more than asked");
        assertLe(taken, da, "more than there was");
        assertEq(b.bondOf(carol), dc, "another recipient untouched");
        assertBalanced();
    }
}
