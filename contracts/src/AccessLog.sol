// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IAccessLog} from "./interfaces/IAccessLog.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRelayerTrust} from "./interfaces/IRelayerTrust.sol";
import {DeliveryBatches} from "./libraries/DeliveryBatches.sol";

/// @title Access log: data deliveries and commands relayed under consent, logged in batches.
/// @notice The gateway's relayer (LOGGER_ROLE) logs what it delivered and relayed. Each entry is
/// checked against its consent at the logging block (ConsentRegistry.checkConsent): a permitted
/// entry is logged (DeliveryLogged / CommandLogged), any other is recorded as EntryRefused with the
/// reason (IConsentRegistry.Refusal), and the batch goes on. So no delivery or command is ever
/// logged without a consent live at that block. The log is the events; besides them, each delivery
/// batch's Merkle root (DeliveryBatches) is stored with its block time and the bitmap of its refused
/// entries, because the CanaryRegistry accepts canary commitments only for deliveries recorded here
/// (a proof against that root, deliveryLoggedAt) and compares a leak's delivery time with the sharing
/// log (issue #12). One root per batch, not one slot per delivery: a delivery costs its consent
/// check, its event and two hashes.
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

    /// @dev Delivery batches with at least one logged entry: root => block time of logging.
    mapping(bytes32 batchRoot => uint256 loggedAt) private _batchLoggedAt;
    /// @dev Bit i set: entry i of that batch was refused (written only when some entry was).
    mapping(bytes32 batchRoot => uint256 bitmap) private _batchRefusals;

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
    /// The batch's root is stored once, with the first logging time: the same batch logged again
    /// keeps its first time and refusals (DeliveryBatchLogged is emitted only the first time).
    function logDeliveries(Delivery[] calldata deliveries) external onlyTrustedLogger returns (uint256 logged) {
        uint256 n = deliveries.length;
        _requireBatchSize(n);
        bytes32[] memory leaves = new bytes32[](n);
        uint256 refusals;
        for (uint256 i; i < n; ++i) {
            Delivery calldata d = deliveries[i];
            bytes32 key = keccak256(abi.encode(d));
            leaves[i] = DeliveryBatches.leaf(i, d.consentId, key);
            IConsentRegistry.Refusal refusal = d.streams == 0
                ? IConsentRegistry.Refusal.StreamNotCovered
                : consents.checkConsent(d.consentId, d.device, d.recipient, d.streams, 0);
            if (refusal == IConsentRegistry.Refusal.None) {
                emit DeliveryLogged(d.consentId, d.device, d.recipient, d.streams, d.readings, d.dataHash);
                ++logged;
            } else {
                refusals |= 1 << i;
                emit EntryRefused(d.consentId, d.device, key, uint8(refusal));
            }
        }
        if (logged == 0) return 0;
        bytes32 root = DeliveryBatches.root(leaves);
        if (_batchLoggedAt[root] != 0) return logged;
        _batchLoggedAt[root] = block.timestamp;
        if (refusals != 0) _batchRefusals[root] = refusals;
        emit DeliveryBatchLogged(root, n, refusals);
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
    function deliveryLoggedAt(DeliveryProof calldata p) external view returns (uint64) {
        uint256 loggedAt = _batchLoggedAt[p.batchRoot];
        if (loggedAt == 0 || p.index >= MAX_BATCH || (_batchRefusals[p.batchRoot] >> p.index) & 1 != 0) return 0;
        if (!MerkleProof.verifyCalldata(p.proof, p.batchRoot, DeliveryBatches.leaf(p.index, p.consentId, p.deliveryKey))) {
            return 0;
        }
        return uint64(loggedAt);
    }

    /// @inheritdoc IAccessLog
    function batchLoggedAt(bytes32 batchRoot) external view returns (uint64 loggedAt, uint256 refusals) {
        return (uint64(_batchLoggedAt[batchRoot]), _batchRefusals[batchRoot]);
    }

    /// @inheritdoc IAccessLog
    function batchRootOf(Delivery[] calldata deliveries) external pure returns (bytes32) {
        _requireBatchSize(deliveries.length);
        bytes32[] memory leaves = new bytes32[](deliveries.length);
        for (uint256 i; i < deliveries.length; ++i) {
            leaves[i] = DeliveryBatches.leaf(i, deliveries[i].consentId, keccak256(abi.encode(deliveries[i])));
        }
        return DeliveryBatches.root(leaves);
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
