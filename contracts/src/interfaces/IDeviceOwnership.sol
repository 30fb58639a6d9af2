// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Device ownership: one ERC-721 token per device (issue #4).
/// @notice The functions other contracts rely on. Every grant an owner makes elsewhere (consents,
/// delegations, firmware approvals, update policies) is keyed by the device's ownership epoch, so
/// that a completed transfer voids all of them at once and the new owner starts clean.
interface IDeviceOwnership {
    /// @notice The current owner of a device's token; the zero address if the device has no token.
    function ownerOfDevice(address device) external view returns (address);

    /// @notice 0 for a device without a token; 1 from the mint; +1 at every completed transfer.
    function ownershipEpoch(address device) external view returns (uint64);

    /// @notice Block time of the transfer that opened `epoch` (0 for epoch 1, the mint, and for
    /// epochs not reached yet). The FeedMarket refunds a buyer from the moment a device changed hands.
    function epochStartedAt(address device, uint64 epoch) external view returns (uint64);
}

/// @title The ownership contract's own surface: the two-step transfer, acknowledgements, managers.
interface IDeviceOwnershipManagement is IDeviceOwnership {
    /// @notice Mints the token of a newly registered device to its first owner (the fleet only).
    function mintDeviceToken(address device, address owner) external;

    /// @notice The last ownership epoch the device itself acknowledged (0 = never).
    function acknowledgedEpoch(address device) external view returns (uint64);

    /// @notice Whether `account` is the device's owner, or a manager the owner appointed in the
    /// current ownership epoch.
    function isOwnerOrManager(address device, address account) external view returns (bool);

    /// @notice The owner offered the device to `to` (replacing any earlier offer).
    event TransferOffered(address indexed device, address indexed owner, address indexed to, uint64 epoch);
    /// @notice The owner withdrew the pending offer to `to`.
    event TransferOfferCancelled(address indexed device, address indexed owner, address indexed to);
    /// @notice `to` accepted: the token moved (with ERC-721 Transfer) and `epoch` began.
    event OwnershipTransferred(address indexed device, address indexed previousOwner, address indexed newOwner, uint64 epoch);
    /// @notice The device signed that `owner` is its owner in `epoch`.
    event OwnerAcknowledged(address indexed device, address indexed owner, uint64 epoch);
    /// @notice The owner appointed or dismissed a manager for the current epoch.
    event ManagerSet(address indexed device, address indexed manager, bool allowed, uint64 epoch);

    /// @notice Plain ERC-721 transfers and approvals are disabled: use offerTransfer / acceptTransfer.
    error UseOfferAndAccept();
    /// @notice Only the fleet mints tokens.
    error NotFleet(address caller);
    /// @notice The fleet address may not be zero.
    error InvalidFleet();
    /// @notice The device has no token (it was never registered with this ownership contract).
    error UnknownDeviceToken(address device);
    /// @notice The caller is not the device's owner.
    error NotDeviceOwner(address device, address caller);
    /// @notice The device is not Active (status as IPythiaFleetTypes.DeviceStatus): suspended and
    /// revoked devices cannot change hands.
    error DeviceNotActive(address device, uint8 status);
    /// @notice The recipient of an offer may not be zero or the owner.
    error InvalidRecipient(address to);
    /// @notice The device has no pending transfer offer.
    error NoPendingOffer(address device);
    /// @notice The pending offer names someone else.
    error NotOfferedTo(address device, address caller);
    /// @notice An acknowledgement must name the current epoch.
    error WrongEpoch(address device, uint64 epoch, uint64 current);
    /// @notice The current epoch was already acknowledged.
    error AlreadyAcknowledged(address device, uint64 epoch);
    /// @notice The signature is not a valid low-s signature by the device's current key.
    error InvalidDeviceSignature(address device);
    /// @notice A manager may not be zero or the owner.
    error InvalidManager(address manager);

    /// @notice Offers the device to `to`; the token moves when `to` accepts. Owner only; the device
    /// must be Active (theft resistance: a suspended or revoked device cannot be sold on).
    function offerTransfer(address device, address to) external;

    /// @notice Withdraws the pending offer (owner only).
    function cancelOffer(address device) external;

    /// @notice Accepts the pending offer (the offered party only, device still Active): moves the
    /// token, starts a new ownership epoch (voiding every earlier grant) and clears the offer.
    function acceptTransfer(address device) external;

    /// @notice Records the device's own acknowledgement of its current owner, relayed by anyone
    /// (a Pythia). `signature` is EIP-712 OwnerAcknowledgement(address device,address owner,uint64 epoch)
    /// by the device's current key (domain "Pythia Ownership", "1"), naming the current owner and epoch.
    function acknowledgeOwner(address device, uint64 epoch, bytes calldata signature) external;

    /// @notice Appoints (`allowed`) or dismisses a manager for the current ownership epoch (owner only).
    /// A completed transfer voids every appointment at once.
    function setManager(address device, address manager, bool allowed) external;

    /// @notice The party a pending offer names (zero if none).
    function pendingOffer(address device) external view returns (address);

    /// @notice The EIP-712 digest a device signs to acknowledge `owner` in `epoch`.
    function ownerAcknowledgementDigest(address device, address owner, uint64 epoch) external view returns (bytes32);

    /// @notice The ERC-721 token id of a device: uint256(uint160(device)).
    function tokenIdOf(address device) external pure returns (uint256);
}
