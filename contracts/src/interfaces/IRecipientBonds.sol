// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Recipient bonds (issue #5): what a data recipient stakes to be held to account.
/// @notice A recipient deposits the chain's currency; withdrawal takes an unbonding delay so that a
/// pending penalty cannot be escaped. Contracts holding PENALTY_ROLE (CanaryRegistry,
/// DeletionRequests) pay a device owner from a bond when a violation is proven. A penalty is paid to
/// the owner directly; an owner that cannot receive it (a reverting contract) is credited instead and
/// pulls it with claimPenalty(), so that no owner can block a penalty. Accounting:
/// address(this).balance == sum of bonds + sum of pending withdrawals + sum of unclaimed penalty
/// credits, at all times (ETH forced in by selfdestruct can only make the balance larger).
interface IRecipientBonds {
    event BondDeposited(address indexed recipient, uint256 amount, uint256 bond);
    event WithdrawalRequested(address indexed recipient, uint256 amount, uint64 availableAt);
    event BondWithdrawn(address indexed recipient, uint256 amount);
    /// @notice `amount` of `recipient`'s bond went to `owner` for `reason` (`shortfall` could not be paid).
    event PenaltyPaid(
        address indexed recipient,
        address indexed owner,
        bytes32 indexed reason,
        uint256 amount,
        uint256 shortfall
    );

    error ZeroAmount();
    error InsufficientBond(address recipient, uint256 bond, uint256 requested);
    error NoWithdrawalPending(address recipient);
    error WithdrawalNotReady(address recipient, uint64 availableAt);
    error PaymentFailed(address to);
    /// @notice A penalty to the zero address, or from the zero address.
    error InvalidPenaltyParty(address recipient, address owner);
    /// @notice The caller has no unclaimed penalty credit.
    error NothingToClaim(address owner);
    /// @notice The unbonding delay given at construction is 0 or above MAX_UNBONDING_DELAY.
    error InvalidUnbondingDelay(uint64 delay);
    error InvalidAdmin();

    /// @notice The direct payment of a penalty to `owner` failed; `amount` was credited to it instead.
    event PenaltyCredited(address indexed owner, uint256 amount, uint256 credit);
    /// @notice `owner` pulled its penalty credit.
    event PenaltyClaimed(address indexed owner, uint256 amount);

    /// @notice Adds msg.value to the caller's bond.
    function depositBond() external payable;

    /// @notice Starts unbonding `amount` (it stops counting as bond at once).
    function requestWithdrawal(uint256 amount) external;

    /// @notice Pays out the caller's unbonded amount once the delay has passed.
    function withdraw() external;

    /// @notice The recipient's bond (excluding amounts being unbonded).
    function bondOf(address recipient) external view returns (uint256);

    /// @notice Pays `owner` up to `amount` from `recipient`'s bond (then from its pending withdrawal);
    /// PENALTY_ROLE only. Returns what was paid.
    function payPenalty(address recipient, address owner, uint256 amount, bytes32 reason) external returns (uint256 paid);

    /// @notice Pays the caller the penalties credited to it because a direct payment failed.
    function claimPenalty() external;

    /// @notice The recipient's amount being unbonded (0 = none) and when it can be withdrawn.
    function pendingWithdrawal(address recipient) external view returns (uint256 amount, uint64 availableAt);

    /// @notice Penalties credited to `owner` and not claimed yet.
    function claimableOf(address owner) external view returns (uint256);

    /// @notice Sums over all accounts: bonds, pending withdrawals, unclaimed credits.
    function totals() external view returns (uint256 bonded, uint256 pending, uint256 claimable);
}
