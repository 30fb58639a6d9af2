// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Access log (issue #5): data deliveries and commands the Pythia relayed under consent.
/// @notice The gateway (LOGGER_ROLE) logs in batches. An entry is logged only if its consent
/// permits it at the logging block (ConsentRegistry.checkConsent); otherwise it is recorded as
/// refused with the reason, and the rest of the batch goes on. So no delivery or command is ever
/// logged without a consent live at that block. Each delivery batch's Merkle root is kept with its
/// time and refusals (libraries/DeliveryBatches.sol): a delivery is proven logged by a proof against
/// it (deliveryLoggedAt), and canaries may be committed only for deliveries so proven.
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

    /// @notice That entry `index` of the delivery batch with root `batchRoot` was the delivery with
    /// key `deliveryKey` (keccak256(abi.encode(delivery))) under `consentId`: `proof` is the Merkle
    /// path of its leaf (DeliveryBatches.leaf) for OpenZeppelin's MerkleProof.
    struct DeliveryProof {
        bytes32 batchRoot;
        uint256 index;
        uint256 consentId;
        bytes32 deliveryKey;
        bytes32[] proof;
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
    /// @notice A delivery batch with at least one logged entry, first logged now: its Merkle root, how
    /// many entries it had and the bitmap of the refused ones (bit i: entry i).
    event DeliveryBatchLogged(bytes32 indexed batchRoot, uint256 entries, uint256 refusals);
    /// @notice An entry the consent did not permit at this block (refusal: IConsentRegistry.Refusal).
    event EntryRefused(uint256 indexed consentId, address indexed device, bytes32 entryHash, uint8 refusal);

    error EmptyBatch();

    /// @notice Logs deliveries (LOGGER_ROLE); returns how many were logged.
    function logDeliveries(Delivery[] calldata deliveries) external returns (uint256 logged);

    /// @notice Logs relayed commands (LOGGER_ROLE); returns how many were logged.
    function logCommands(CommandRecord[] calldata commands) external returns (uint256 logged);

    /// @notice The block time at which the proven delivery was logged: 0 unless the batch was logged,
    /// the proof holds and that entry was not refused.
    function deliveryLoggedAt(DeliveryProof calldata proof) external view returns (uint64 loggedAt);

    /// @notice A delivery batch by its root: when it was first logged (0: never, or nothing in it was)
    /// and the bitmap of its refused entries.
    function batchLoggedAt(bytes32 batchRoot) external view returns (uint64 loggedAt, uint256 refusals);

    /// @notice The Merkle root logDeliveries stores for `deliveries` (DeliveryBatches).
    function batchRootOf(Delivery[] calldata deliveries) external pure returns (bytes32);

    /// @notice keccak256(abi.encode(delivery)): the key a canary commitment names.
    function deliveryKey(Delivery calldata delivery) external pure returns (bytes32);
}
