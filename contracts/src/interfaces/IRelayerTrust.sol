// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Whether an account may relay for a trusted Pythia (issue #12, "roles follow trust").
/// @notice The PythiaRegistry binds each relayer account (the account that sends a gateway's
/// transactions) to one Pythia key. The fleet (submitReadings), the AccessLog (logDeliveries,
/// logCommands) and the CanaryRegistry (commitCanaries) ask it on every call, on top of their own
/// role: revoking the Pythia key (or the measurement it was attested with) takes the relayer's
/// powers away in the same transaction, without anyone having to revoke three roles.
interface IRelayerTrust {
    /// @notice The caller holds the relayer role but is not bound to a trusted Pythia key.
    error UntrustedRelayer(address account);

    /// @notice True while `account` is bound to a Pythia key that is trusted (registered, not revoked,
    /// and, when attested, its measurement still approved).
    function isTrustedRelayer(address account) external view returns (bool);
}
