// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IDeviceOwnership, IDeviceOwnershipManagement} from "./interfaces/IDeviceOwnership.sol";
import {IDeviceKeys} from "./interfaces/IDeviceKeys.sol";
import {IPythiaFleet, IPythiaFleetTypes} from "./interfaces/IPythiaFleet.sol";

/// @title Device ownership: one ERC-721 token per device, moved only by offer and accept.
/// @notice Ideas of EIP-4519: the token is bound to the device, tokenId = uint256(uint160(device id)),
/// and the device itself signs who its owner is (acknowledgeOwner, with its current key). The fleet
/// mints the token at registration. Plain ERC-721 transfers and approvals are disabled: ownership
/// moves by `offerTransfer` (owner, device Active) and `acceptTransfer` (the offered party, device
/// still Active), which starts a new ownership epoch. Grants are keyed by the epoch, so a completed
/// transfer voids them all at once (here: managers; elsewhere: consents, firmware approvals, ...).
contract DeviceOwnership is ERC721, EIP712, IDeviceOwnershipManagement {
    /// @notice keccak256("OwnerAcknowledgement(address device,address owner,uint64 epoch)")
    bytes32 public constant OWNER_ACKNOWLEDGEMENT_TYPEHASH =
        keccak256("OwnerAcknowledgement(address device,address owner,uint64 epoch)");

    /// @notice The fleet: mints tokens, and is asked for device status and keys.
    IPythiaFleet public immutable fleet;

    /// @dev Per device, one slot: the epoch, the acknowledged epoch, and nothing else.
    struct Epochs {
        uint64 current;
        uint64 acknowledged;
    }

    mapping(address device => Epochs) private _epochs;
    mapping(address device => address to) private _offers;
    mapping(address device => mapping(uint64 epoch => mapping(address manager => bool))) private _managers;
    /// @dev Block time at which each epoch after the first began (the transfer that opened it).
    mapping(address device => mapping(uint64 epoch => uint64 startedAt)) private _epochStarts;

    /// @param fleet_ The PythiaFleet whose devices this contract tokenises (it must then be told
    /// about this contract with setDeviceOwnership).
    constructor(address fleet_) ERC721("Pythia Device", "PDEV") EIP712("Pythia Ownership", "1") {
        if (fleet_ == address(0)) revert InvalidFleet();
        fleet = IPythiaFleet(fleet_);
    }

    // ------------------------------------------------------------------ mint

    /// @inheritdoc IDeviceOwnershipManagement
    function mintDeviceToken(address device, address owner) external {
        if (msg.sender != address(fleet)) revert NotFleet(msg.sender);
        _epochs[device].current = 1;
        _mint(owner, tokenIdOf(device));
    }

    // ------------------------------------------------------------------ two-step transfer

    /// @inheritdoc IDeviceOwnershipManagement
    function offerTransfer(address device, address to) external {
        address owner = _requireOwner(device);
        if (to == address(0) || to == owner) revert InvalidRecipient(to);
        _requireActive(device);
        _offers[device] = to;
        emit TransferOffered(device, owner, to, _epochs[device].current);
    }

    /// @inheritdoc IDeviceOwnershipManagement
    function cancelOffer(address device) external {
        address owner = _requireOwner(device);
        address to = _offers[device];
        if (to == address(0)) revert NoPendingOffer(device);
        delete _offers[device];
        emit TransferOfferCancelled(device, owner, to);
    }

    /// @inheritdoc IDeviceOwnershipManagement
    function acceptTransfer(address device) external {
        address previousOwner = _requireToken(device);
        address to = _offers[device];
        if (to == address(0)) revert NoPendingOffer(device);
        if (to != msg.sender) revert NotOfferedTo(device, msg.sender);
        _requireActive(device);
        delete _offers[device];
        uint64 epoch = ++_epochs[device].current;
        _epochStarts[device][epoch] = uint64(block.timestamp);
        _transfer(previousOwner, to, tokenIdOf(device));
        emit OwnershipTransferred(device, previousOwner, to, epoch);
    }

    // ------------------------------------------------------------------ device acknowledgement

    /// @inheritdoc IDeviceOwnershipManagement
    function acknowledgeOwner(address device, uint64 epoch, bytes calldata signature) external {
        address owner = _requireToken(device);
        Epochs memory epochs = _epochs[device];
        if (epoch != epochs.current) revert WrongEpoch(device, epoch, epochs.current);
        if (epochs.acknowledged == epoch) revert AlreadyAcknowledged(device, epoch);
        if (fleet.deviceStatus(device) == IPythiaFleetTypes.DeviceStatus.Revoked) {
            revert DeviceNotActive(device, uint8(IPythiaFleetTypes.DeviceStatus.Revoked));
        }
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(
            _acknowledgementDigest(device, owner, epoch),
            signature
        );
        if (error != ECDSA.RecoverError.NoError || signer != IDeviceKeys(address(fleet)).deviceSigner(device)) {
            revert InvalidDeviceSignature(device);
        }
        _epochs[device].acknowledged = epoch;
        emit OwnerAcknowledged(device, owner, epoch);
    }

    // ------------------------------------------------------------------ managers

    /// @inheritdoc IDeviceOwnershipManagement
    function setManager(address device, address manager, bool allowed) external {
        address owner = _requireOwner(device);
        if (manager == address(0) || manager == owner) revert InvalidManager(manager);
        uint64 epoch = _epochs[device].current;
        _managers[device][epoch][manager] = allowed;
        emit ManagerSet(device, manager, allowed, epoch);
    }

    // ------------------------------------------------------------------ disabled ERC-721 paths

    /// @notice Disabled: ownership moves only by offerTransfer and acceptTransfer.
    function transferFrom(address, address, uint256) public pure override {
        revert UseOfferAndAccept();
    }

    /// @notice Disabled: ownership moves only by offerTransfer and acceptTransfer. (The three-argument
    /// safeTransferFrom comes here too.)
    function safeTransferFrom(address, address, uint256, bytes memory) public pure override {
        revert UseOfferAndAccept();
    }

    /// @notice Disabled: there are no ERC-721 approvals.
    function approve(address, uint256) public pure override {
        revert UseOfferAndAccept();
    }

    /// @notice Disabled: there are no ERC-721 operators.
    function setApprovalForAll(address, bool) public pure override {
        revert UseOfferAndAccept();
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDeviceOwnership
    function ownerOfDevice(address device) external view returns (address) {
        return _ownerOf(tokenIdOf(device));
    }

    /// @inheritdoc IDeviceOwnership
    function ownershipEpoch(address device) external view returns (uint64) {
        return _epochs[device].current;
    }

    /// @inheritdoc IDeviceOwnership
    function epochStartedAt(address device, uint64 epoch) external view returns (uint64) {
        return _epochStarts[device][epoch];
    }

    /// @inheritdoc IDeviceOwnershipManagement
    function acknowledgedEpoch(address device) external view returns (uint64) {
        return _epochs[device].acknowledged;
    }

    /// @inheritdoc IDeviceOwnershipManagement
    function isOwnerOrManager(address device, address account) external view returns (bool) {
        address owner = _ownerOf(tokenIdOf(device));
        if (owner == address(0)) return false;
        return account == owner || _managers[device][_epochs[device].current][account];
    }

    /// @inheritdoc IDeviceOwnershipManagement
    function pendingOffer(address device) external view returns (address) {
        return _offers[device];
    }

    /// @inheritdoc IDeviceOwnershipManagement
    function ownerAcknowledgementDigest(address device, address owner, uint64 epoch) external view returns (bytes32) {
        return _acknowledgementDigest(device, owner, epoch);
    }

    /// @inheritdoc IDeviceOwnershipManagement
    function tokenIdOf(address device) public pure returns (uint256) {
        return uint256(uint160(device));
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return
            interfaceId == type(IDeviceOwnership).interfaceId ||
            interfaceId == type(IDeviceOwnershipManagement).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internal

    function _acknowledgementDigest(address device, address owner, uint64 epoch) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(OWNER_ACKNOWLEDGEMENT_TYPEHASH, device, owner, epoch)));
    }

    /// @dev The device's owner; reverts UnknownDeviceToken if it has no token.
    function _requireToken(address device) private view returns (address owner) {
        owner = _ownerOf(tokenIdOf(device));
        if (owner == address(0)) revert UnknownDeviceToken(device);
    }

    /// @dev The device's owner, who must be the caller.
    function _requireOwner(address device) private view returns (address owner) {
        owner = _requireToken(device);
        if (owner != msg.sender) revert NotDeviceOwner(device, msg.sender);
    }

    /// @dev Theft resistance: suspended and revoked devices do not change hands.
    function _requireActive(address device) private view {
        IPythiaFleetTypes.DeviceStatus status = fleet.deviceStatus(device);
        if (status != IPythiaFleetTypes.DeviceStatus.Active) revert DeviceNotActive(device, uint8(status));
    }
}
