// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Access log (issue #5): data deliveries and commands the Pythia relayed under consent.
/// @notice The gateway (LOGGER_ROLE) logs in batches. An entry is logged only if its consent
/// permits it at the logging block (ConsentRegistry.checkConsent); otherwise it is recorded as
/// refused with the reason, and the rest of the batch goes on. So no delivery or command is ever
/// logged without a consent live at that block. A logged delivery's key, consent and time are kept
/// (deliveryRecord): canaries may be committed only for deliveries logged here.
interface IAccessLog {
    /// @notice Data the gateway delivered to a recipient: which streams of which device, the hash of
    /// exactly what was delivered (see docs/protocol.md) and how many readings.
    struct Delivery {
        uint256 consentId;
        address device;
        address recipient;
        uint32 streams;
        uint32 readings;
        bytes32 dataHash;
    }

    /// @notice A command the gateway relayed to a device for a recipient.
    struct CommandRecord {
        uint256 consentId;
        address device;
        address recipient;
        uint8 command;
        bytes32 commandHash; // keccak256 of the recipient-signed command message
    }

    event DeliveryLogged(
        uint256 indexed consentId,
        address indexed device,
        address indexed recipient,
        uint32 streams,
        uint32 readings,
        bytes32 dataHash
    );
    event CommandLogged(
        uint256 indexed consentId,
        address indexed device,
        address indexed recipient,
        uint8 command,
        bytes32 commandHash
    );
    /// @notice An entry the consent did not permit at this block (refusal: IConsentRegistry.Refusal).
    event EntryRefused(uint256 indexed consentId, address indexed device, bytes32 entryHash, uint8 refusal);

    error EmptyBatch();

    /// @notice Logs deliveries (LOGGER_ROLE); returns how many were logged.
    function logDeliveries(Delivery[] calldata deliveries) external returns (uint256 logged);

    /// @notice Logs relayed commands (LOGGER_ROLE); returns how many were logged.
    function logCommands(CommandRecord[] calldata commands) external returns (uint256 logged);

    /// @notice A logged delivery (by deliveryKey): its consent and the block time it was logged at;
    /// (0, 0) for a key never logged (or refused).
    function deliveryRecord(bytes32 deliveryKey) external view returns (uint256 consentId, uint64 loggedAt);

    /// @notice keccak256(abi.encode(delivery)): the key a canary commitment names.
    function deliveryKey(Delivery calldata delivery) external pure returns (bytes32);
}
