// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IDeviceRegistry} from "./interfaces/IPythiaFleet.sol";
import {IDeviceKeys, IDeviceKeyLifecycle} from "./interfaces/IDeviceKeys.sol";
import {IDeviceOwnershipManagement} from "./interfaces/IDeviceOwnership.sol";
import {DeviceRecords} from "./libraries/DeviceRecords.sol";

/// @title Device registry: identities (public keys), status and the AAA roles.
/// @notice A device is registered by its 64-byte secp256k1 public key X ‖ Y; its id is the key's
/// Ethereum address, so an id always belongs to exactly one key. Status: Active ⇄ Suspended → Revoked,
/// and Revoked is final (the key can never be registered again).
/// @dev The device record is one packed word (see DeviceRecords) shared with the reading inspection:
/// status and reading state live in the same slot so that a reading touches one cold slot.
/// Key rotation (issue #4) keeps the id and replaces the key: the record's KEY_ROTATED bit says that
/// the stored signer, not the id's key, signs the device's readings. Every key ever registered or
/// rotated in stays burned: its address is a device id (a record exists) or is in `_keyDevices`.
/// Every registration mints the device's ownership token when an ownership contract is set.
/// DEFAULT_ADMIN_ROLE follows OpenZeppelin's AccessControlDefaultAdminRules (one holder, handed over in
/// two steps with a delay); the deployable contract passes its holder and delay to its constructor.
/// Derived contracts plug in through the hooks `_classExists`, `_afterReinstate` and `_describeDevice`.
abstract contract DeviceRegistry is AccessControlDefaultAdminRules, IDeviceKeyLifecycle, IDeviceRegistry {
    using DeviceRecords for uint256;

    /// @notice Council staff: registers devices, sets profiles, suspends, reinstates and revokes.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Provisions device identities (registration only).
    bytes32 public constant MANUFACTURER_ROLE = keccak256("MANUFACTURER_ROLE");
    /// @notice A gateway (Pythia) that relays device-signed readings.
    bytes32 public constant RELAYER_ROLE = keccak256("RELAYER_ROLE");
    /// @notice The identity contract: rotates device keys and revokes compromised ones for their owners.
    bytes32 public constant IDENTITY_ROLE = keccak256("IDENTITY_ROLE");

    /// @dev secp256k1 field prime.
    uint256 private constant _P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    mapping(address device => uint256 record) private _records;
    mapping(address device => bytes32[2] xy) private _publicKeys;
    /// @dev Current signer of a device whose record has KEY_ROTATED set.
    mapping(address device => address signer) private _signers;
    /// @dev Device of every rotated-in key address (current or retired); original keys are device ids.
    mapping(address key => address device) private _keyDevices;
    IDeviceOwnershipManagement private _ownership;

    modifier onlyRegistrar() {
        if (!hasRole(OPERATOR_ROLE, msg.sender) && !hasRole(MANUFACTURER_ROLE, msg.sender)) {
            revert Unauthorized(msg.sender);
        }
        _;
    }

    // ------------------------------------------------------------------ registration

    /// @inheritdoc IDeviceRegistry
    function registerDevice(bytes calldata publicKey, uint16 classId) external onlyRegistrar returns (address device) {
        _requireClass(classId);
        return _register(publicKey, classId, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function registerDevices(
        bytes[] calldata publicKeys,
        uint16 classId
    ) external onlyRegistrar returns (address[] memory devices) {
        return _registerAll(publicKeys, classId, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function registerDevicesFor(
        bytes[] calldata publicKeys,
        uint16 classId,
        address initialOwner
    ) external onlyRegistrar returns (address[] memory devices) {
        if (initialOwner == address(0)) revert InvalidInitialOwner();
        return _registerAll(publicKeys, classId, initialOwner);
    }

    /// @inheritdoc IDeviceRegistry
    function setDeviceOwnership(address ownership) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (ownership == address(0)) revert InvalidDeviceOwnership();
        if (address(_ownership) != address(0)) revert DeviceOwnershipAlreadySet(address(_ownership));
        _ownership = IDeviceOwnershipManagement(ownership);
        emit DeviceOwnershipSet(ownership);
    }

    // ------------------------------------------------------------------ keys

    /// @inheritdoc IDeviceKeyLifecycle
    function replaceDeviceKey(address device, bytes calldata newPublicKey) external onlyRole(IDENTITY_ROLE) {
        _requireStatus(device, DeviceStatus.Active, DeviceStatus.Active);
        _requireOnCurve(newPublicKey);
        address newSigner = _deviceId(newPublicKey);
        _requireUnusedKey(newSigner);
        uint256 record = _records[device];
        address previousSigner = record & DeviceRecords.KEY_ROTATED_BIT != 0 ? _signers[device] : device;
        _keyDevices[newSigner] = device;
        _signers[device] = newSigner;
        _publicKeys[device] = [bytes32(newPublicKey[0:32]), bytes32(newPublicKey[32:64])];
        _records[device] = record | DeviceRecords.KEY_ROTATED_BIT;
        emit DeviceKeyRotated(device, previousSigner, newSigner, newPublicKey);
    }

    /// @inheritdoc IDeviceKeys
    function deviceSigner(address device) external view returns (address) {
        uint256 record = _records[device];
        if (record == 0) return address(0);
        return _signerOf(device, record);
    }

    /// @inheritdoc IDeviceKeyLifecycle
    function deviceOfKey(address key) external view returns (address) {
        return _records[key] != 0 ? key : _keyDevices[key];
    }

    // ------------------------------------------------------------------ status

    /// @inheritdoc IDeviceRegistry
    function suspendDevice(address device, string calldata reason) external onlyRole(OPERATOR_ROLE) {
        _requireStatus(device, DeviceStatus.Active, DeviceStatus.Active);
        _setStatus(device, DeviceStatus.Suspended, msg.sender, reason);
    }

    /// @inheritdoc IDeviceRegistry
    function reinstateDevice(address device, string calldata reason) external onlyRole(OPERATOR_ROLE) {
        _requireStatus(device, DeviceStatus.Suspended, DeviceStatus.Suspended);
        _setStatus(device, DeviceStatus.Active, msg.sender, reason);
        _afterReinstate(device);
    }

    /// @inheritdoc IDeviceRegistry
    function revokeDevice(address device, string calldata reason) external {
        if (!hasRole(OPERATOR_ROLE, msg.sender) && !hasRole(IDENTITY_ROLE, msg.sender)) {
            revert Unauthorized(msg.sender);
        }
        _requireStatus(device, DeviceStatus.Active, DeviceStatus.Suspended);
        _setStatus(device, DeviceStatus.Revoked, msg.sender, reason);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDeviceRegistry
    function deviceStatus(address device) external view returns (DeviceStatus) {
        return _records[device].status();
    }

    /// @inheritdoc IDeviceRegistry
    function getDevice(address device) external view returns (DeviceView memory v) {
        uint256 record = _records[device];
        v.status = record.status();
        if (v.status == DeviceStatus.None) return v;
        v.classId = record.classId();
        v.hasOwnProfile = record.ownProfile();
        v.lastSequence = record.lastSequence();
        v.lastTimestamp = record.lastTimestamp();
        bytes32[2] storage key = _publicKeys[device];
        v.publicKey = abi.encodePacked(key[0], key[1]);
        _describeDevice(device, record, v);
    }

    /// @inheritdoc IDeviceRegistry
    function deviceOwnership() external view returns (address) {
        return address(_ownership);
    }

    /// @inheritdoc IDeviceRegistry
    function deviceIdOf(bytes calldata publicKey) external pure returns (address) {
        if (publicKey.length != 64) revert InvalidPublicKey();
        return _deviceId(publicKey);
    }

    // ------------------------------------------------------------------ internal

    /// @dev The packed record of a device (0 if unknown).
    function _deviceRecord(address device) internal view returns (uint256) {
        return _records[device];
    }

    /// @dev Storage slot of the records mapping, for the reading hot path's single keccak-and-SLOAD:
    /// the record of `device` is at keccak256(abi.encode(device, slot)).
    function _deviceRecordsSlot() internal view returns (uint256 slot) {
        mapping(address => uint256) storage records = _records;
        assembly ("memory-safe") {
            slot := records.slot
        }
    }

    /// @dev The current signer of a registered device, given its record.
    function _signerOf(address device, uint256 record) internal view returns (address) {
        return record & DeviceRecords.KEY_ROTATED_BIT != 0 ? _signers[device] : device;
    }

    /// @dev Overwrites the packed record of a device. Callers keep the identity bits.
    function _setDeviceRecord(address device, uint256 record) internal {
        _records[device] = record;
    }

    /// @dev Changes a device's status without checking the transition, and emits DeviceStatusChanged.
    function _setStatus(address device, DeviceStatus to, address by, string memory reason) internal {
        uint256 record = _records[device];
        DeviceStatus from = record.status();
        _records[device] = record.withStatus(to);
        emit DeviceStatusChanged(device, from, to, by, reason);
    }

    /// @dev Hook: whether a class may receive devices (has a profile).
    function _classExists(uint16 classId) internal view virtual returns (bool);

    /// @dev Hook: called after an operator reinstated a device.
    function _afterReinstate(address device) internal virtual {}

    /// @dev Hook: derived contracts fill their part of a device's view.
    function _describeDevice(address device, uint256 record, DeviceView memory v) internal view virtual {}

    function _requireClass(uint16 classId) private view {
        if (!_classExists(classId)) revert UnknownClass(classId);
    }

    function _requireStatus(address device, DeviceStatus a, DeviceStatus b) private view {
        DeviceStatus current = _records[device].status();
        if (current == DeviceStatus.None) revert UnknownDevice(device);
        if (current != a && current != b) revert InvalidStatusTransition(device, current);
    }

    function _registerAll(
        bytes[] calldata publicKeys,
        uint16 classId,
        address initialOwner
    ) private returns (address[] memory devices) {
        _requireClass(classId);
        devices = new address[](publicKeys.length);
        for (uint256 i; i < publicKeys.length; ++i) {
            devices[i] = _register(publicKeys[i], classId, initialOwner);
        }
    }

    function _register(bytes calldata publicKey, uint16 classId, address initialOwner) private returns (address device) {
        _requireOnCurve(publicKey);
        device = _deviceId(publicKey);
        // Any status, Revoked included, keeps the key registered for good.
        if (_records[device] != 0) revert DeviceAlreadyRegistered(device);
        // A key rotated into another device (current or retired) is burned too.
        if (_keyDevices[device] != address(0)) revert KeyAlreadyUsed(device);
        _records[device] = DeviceRecords.create(classId);
        _publicKeys[device] = [bytes32(publicKey[0:32]), bytes32(publicKey[32:64])];
        emit DeviceRegistered(device, classId, publicKey, msg.sender);
        IDeviceOwnershipManagement ownership = _ownership;
        if (address(ownership) != address(0)) ownership.mintDeviceToken(device, initialOwner);
    }

    /// @dev A key (by address) that no device ever registered or rotated in.
    function _requireUnusedKey(address key) private view {
        if (_records[key] != 0 || _keyDevices[key] != address(0)) revert KeyAlreadyUsed(key);
    }

    /// @dev The last 20 bytes of keccak256(X ‖ Y).
    function _deviceId(bytes calldata publicKey) private pure returns (address) {
        return address(uint160(uint256(keccak256(publicKey))));
    }

    /// @dev 64 bytes, both coordinates below p, and y² = x³ + 7 (mod p): a few hundred gas.
    function _requireOnCurve(bytes calldata publicKey) private pure {
        if (publicKey.length != 64) revert InvalidPublicKey();
        uint256 x = uint256(bytes32(publicKey[0:32]));
        uint256 y = uint256(bytes32(publicKey[32:64]));
        if (x >= _P || y >= _P) revert InvalidPublicKey();
        if (mulmod(y, y, _P) != addmod(mulmod(mulmod(x, x, _P), x, _P), 7, _P)) revert InvalidPublicKey();
    }
}
