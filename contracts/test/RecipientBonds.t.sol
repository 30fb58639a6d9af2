// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccountabilityBase} from "./utils/AccountabilityBase.sol";
import {RecipientBonds} from "../src/RecipientBonds.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";

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

contract RecipientBondsTest is AccountabilityBase {
    address internal penaliser = address(0x9E7A);
    bytes32 internal constant REASON = "test";

    function setUp() public override {
        super.setUp();
        bytes32 role = bonds.PENALTY_ROLE();
        vm.prank(admin);
        bonds.grantRole(role, penaliser);
    }

    function assertBalanced() internal view {
        assertEq(address(bonds).balance, bondsHeld(), "balance != bonds + pending + credits");
    }

    // ------------------------------------------------------------------ construction

    function test_constructor_refusesZeroDelayAndZeroAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.InvalidUnbondingDelay.selector, uint64(0)));
        new RecipientBonds(admin, 0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.InvalidUnbondingDelay.selector, uint64(366 days)));
        new RecipientBonds(admin, 366 days);
        vm.expectRevert(IRecipientBonds.InvalidAdmin.selector);
        new RecipientBonds(address(0), 1 days);
        assertEq(uint256(bonds.unbondingDelay()), uint256(UNBONDING));
    }

    // ------------------------------------------------------------------ deposits and withdrawals

    function test_deposit_addsAndEmits() public {
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.BondDeposited(bob, 1 ether, 1 ether);
        deposit(bob, 1 ether);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.BondDeposited(bob, 2 ether, 3 ether);
        deposit(bob, 2 ether);
        assertEq(bonds.bondOf(bob), 3 ether);
        assertBalanced();
    }

    function test_deposit_zeroRefused() public {
        vm.prank(bob);
        vm.expectRevert(IRecipientBonds.ZeroAmount.selector);
        bonds.depositBond();
        assertEq(bonds.bondOf(bob), 0);
    }

    function test_noPlainTransfers() public {
        vm.prank(bob);
        (bool ok, ) = address(bonds).call{value: 1 ether}("");
        assertFalse(ok, "plain transfer accepted");
        assertBalanced();
    }

    function test_withdrawal_twoSteps() public {
        deposit(bob, 3 ether);
        vm.prank(bob);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.WithdrawalRequested(bob, 1 ether, uint64(T0 + UNBONDING));
        bonds.requestWithdrawal(1 ether);
        assertEq(bonds.bondOf(bob), 2 ether, "unbonding stops counting at once");
        (uint256 amount, uint64 availableAt) = bonds.pendingWithdrawal(bob);
        assertEq(amount, 1 ether);
        assertEq(uint256(availableAt), T0 + UNBONDING);
        assertBalanced();

        vm.warp(T0 + UNBONDING - 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.WithdrawalNotReady.selector, bob, uint64(T0 + UNBONDING)));
        bonds.withdraw();
        (amount, ) = bonds.pendingWithdrawal(bob);
        assertEq(amount, 1 ether, "state unchanged");

        vm.warp(T0 + UNBONDING);
        uint256 before = bob.balance;
        vm.prank(bob);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.BondWithdrawn(bob, 1 ether);
        bonds.withdraw();
        assertEq(bob.balance, before + 1 ether);
        (amount, availableAt) = bonds.pendingWithdrawal(bob);
        assertEq(amount, 0);
        assertEq(uint256(availableAt), 0);
        assertBalanced();
    }

    function test_withdrawal_secondRequestRestartsTheDelay() public {
        deposit(bob, 3 ether);
        vm.prank(bob);
        bonds.requestWithdrawal(1 ether);
        vm.warp(T0 + 10 days);
        vm.prank(bob);
        bonds.requestWithdrawal(1 ether);
        (uint256 amount, uint64 availableAt) = bonds.pendingWithdrawal(bob);
        assertEq(amount, 2 ether);
        assertEq(uint256(availableAt), T0 + 10 days + UNBONDING);
    }

    function test_requestWithdrawal_refusals() public {
        deposit(bob, 1 ether);
        vm.startPrank(bob);
        vm.expectRevert(IRecipientBonds.ZeroAmount.selector);
        bonds.requestWithdrawal(0);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.InsufficientBond.selector, bob, 1 ether, 1 ether + 1));
        bonds.requestWithdrawal(1 ether + 1);
        vm.stopPrank();
        assertEq(bonds.bondOf(bob), 1 ether, "state unchanged");
        (uint256 amount, ) = bonds.pendingWithdrawal(bob);
        assertEq(amount, 0);
    }

    function test_withdraw_nothingPending() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NoWithdrawalPending.selector, bob));
        bonds.withdraw();
    }

    function test_withdraw_reentrancyRefused() public {
        ReentrantRecipient r = new ReentrantRecipient(bonds);
        r.deposit{value: 2 ether}();
        r.requestWithdrawal(2 ether);
        vm.warp(T0 + UNBONDING);
        r.withdraw();
        assertFalse(r.innerSucceeded(), "re-entered withdraw succeeded");
        assertEq(address(r).balance, 2 ether, "paid once");
        assertBalanced();
    }

    function test_withdraw_failedPaymentKeepsThePending() public {
        RefusingOwner refuser = new RefusingOwner(); // as a recipient: deposits via prank
        vm.deal(address(refuser), 1 ether);
        vm.prank(address(refuser));
        bonds.depositBond{value: 1 ether}();
        vm.prank(address(refuser));
        bonds.requestWithdrawal(1 ether);
        vm.warp(T0 + UNBONDING);
        vm.prank(address(refuser));
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.PaymentFailed.selector, address(refuser)));
        bonds.withdraw();
        (uint256 amount, ) = bonds.pendingWithdrawal(address(refuser));
        assertEq(amount, 1 ether, "state unchanged");
        assertBalanced();
    }

    // ------------------------------------------------------------------ penalties

    function test_penalty_onlyPenaltyRole() public {
        deposit(bob, 1 ether);
        bytes32 role = bonds.PENALTY_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", alice, role));
        bonds.payPenalty(bob, alice, 1 ether, REASON);
        assertEq(bonds.bondOf(bob), 1 ether, "state unchanged");
    }

    function test_penalty_refusesZeroParties() public {
        deposit(bob, 1 ether);
        vm.startPrank(penaliser);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.InvalidPenaltyParty.selector, bob, address(0)));
        bonds.payPenalty(bob, address(0), 1 ether, REASON);
        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.InvalidPenaltyParty.selector, address(0), alice));
        bonds.payPenalty(address(0), alice, 1 ether, REASON);
        vm.stopPrank();
        assertEq(bonds.bondOf(bob), 1 ether, "state unchanged");
    }

    function test_penalty_paysOwnerFromBond() public {
        deposit(bob, 3 ether);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.PenaltyPaid(bob, alice, REASON, 1 ether, 0);
        vm.prank(penaliser);
        uint256 paid = bonds.payPenalty(bob, alice, 1 ether, REASON);
        assertEq(paid, 1 ether);
        assertEq(alice.balance, 1 ether);
        assertEq(bonds.bondOf(bob), 2 ether);
        assertBalanced();
    }

    function test_penalty_reachesPendingWithdrawal_noEscapeByUnbonding() public {
        deposit(bob, 3 ether);
        vm.prank(bob);
        bonds.requestWithdrawal(2.5 ether);
        vm.prank(penaliser);
        uint256 paid = bonds.payPenalty(bob, alice, 1 ether, REASON);
        assertEq(paid, 1 ether);
        assertEq(bonds.bondOf(bob), 0);
        (uint256 amount, ) = bonds.pendingWithdrawal(bob);
        assertEq(amount, 2 ether);
        assertBalanced();
    }

    function test_penalty_shortfall_whenBondTooSmall() public {
        deposit(bob, 1 ether);
        vm.prank(bob);
        bonds.requestWithdrawal(0.5 ether);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.PenaltyPaid(bob, alice, REASON, 1 ether, 0.5 ether);
        vm.prank(penaliser);
        uint256 paid = bonds.payPenalty(bob, alice, 1.5 ether, REASON);
        assertEq(paid, 1 ether);
        (uint256 amount, uint64 availableAt) = bonds.pendingWithdrawal(bob);
        assertEq(amount, 0);
        assertEq(uint256(availableAt), 0, "an emptied withdrawal is cleared");
        vm.prank(penaliser);
        paid = bonds.payPenalty(bob, alice, 1 ether, REASON); // nothing left: still recorded
        assertEq(paid, 0);
        assertEq(alice.balance, 1 ether);
        assertBalanced();
    }

    function test_penalty_refusingOwnerIsCredited_thenClaims() public {
        RefusingOwner owner = new RefusingOwner();
        deposit(bob, 2 ether);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.PenaltyCredited(address(owner), 1 ether, 1 ether);
        vm.prank(penaliser);
        uint256 paid = bonds.payPenalty(bob, address(owner), 1 ether, REASON);
        assertEq(paid, 1 ether, "the penalty is not blocked");
        assertEq(bonds.claimableOf(address(owner)), 1 ether);
        assertEq(bonds.bondOf(bob), 1 ether);
        assertBalanced();

        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.PaymentFailed.selector, address(owner)));
        owner.claim(bonds);
        assertEq(bonds.claimableOf(address(owner)), 1 ether, "state unchanged");

        owner.setAccept(true);
        vm.expectEmit(address(bonds));
        emit IRecipientBonds.PenaltyClaimed(address(owner), 1 ether);
        owner.claim(bonds);
        assertEq(address(owner).balance, 1 ether);
        assertEq(bonds.claimableOf(address(owner)), 0);
        assertBalanced();

        vm.expectRevert(abi.encodeWithSelector(IRecipientBonds.NothingToClaim.selector, address(owner)));
        owner.claim(bonds);
    }

    function test_penalty_gasBurningOwnerCannotBlock() public {
        GasBurningOwner owner = new GasBurningOwner();
        deposit(bob, 1 ether);
        vm.prank(penaliser);
        uint256 paid = bonds.payPenalty{gas: 300_000}(bob, address(owner), 1 ether, REASON);
        assertEq(paid, 1 ether);
        assertEq(bonds.claimableOf(address(owner)), 1 ether);
        assertBalanced();
    }

    function testFuzz_accountingBalances(uint96 a, uint96 b, uint96 w, uint96 p) public {
        uint256 da = bound(a, 1, 50 ether);
        uint256 db = bound(b, 1, 40 ether);
        deposit(bob, da);
        deposit(carol, db);
        uint256 ww = bound(w, 1, da);
        vm.prank(bob);
        bonds.requestWithdrawal(ww);
        vm.prank(penaliser);
        uint256 paid = bonds.payPenalty(bob, alice, bound(p, 0, 60 ether), REASON);
        assertLe(paid, da, "paid more than held");
        assertEq(alice.balance, paid);
        assertEq(bonds.bondOf(carol), db, "another recipient untouched");
        assertBalanced();
    }
}
