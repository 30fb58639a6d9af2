// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Recipient bonds (issues #5, #12): what a data recipient stakes to be held to account.
/// @notice A recipient deposits the chain's currency. Its bond is at stake only under consents whose
/// terms it accepted (IRecipientTerms), and only up to the accepted penalty per violation:
/// payPenalty and holdPenalty refuse anything else, whoever calls them. Withdrawing takes two
/// steps, and the second completes only once the recipient's obligations have ended
/// (IRecipientTerms.lockedUntil: the longest accepted consent's expiry + claim window + deletion
/// period + enforcement window), so a recipient cannot unbond ahead of a penalty. A contested leak
/// claim holds the penalty (it leaves the bond but is paid to no one) until the claim is settled.
/// The contracts that may charge bonds (CanaryRegistry, DeletionRequests) are named once by the
/// deployer; nobody can add another later. Accounting: address(this).balance == bonds + pending
/// withdrawals + held + unclaimed penalty credits (ETH forced in can only make the balance larger).
interface IRecipientBonds {
    /// @notice A penalty held while a leak claim is contested.
    struct Hold {
        address slasher; // the contract that holds it and alone may pay or release it
        address recipient;
        address owner;
        uint256 consentId;
        uint256 amount;
        bool open;
    }

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
    /// @notice `amount` of `recipient`'s bond is held for `consentId` (a contested claim; `shortfall` was missing).
    event PenaltyHeld(uint256 indexed holdId, address indexed recipient, uint256 indexed consentId, uint256 amount, uint256 shortfall);
    /// @notice A hold went back to the recipient's bond (the claim failed).
    event HoldReleased(uint256 indexed holdId, address indexed recipient, uint256 amount);
    /// @notice The direct payment of a penalty to `owner` failed; `amount` was credited to it instead.
    event PenaltyCredited(address indexed owner, uint256 amount, uint256 credit);
    /// @notice `owner` pulled its penalty credit.
    event PenaltyClaimed(address indexed owner, uint256 amount);
    /// @notice The deployer named the contracts that may charge bonds (once).
    event SlashersSet(address[] slashers);

    error ZeroAmount();
    error InsufficientBond(address recipient, uint256 bond, uint256 requested);
    error NoWithdrawalPending(address recipient);
    /// @notice The recipient's accepted obligations run until `until`.
    error WithdrawalLocked(address recipient, uint64 until);
    error PaymentFailed(address to);
    /// @notice The caller has no unclaimed penalty credit.
    error NothingToClaim(address owner);
    error InvalidDependency();
    /// @notice Only a contract the deployer named may charge bonds.
    error NotSlasher(address caller);
    error NotDeployer(address caller);
    error SlashersAlreadySet();
    /// @notice The consent's recipient never accepted its terms: its bond is not at stake there.
    error TermsNotAccepted(uint256 consentId);
    /// @notice More than the accepted penalty per violation.
    error PenaltyAboveTerms(uint256 consentId, uint256 amount, uint256 accepted);
    error UnknownHold(uint256 holdId);
    /// @notice The hold was paid or released already, or belongs to another slasher.
    error HoldNotOpen(uint256 holdId);

    /// @notice Adds msg.value to the caller's bond.
    function depositBond() external payable;

    /// @notice Starts unbonding `amount` (it stops counting as bond at once).
    function requestWithdrawal(uint256 amount) external;

    /// @notice Pays out the caller's unbonded amount once its obligations have ended.
    function withdraw() external;

    /// @notice Pays the consent's owner up to `amount` (≤ the accepted penalty) from the recipient's
    /// bond, then from its pending withdrawal (slashers only). Returns what was paid.
    function payPenalty(uint256 consentId, uint256 amount, bytes32 reason) external returns (uint256 paid);

    /// @notice Moves up to `amount` (≤ the accepted penalty) of the recipient's bond (then pending
    /// withdrawal) into a hold (slashers only). Returns the hold id and what is held.
    function holdPenalty(uint256 consentId, uint256 amount) external returns (uint256 holdId, uint256 held);

    /// @notice Pays a hold to the consent's owner (its slasher only). Returns what was paid.
    function payHold(uint256 holdId, bytes32 reason) external returns (uint256 paid);

    /// @notice Returns a hold to the recipient's bond (its slasher only).
    function releaseHold(uint256 holdId) external;

    /// @notice Pays the caller the penalties credited to it because a direct payment failed.
    function claimPenalty() external;

    /// @notice The deployer names the contracts that may charge bonds, once.
    function setSlashers(address[] calldata slashers) external;

    /// @notice The recipient's bond (excluding amounts being unbonded or held).
    function bondOf(address recipient) external view returns (uint256);

    /// @notice The recipient's amount being unbonded (0 = none) and the earliest time it can be
    /// withdrawn as things stand (a later acceptance can push it back).
    function pendingWithdrawal(address recipient) external view returns (uint256 amount, uint64 availableAt);

    /// @notice What is held of the recipient's bond for contested claims.
    function heldOf(address recipient) external view returns (uint256);

    /// @notice A hold (reverts UnknownHold).
    function hold(uint256 holdId) external view returns (Hold memory);

    /// @notice Penalties credited to `owner` and not claimed yet.
    function claimableOf(address owner) external view returns (uint256);

    /// @notice Whether `account` may charge bonds.
    function isSlasher(address account) external view returns (bool);

    /// @notice Sums over all accounts: bonds, pending withdrawals, holds, unclaimed credits.
    function totals() external view returns (uint256 bonded, uint256 pending, uint256 held, uint256 claimable);
}
