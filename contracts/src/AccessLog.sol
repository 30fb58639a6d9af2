// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessLog} from "./interfaces/IAccessLog.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";

/// @title Access log: data deliveries and commands relayed under consent, logged in batches.
/// @notice The gateway's relayer (LOGGER_ROLE) logs what it delivered and relayed. Each entry is
/// checked against its consent at the logging block (ConsentRegistry.checkConsent): a permitted
/// entry is logged (DeliveryLogged / CommandLogged), any other is recorded as EntryRefused with the
/// reason (IConsentRegistry.Refusal), and the batch goes on. So no delivery or command is ever
/// logged without a consent live at that block. The log is the events; nothing else is stored.
/// @dev Roles: DEFAULT_ADMIN_ROLE grants LOGGER_ROLE.
contract AccessLog is AccessControl, IAccessLog {
    /// @notice Who may log: the gateway's relayer account.
    bytes32 public constant LOGGER_ROLE = keccak256("LOGGER_ROLE");
    /// @notice Most entries per batch (bounds a transaction's gas).
    uint256 public constant MAX_BATCH = 256;

    /// @notice The consent registry every entry is checked against.
    IConsentRegistry public immutable consents;

    /// @notice More than MAX_BATCH entries.
    error BatchTooLarge(uint256 count, uint256 max);
    /// @notice The admin or the consent registry address is zero.
    error InvalidDependency();

    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants LOGGER_ROLE).
    /// @param consents_ The ConsentRegistry.
    constructor(address admin, IConsentRegistry consents_) {
        if (admin == address(0) || address(consents_) == address(0)) revert InvalidDependency();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        consents = consents_;
    }

    /// @inheritdoc IAccessLog
    /// @dev A delivery must name at least one stream; one naming none is refused as StreamNotCovered.
    function logDeliveries(Delivery[] calldata deliveries) external onlyRole(LOGGER_ROLE) returns (uint256 logged) {
        _requireBatchSize(deliveries.length);
        for (uint256 i; i < deliveries.length; ++i) {
            Delivery calldata d = deliveries[i];
            IConsentRegistry.Refusal refusal = d.streams == 0
                ? IConsentRegistry.Refusal.StreamNotCovered
                : consents.checkConsent(d.consentId, d.device, d.recipient, d.streams, 0);
            if (refusal == IConsentRegistry.Refusal.None) {
                emit DeliveryLogged(d.consentId, d.device, d.recipient, d.streams, d.readings, d.dataHash);
                ++logged;
            } else {
                emit EntryRefused(d.consentId, d.device, keccak256(abi.encode(d)), uint8(refusal));
            }
        }
    }

    /// @inheritdoc IAccessLog
    /// @dev A command code must be a bit of the uint32 command mask (0..31); a higher code is refused
    /// as CommandNotCovered (no consent can cover it).
    function logCommands(CommandRecord[] calldata commands) external onlyRole(LOGGER_ROLE) returns (uint256 logged) {
        _requireBatchSize(commands.length);
        for (uint256 i; i < commands.length; ++i) {
            CommandRecord calldata c = commands[i];
            IConsentRegistry.Refusal refusal = c.command >= 32
                ? IConsentRegistry.Refusal.CommandNotCovered
                : consents.checkConsent(c.consentId, c.device, c.recipient, 0, uint32(1) << c.command);
            if (refusal == IConsentRegistry.Refusal.None) {
                emit CommandLogged(c.consentId, c.device, c.recipient, c.command, c.commandHash);
                ++logged;
            } else {
                emit EntryRefused(c.consentId, c.device, keccak256(abi.encode(c)), uint8(refusal));
            }
        }
    }

    function _requireBatchSize(uint256 count) private pure {
        if (count == 0) revert EmptyBatch();
        if (count > MAX_BATCH) revert BatchTooLarge(count, MAX_BATCH);
    }
}
