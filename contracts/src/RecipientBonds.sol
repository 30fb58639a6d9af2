// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRecipientBonds} from "./interfaces/IRecipientBonds.sol";

/// @title Recipient bonds (issue #5): the stake a data recipient puts up to be held to account.
/// @notice A recipient deposits the chain's currency. Withdrawing takes two steps: requestWithdrawal
/// moves an amount out of the bond at once (it no longer counts towards a policy's minimum bond)
/// and starts the unbonding delay; withdraw pays it out after the delay. A penalty takes from the
/// bond first, then from the pending withdrawal, so a recipient that sees a violation coming cannot
/// escape it by unbonding. Contracts that prove violations (CanaryRegistry, DeletionRequests)
/// hold PENALTY_ROLE; the penalty goes straight to the owner with a bounded amount
/// of gas, and an owner that does not accept it is credited instead (claimPenalty), so an owner can
/// never block its own penalty, nor make the caller run out of gas.
/// Accounting (invariant-tested): balance == totalBonded + totalPending + totalClaimable.
contract RecipientBonds is AccessControl, ReentrancyGuard, IRecipientBonds {
    /// @notice Role of the contracts that may pay penalties from bonds.
    bytes32 public constant PENALTY_ROLE = keccak256("PENALTY_ROLE");
    /// @notice Longest unbonding delay accepted at construction.
    uint64 public constant MAX_UNBONDING_DELAY = 365 days;
    /// @notice Gas given to the owner's account when a penalty is paid directly; if it needs more
    /// (or reverts), the penalty is credited instead.
    uint256 public constant PAYMENT_GAS = 30_000;

    /// @notice Seconds between requestWithdrawal and the earliest withdraw.
    uint64 public immutable unbondingDelay;

    struct Withdrawal {
        uint192 amount;
        uint64 availableAt;
    }

    mapping(address recipient => uint256) private _bonds;
    mapping(address recipient => Withdrawal) private _pending;
    mapping(address owner => uint256) private _claimable;
    uint256 private _totalBonded;
    uint256 private _totalPending;
    uint256 private _totalClaimable;

    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants PENALTY_ROLE to the accountability contracts).
    /// @param unbondingDelay_ Seconds a withdrawal waits (1 .. MAX_UNBONDING_DELAY); choose it longer
    /// than the longest deletion period, so that a penalty due can still reach the money.
    constructor(address admin, uint64 unbondingDelay_) {
        if (admin == address(0)) revert InvalidAdmin();
        if (unbondingDelay_ == 0 || unbondingDelay_ > MAX_UNBONDING_DELAY) {
            revert InvalidUnbondingDelay(unbondingDelay_);
        }
        unbondingDelay = unbondingDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ recipients

    /// @inheritdoc IRecipientBonds
    function depositBond() external payable {
        if (msg.value == 0) revert ZeroAmount();
        uint256 bond = _bonds[msg.sender] + msg.value;
        _bonds[msg.sender] = bond;
        _totalBonded += msg.value;
        emit BondDeposited(msg.sender, msg.value, bond);
    }

    /// @inheritdoc IRecipientBonds
    /// @dev Adds to an earlier pending amount and restarts the delay for all of it.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 bond = _bonds[msg.sender];
        if (amount > bond) revert InsufficientBond(msg.sender, bond, amount);
        _bonds[msg.sender] = bond - amount;
        _totalBonded -= amount;
        Withdrawal storage w = _pending[msg.sender];
        uint64 availableAt = uint64(block.timestamp) + unbondingDelay;
        // The sum of one account's deposits cannot exceed the currency's supply, far below 2^192.
        w.amount += uint192(amount);
        w.availableAt = availableAt;
        _totalPending += amount;
        emit WithdrawalRequested(msg.sender, amount, availableAt);
    }

    /// @inheritdoc IRecipientBonds
    function withdraw() external nonReentrant {
        Withdrawal memory w = _pending[msg.sender];
        if (w.amount == 0) revert NoWithdrawalPending(msg.sender);
        if (block.timestamp < w.availableAt) revert WithdrawalNotReady(msg.sender, w.availableAt);
        delete _pending[msg.sender];
        _totalPending -= w.amount;
        emit BondWithdrawn(msg.sender, w.amount);
        (bool ok, ) = payable(msg.sender).call{value: w.amount}("");
        if (!ok) revert PaymentFailed(msg.sender);
    }

    // ------------------------------------------------------------------ penalties

    /// @inheritdoc IRecipientBonds
    /// @dev A zero amount or an empty bond pays nothing and still emits PenaltyPaid (with the
    /// shortfall), so that every proven violation leaves the same trace.
    function payPenalty(
        address recipient,
        address owner,
        uint256 amount,
        bytes32 reason
    ) external onlyRole(PENALTY_ROLE) nonReentrant returns (uint256 paid) {
        if (recipient == address(0) || owner == address(0)) revert InvalidPenaltyParty(recipient, owner);
        uint256 bond = _bonds[recipient];
        uint256 fromBond = amount < bond ? amount : bond;
        if (fromBond != 0) {
            _bonds[recipient] = bond - fromBond;
            _totalBonded -= fromBond;
        }
        uint256 fromPending;
        if (fromBond < amount) {
            Withdrawal storage w = _pending[recipient];
            uint256 pending = w.amount;
            uint256 rest = amount - fromBond;
            fromPending = rest < pending ? rest : pending;
            if (fromPending != 0) {
                w.amount = uint192(pending - fromPending);
                if (pending == fromPending) w.availableAt = 0;
                _totalPending -= fromPending;
            }
        }
        paid = fromBond + fromPending;
        emit PenaltyPaid(recipient, owner, reason, paid, amount - paid);
        if (paid == 0) return 0;
        (bool ok, ) = payable(owner).call{value: paid, gas: PAYMENT_GAS}("");
        if (!ok) {
            uint256 credit = _claimable[owner] + paid;
            _claimable[owner] = credit;
            _totalClaimable += paid;
            emit PenaltyCredited(owner, paid, credit);
        }
    }

    /// @inheritdoc IRecipientBonds
    function claimPenalty() external nonReentrant {
        uint256 amount = _claimable[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        _claimable[msg.sender] = 0;
        _totalClaimable -= amount;
        emit PenaltyClaimed(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert PaymentFailed(msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRecipientBonds
    function bondOf(address recipient) external view returns (uint256) {
        return _bonds[recipient];
    }

    /// @inheritdoc IRecipientBonds
    function pendingWithdrawal(address recipient) external view returns (uint256 amount, uint64 availableAt) {
        Withdrawal memory w = _pending[recipient];
        return (w.amount, w.availableAt);
    }

    /// @inheritdoc IRecipientBonds
    function claimableOf(address owner) external view returns (uint256) {
        return _claimable[owner];
    }

    /// @inheritdoc IRecipientBonds
    function totals() external view returns (uint256 bonded, uint256 pending, uint256 claimable) {
        return (_totalBonded, _totalPending, _totalClaimable);
    }
}
