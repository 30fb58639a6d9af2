// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title The council's timelock (issue #12): OpenZeppelin's TimelockController, deployed as is.
/// @notice It holds DEFAULT_ADMIN_ROLE of every Pythia contract that has roles, so every change of
/// who may act (granting or revoking a role, setting the consent revocation hook, handing the admin
/// role over) is scheduled in public and executed no sooner than `getMinDelay()` later. Proposers,
/// executors and cancellers are the council's admin account (its multisig in a council deployment).
/// docs/operations.md ("Who holds which role") says who holds what; src/chain/deploy.ts sets it up.
contract PythiaTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling and executing an operation.
    /// @param proposers Accounts that schedule (and cancel) operations.
    /// @param executors Accounts that execute ready operations (address(0) = anyone).
    /// @param admin Optional account that may manage the timelock's roles during set-up; zero = none.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
