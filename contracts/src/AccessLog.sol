// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IAccessLog} from "./interfaces/IAccessLog.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IRelayerTrust} from "./interfaces/IRelayerTrust.sol";

/// @title Access log: data deliveries and commands relayed under consent, logged in batches.
/// @notice The gateway's relayer (LOGGER_ROLE) logs what it delivered and relayed. Each entry is
/// checked against its consent at the logging block (ConsentRegistry.checkConsent): a permitted
/// entry is logged (DeliveryLogged / CommandLogged), any other is recorded as EntryRefused with the
/// reason (IConsentRegistry.Refusal), and the batch goes on. So no delivery or command is ever
/// logged without a consent live at that block. The log is the events; besides them, each logged
/// delivery's key (keccak256 of the entry) is stored with its consent and block time, because the
/// CanaryRegistry accepts canary commitments only for deliveries recorded here and compares a
/// leak's delivery time with the sharing log (issue #12).
/// @dev Roles: DEFAULT_ADMIN_ROLE (the council's timelock) grants LOGGER_ROLE. A logger must also be
/// bound to a trusted Pythia key (relayerTrust): revoking the key in the PythiaRegistry stops it.
contract AccessLog is AccessControlDefaultAdminRules, IAccessLog {
    /// @notice Who may log: the gateway's relayer account.
    bytes32 public constant LOGGER_ROLE = keccak256("LOGGER_ROLE");
    /// @notice Most entries per batch (bounds a transaction's gas).
    uint256 public constant MAX_BATCH = 256;

    /// @notice The consent registry every entry is checked against.
    IConsentRegistry public immutable consents;
    /// @notice The PythiaRegistry (IRelayerTrust), or zero for no such check.
    IRelayerTrust public immutable relayerTrust;

    /// @dev Logged deliveries: key => consent id << 64 | block time of logging.
    mapping(bytes32 deliveryKey => uint256) private _deliveries;

    /// @notice More than MAX_BATCH entries.
    error BatchTooLarge(uint256 count, uint256 max);
    /// @notice The admin or the consent registry address is zero.
    error InvalidDependency();

    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants LOGGER_ROLE): the council's timelock.
    /// @param adminDelay Seconds a handover of DEFAULT_ADMIN_ROLE waits (AccessControlDefaultAdminRules).
    /// @param consents_ The ConsentRegistry.
    /// @param relayerTrust_ The PythiaRegistry: a logger must be bound to a trusted Pythia key (zero: no check).
    constructor(
        address admin,
        uint48 adminDelay,
        IConsentRegistry consents_,
        IRelayerTrust relayerTrust_
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (address(consents_) == address(0)) revert InvalidDependency();
        consents = consents_;
        relayerTrust = relayerTrust_;
    }

    modifier onlyTrustedLogger() {
        _checkRole(LOGGER_ROLE);
        IRelayerTrust trust = relayerTrust;
        if (address(trust) != address(0) && !trust.isTrustedRelayer(msg.sender)) {
            revert IRelayerTrust.UntrustedRelayer(msg.sender);
        }
        _;
    }

    /// @inheritdoc IAccessLog
    /// @dev A delivery must name at least one stream; one naming none is refused as StreamNotCovered.
    /// A delivery logged twice (same key) keeps its first logging time.
    function logDeliveries(Delivery[] calldata deliveries) external onlyTrustedLogger returns (uint256 logged) {
        _requireBatchSize(deliveries.length);
        for (uint256 i; i < deliveries.length; ++i) {
            Delivery calldata d = deliveries[i];
            bytes32 key = keccak256(abi.encode(d));
            IConsentRegistry.Refusal refusal = d.streams == 0
                ? IConsentRegistry.Refusal.StreamNotCovered
                : consents.checkConsent(d.consentId, d.device, d.recipient, d.streams, 0);
            if (refusal == IConsentRegistry.Refusal.None) {
                // Consent ids are counters (far below 2^192) and block times fit 64 bits.
                if (_deliveries[key] == 0) _deliveries[key] = (d.consentId << 64) | block.timestamp;
                emit DeliveryLogged(d.consentId, d.device, d.recipient, d.streams, d.readings, d.dataHash);
                ++logged;
            } else {
                emit EntryRefused(d.consentId, d.device, key, uint8(refusal));
            }
        }
    }

    /// @inheritdoc IAccessLog
    /// @dev A command code must be a bit of the uint32 command mask (0..31); a higher code is refused
    /// as CommandNotCovered (no consent can cover it).
    function logCommands(CommandRecord[] calldata commands) external onlyTrustedLogger returns (uint256 logged) {
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

    /// @inheritdoc IAccessLog
    function deliveryRecord(bytes32 deliveryKey) external view returns (uint256 consentId, uint64 loggedAt) {
        uint256 record = _deliveries[deliveryKey];
        return (record >> 64, uint64(record));
    }

    /// @inheritdoc IAccessLog
    function deliveryKey(Delivery calldata delivery) external pure returns (bytes32) {
        return keccak256(abi.encode(delivery));
    }

    function _requireBatchSize(uint256 count) private pure {
        if (count == 0) revert EmptyBatch();
        if (count > MAX_BATCH) revert BatchTooLarge(count, MAX_BATCH);
    }
}
