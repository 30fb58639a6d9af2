// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRecipientBonds} from "./interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "./interfaces/IRecipientTerms.sol";

/// @title Recipient bonds (issues #5, #12): the stake a data recipient puts up to be held to account.
/// @notice A recipient deposits the chain's currency. Withdrawing takes two steps: requestWithdrawal
/// moves an amount out of the bond at once (it no longer counts towards a policy's minimum bond);
/// withdraw pays it out once the recipient's accepted obligations have ended
/// (IRecipientTerms.lockedUntil), read when withdraw is called, so no setting can be shorter than
/// the obligations it must cover. A penalty takes from the bond first, then from the pending
/// withdrawal. Only under accepted terms and only up to the accepted penalty: payPenalty and
/// holdPenalty check both with IRecipientTerms.liability, whichever slasher calls.
/// The slashers (CanaryRegistry, DeletionRequests) are named once by the deployer; there is no admin
/// and no role that could later be granted to an account to seize bonds. A penalty goes straight to
/// the owner with a bounded amount of gas; an owner that does not accept it is credited instead
/// (claimPenalty), so an owner can never block its own penalty, nor make the caller run out of gas.
/// Accounting (invariant-tested): balance == totalBonded + totalPending + totalHeld + totalClaimable.
contract RecipientBonds is ReentrancyGuard, IRecipientBonds {
    /// @notice Gas given to the owner's account when a penalty is paid directly; if it needs more
    /// (or reverts), the penalty is credited instead.
    uint256 public constant PAYMENT_GAS = 30_000;

    /// @notice What each recipient accepted, and until when its bond is locked.
    IRecipientTerms public immutable terms;
    address private immutable _deployer;

    struct Withdrawal {
        uint192 amount;
        uint64 requestedAt;
    }

    /// @dev A hold as stored: 4 slots (amount ≤ an accepted penalty < 2^128; consent ids are counters).
    struct StoredHold {
        address slasher;
        bool open;
        address recipient;
        address owner;
        uint128 consentId;
        uint128 amount;
    }

    mapping(address recipient => uint256) private _bonds;
    mapping(address recipient => Withdrawal) private _pending;
    mapping(address recipient => uint256) private _heldOf;
    mapping(address owner => uint256) private _claimable;
    mapping(address slasher => bool) private _slashers;
    mapping(uint256 holdId => StoredHold) private _holds;
    bool private _slashersSet;
    uint256 private _holdCount;
    uint256 private _totalBonded;
    uint256 private _totalPending;
    uint256 private _totalHeld;
    uint256 private _totalClaimable;

    modifier onlySlasher() {
        if (!_slashers[msg.sender]) revert NotSlasher(msg.sender);
        _;
    }

    /// @param terms_ The RecipientTerms: acceptances, accepted penalties and bond locks.
    constructor(IRecipientTerms terms_) {
        if (address(terms_) == address(0)) revert InvalidDependency();
        terms = terms_;
        _deployer = msg.sender;
    }

    /// @inheritdoc IRecipientBonds
    function setSlashers(address[] calldata slashers) external {
        if (msg.sender != _deployer) revert NotDeployer(msg.sender);
        if (_slashersSet) revert SlashersAlreadySet();
        _slashersSet = true;
        for (uint256 i; i < slashers.length; ++i) {
            if (slashers[i] == address(0)) revert InvalidDependency();
            _slashers[slashers[i]] = true;
        }
        emit SlashersSet(slashers);
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
    /// @dev Adds to an earlier pending amount.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 bond = _bonds[msg.sender];
        if (amount > bond) revert InsufficientBond(msg.sender, bond, amount);
        _bonds[msg.sender] = bond - amount;
        _totalBonded -= amount;
        Withdrawal storage w = _pending[msg.sender];
        // The sum of one account's deposits cannot exceed the currency's supply, far below 2^192.
        w.amount += uint192(amount);
        w.requestedAt = uint64(block.timestamp);
        _totalPending += amount;
        emit WithdrawalRequested(msg.sender, amount, _availableAt(msg.sender));
    }

    /// @inheritdoc IRecipientBonds
    function withdraw() external nonReentrant {
        Withdrawal memory w = _pending[msg.sender];
        if (w.amount == 0) revert NoWithdrawalPending(msg.sender);
        uint64 until = terms.lockedUntil(msg.sender);
        if (block.timestamp < until) revert WithdrawalLocked(msg.sender, until);
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
        uint256 consentId,
        uint256 amount,
        bytes32 reason
    ) external onlySlasher nonReentrant returns (uint256 paid) {
        IRecipientTerms.Liability memory l = _liability(consentId, amount);
        paid = _take(l.recipient, amount);
        emit PenaltyPaid(l.recipient, l.owner, reason, paid, amount - paid);
        _pay(l.owner, paid);
    }

    /// @inheritdoc IRecipientBonds
    function holdPenalty(uint256 consentId, uint256 amount) external onlySlasher returns (uint256 holdId, uint256 held) {
        IRecipientTerms.Liability memory l = _liability(consentId, amount);
        held = _take(l.recipient, amount);
        holdId = ++_holdCount;
        _holds[holdId] = StoredHold({
            slasher: msg.sender,
            open: true,
            recipient: l.recipient,
            owner: l.owner,
            consentId: uint128(consentId),
            amount: uint128(held)
        });
        _heldOf[l.recipient] += held;
        _totalHeld += held;
        emit PenaltyHeld(holdId, l.recipient, consentId, held, amount - held);
    }

    /// @inheritdoc IRecipientBonds
    function payHold(uint256 holdId, bytes32 reason) external nonReentrant returns (uint256 paid) {
        StoredHold storage h = _openHold(holdId);
        paid = h.amount;
        _closeHold(h);
        emit PenaltyPaid(h.recipient, h.owner, reason, paid, 0);
        _pay(h.owner, paid);
    }

    /// @inheritdoc IRecipientBonds
    function releaseHold(uint256 holdId) external {
        StoredHold storage h = _openHold(holdId);
        uint256 amount = h.amount;
        _closeHold(h);
        _bonds[h.recipient] += amount;
        _totalBonded += amount;
        emit HoldReleased(holdId, h.recipient, amount);
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
        amount = _pending[recipient].amount;
        if (amount != 0) availableAt = _availableAt(recipient);
    }

    /// @inheritdoc IRecipientBonds
    function heldOf(address recipient) external view returns (uint256) {
        return _heldOf[recipient];
    }

    /// @inheritdoc IRecipientBonds
    function hold(uint256 holdId) external view returns (Hold memory) {
        StoredHold storage h = _holds[holdId];
        if (h.slasher == address(0)) revert UnknownHold(holdId);
        return Hold(h.slasher, h.recipient, h.owner, h.consentId, h.amount, h.open);
    }

    /// @inheritdoc IRecipientBonds
    function claimableOf(address owner) external view returns (uint256) {
        return _claimable[owner];
    }

    /// @inheritdoc IRecipientBonds
    function isSlasher(address account) external view returns (bool) {
        return _slashers[account];
    }

    /// @inheritdoc IRecipientBonds
    function totals() external view returns (uint256 bonded, uint256 pending, uint256 held, uint256 claimable) {
        return (_totalBonded, _totalPending, _totalHeld, _totalClaimable);
    }

    // ------------------------------------------------------------------ internal

    /// @dev The consent's liability, refusing a penalty its recipient did not accept.
    function _liability(uint256 consentId, uint256 amount) private view returns (IRecipientTerms.Liability memory l) {
        l = terms.liability(consentId);
        if (!l.accepted) revert TermsNotAccepted(consentId);
        if (amount > l.penaltyWei) revert PenaltyAboveTerms(consentId, amount, l.penaltyWei);
    }

    /// @dev Takes up to `amount` from the recipient's bond, then from its pending withdrawal.
    function _take(address recipient, uint256 amount) private returns (uint256 taken) {
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
                _totalPending -= fromPending;
            }
        }
        taken = fromBond + fromPending;
    }

    /// @dev Pays `owner` directly with PAYMENT_GAS, or credits it when that fails.
    function _pay(address owner, uint256 amount) private {
        if (amount == 0) return;
        (bool ok, ) = payable(owner).call{value: amount, gas: PAYMENT_GAS}("");
        if (!ok) {
            uint256 credit = _claimable[owner] + amount;
            _claimable[owner] = credit;
            _totalClaimable += amount;
            emit PenaltyCredited(owner, amount, credit);
        }
    }

    function _openHold(uint256 holdId) private view returns (StoredHold storage h) {
        h = _holds[holdId];
        if (h.slasher == address(0)) revert UnknownHold(holdId);
        if (!h.open || h.slasher != msg.sender) revert HoldNotOpen(holdId);
    }

    function _closeHold(StoredHold storage h) private {
        h.open = false;
        uint256 amount = h.amount;
        _heldOf[h.recipient] -= amount;
        _totalHeld -= amount;
    }

    function _availableAt(address recipient) private view returns (uint64) {
        uint64 until = terms.lockedUntil(recipient);
        return until > block.timestamp ? until : uint64(block.timestamp);
    }
}
