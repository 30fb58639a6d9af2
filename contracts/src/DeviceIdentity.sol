// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IDeviceIdentity, IDeviceIdentityManagement} from "./interfaces/IDeviceIdentity.sol";
import {IDeviceOwnershipManagement} from "./interfaces/IDeviceOwnership.sol";
import {IPythiaFleet, IPythiaFleetTypes} from "./interfaces/IPythiaFleet.sol";

/// @title Device identity: manufacturer provisioning, key rotation, compromised-key revocation and
/// the device's DID document (did:pythia, docs/contracts.md).
/// @notice The council's timelock (DEFAULT_ADMIN_ROLE) assigns device classes to manufacturers. A manufacturer signs each device key
/// offline (EIP-712 DeviceProvenance) and anyone submits the signed keys: this contract checks the
/// signatures, keeps them as the devices' provenance and registers the devices in the fleet with the
/// manufacturer as first owner (it holds the fleet's MANUFACTURER_ROLE). The device's owner rotates
/// its key with signatures by the old and the new key, and the owner or an operator revokes a
/// compromised key (IDENTITY_ROLE on the fleet). The fleet keeps keys and status; this contract
/// keeps provenance, rotation nonces and service endpoints.
/// @dev Roles: DEFAULT_ADMIN_ROLE (grants; the council's timelock, two-step handover), DEFAULT_ADMIN_ROLE also
/// assigns class manufacturers; OPERATOR_ROLE (default endpoint, revocation of any device).
contract DeviceIdentity is AccessControlDefaultAdminRules, EIP712, IDeviceIdentityManagement {
    /// @notice Council staff: sets the default endpoint, revokes compromised keys.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice keccak256("DeviceProvenance(bytes32 publicKeyHash,uint16 classId)")
    bytes32 public constant DEVICE_PROVENANCE_TYPEHASH = keccak256("DeviceProvenance(bytes32 publicKeyHash,uint16 classId)");
    /// @notice keccak256("KeyRotation(address device,bytes32 newPublicKeyHash,uint64 nonce)")
    bytes32 public constant KEY_ROTATION_TYPEHASH =
        keccak256("KeyRotation(address device,bytes32 newPublicKeyHash,uint64 nonce)");

    uint256 private constant _MAX_ENDPOINT_BYTES = 512;
    uint256 private constant _MAX_REASON_BYTES = 256;

    /// @notice The fleet: registers devices, keeps their keys and status.
    IPythiaFleet public immutable fleet;
    /// @notice The ownership contract: who owns (controls) a device.
    IDeviceOwnershipManagement public immutable ownership;

    struct Provenance {
        address manufacturer;
        bytes signature;
    }

    struct Endpoint {
        uint64 epoch; // the ownership epoch it was set in; stale once the device changes hands
        string uri;
    }

    mapping(uint16 classId => address manufacturer) private _classManufacturers;
    mapping(address device => Provenance) private _provenance;
    mapping(address device => uint64 rotations) private _rotations;
    mapping(address device => Endpoint) private _endpoints;
    string private _defaultEndpoint;

    /// @param admin Receives DEFAULT_ADMIN_ROLE (the council's timelock).
    /// @param adminDelay Seconds a handover of DEFAULT_ADMIN_ROLE waits (AccessControlDefaultAdminRules).
    /// @param fleet_ The PythiaFleet (this contract needs its MANUFACTURER_ROLE and IDENTITY_ROLE).
    /// @param ownership_ The DeviceOwnership set on that fleet.
    constructor(
        address admin,
        uint48 adminDelay,
        address fleet_,
        address ownership_
    ) AccessControlDefaultAdminRules(adminDelay, admin) EIP712("Pythia Identity", "1") {
        if (fleet_ == address(0) || ownership_ == address(0)) revert InvalidConfiguration();
        fleet = IPythiaFleet(fleet_);
        ownership = IDeviceOwnershipManagement(ownership_);
    }

    // ------------------------------------------------------------------ manufacturers

    /// @inheritdoc IDeviceIdentityManagement
    /// @dev DEFAULT_ADMIN_ROLE, i.e. the council's timelock: a class's manufacturer provisions its
    /// devices (as their first owner) and publishes their firmware, so (re)assigning it changes who
    /// may act and waits the timelock's delay in public like a role grant (issue #12).
    function assignClassManufacturer(uint16 classId, address manufacturer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        address previous = _classManufacturers[classId];
        _classManufacturers[classId] = manufacturer;
        emit ClassManufacturerAssigned(classId, previous, manufacturer);
    }

    /// @inheritdoc IDeviceIdentityManagement
    function provisionDevice(
        bytes calldata publicKey,
        uint16 classId,
        bytes calldata signature
    ) external returns (address device) {
        address manufacturer = _requireManufacturer(classId);
        device = _recordProvenance(publicKey, classId, signature, manufacturer, 0);
        bytes[] memory keys = new bytes[](1);
        keys[0] = publicKey;
        fleet.registerDevicesFor(keys, classId, manufacturer);
    }

    /// @inheritdoc IDeviceIdentityManagement
    function provisionDevices(
        bytes[] calldata publicKeys,
        uint16 classId,
        bytes[] calldata signatures
    ) external returns (address[] memory devices) {
        if (publicKeys.length == 0 || publicKeys.length != signatures.length) revert LengthMismatch();
        address manufacturer = _requireManufacturer(classId);
        devices = new address[](publicKeys.length);
        for (uint256 i; i < publicKeys.length; ++i) {
            devices[i] = _recordProvenance(publicKeys[i], classId, signatures[i], manufacturer, i);
        }
        fleet.registerDevicesFor(publicKeys, classId, manufacturer);
    }

    // ------------------------------------------------------------------ key lifecycle

    /// @inheritdoc IDeviceIdentityManagement
    function rotateDeviceKey(
        address device,
        bytes calldata newPublicKey,
        bytes calldata oldKeySignature,
        bytes calldata newKeySignature
    ) external {
        _requireOwner(device);
        if (newPublicKey.length != 64) revert InvalidPublicKey();
        uint64 nonce = _rotations[device];
        bytes32 digest = _keyRotationDigest(device, newPublicKey, nonce);
        if (!_signedBy(digest, oldKeySignature, fleet.deviceSigner(device))) revert InvalidOldKeySignature(device);
        if (!_signedBy(digest, newKeySignature, _keyAddress(newPublicKey))) revert InvalidNewKeySignature(device);
        _rotations[device] = nonce + 1;
        emit KeyRotationAuthorized(device, nonce, msg.sender);
        // The fleet checks the rest: device Active, key on the curve and never used before.
        fleet.replaceDeviceKey(device, newPublicKey);
    }

    /// @inheritdoc IDeviceIdentityManagement
    function revokeCompromisedKey(address device, string calldata reason) external {
        if (ownership.ownerOfDevice(device) != msg.sender && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert NotOwnerOrOperator(device, msg.sender);
        }
        if (bytes(reason).length == 0 || bytes(reason).length > _MAX_REASON_BYTES) revert InvalidReason();
        emit CompromisedKeyRevoked(device, msg.sender, reason);
        // The fleet refuses unknown and already revoked devices.
        fleet.revokeDevice(device, reason);
    }

    // ------------------------------------------------------------------ service endpoints

    /// @inheritdoc IDeviceIdentityManagement
    function setDefaultServiceEndpoint(string calldata endpoint) external onlyRole(OPERATOR_ROLE) {
        if (bytes(endpoint).length > _MAX_ENDPOINT_BYTES) revert EndpointTooLong();
        _defaultEndpoint = endpoint;
        emit DefaultServiceEndpointSet(endpoint);
    }

    /// @inheritdoc IDeviceIdentityManagement
    function setServiceEndpoint(address device, string calldata endpoint) external {
        uint64 epoch = _requireOwner(device);
        if (bytes(endpoint).length > _MAX_ENDPOINT_BYTES) revert EndpointTooLong();
        _endpoints[device] = Endpoint(epoch, endpoint);
        emit ServiceEndpointSet(device, endpoint, epoch);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDeviceIdentity
    function classManufacturer(uint16 classId) external view returns (address) {
        return _classManufacturers[classId];
    }

    /// @inheritdoc IDeviceIdentityManagement
    function provenanceOf(address device) external view returns (address manufacturer, bytes memory signature) {
        Provenance storage p = _provenance[device];
        return (p.manufacturer, p.signature);
    }

    /// @inheritdoc IDeviceIdentityManagement
    function keyRotations(address device) external view returns (uint64) {
        return _rotations[device];
    }

    /// @inheritdoc IDeviceIdentityManagement
    function serviceEndpoint(address device) public view returns (string memory) {
        Endpoint storage e = _endpoints[device];
        uint64 epoch = ownership.ownershipEpoch(device);
        if (epoch != 0 && e.epoch == epoch && bytes(e.uri).length != 0) return e.uri;
        return _defaultEndpoint;
    }

    /// @inheritdoc IDeviceIdentityManagement
    function didDocument(address device) external view returns (DidDocument memory d) {
        IPythiaFleetTypes.DeviceView memory v = fleet.getDevice(device);
        d.status = v.status;
        if (v.status == IPythiaFleetTypes.DeviceStatus.None) return d;
        d.classId = v.classId;
        d.publicKey = v.publicKey;
        d.signer = fleet.deviceSigner(device);
        d.controller = ownership.ownerOfDevice(device);
        Provenance storage p = _provenance[device];
        d.manufacturer = p.manufacturer;
        d.provenanceSignature = p.signature;
        d.serviceEndpoint = serviceEndpoint(device);
        d.ownershipEpoch = ownership.ownershipEpoch(device);
        d.acknowledgedEpoch = ownership.acknowledgedEpoch(device);
        d.keyRotations = _rotations[device];
    }

    /// @inheritdoc IDeviceIdentityManagement
    function provenanceDigest(bytes calldata publicKey, uint16 classId) external view returns (bytes32) {
        return _provenanceDigest(publicKey, classId);
    }

    /// @inheritdoc IDeviceIdentityManagement
    function keyRotationDigest(address device, bytes calldata newPublicKey) external view returns (bytes32) {
        return _keyRotationDigest(device, newPublicKey, _rotations[device]);
    }

    /// @inheritdoc AccessControlDefaultAdminRules
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return
            interfaceId == type(IDeviceIdentity).interfaceId ||
            interfaceId == type(IDeviceIdentityManagement).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internal

    function _requireManufacturer(uint16 classId) private view returns (address manufacturer) {
        manufacturer = _classManufacturers[classId];
        if (manufacturer == address(0)) revert NoClassManufacturer(classId);
    }

    /// @dev Checks item `index`'s provenance signature and stores it; the fleet registers the key after.
    function _recordProvenance(
        bytes calldata publicKey,
        uint16 classId,
        bytes calldata signature,
        address manufacturer,
        uint256 index
    ) private returns (address device) {
        if (publicKey.length != 64) revert InvalidPublicKey();
        if (!_signedBy(_provenanceDigest(publicKey, classId), signature, manufacturer)) {
            revert InvalidProvenanceSignature(index);
        }
        device = _keyAddress(publicKey);
        _provenance[device] = Provenance(manufacturer, signature);
        emit DeviceProvisioned(device, classId, manufacturer, signature);
    }

    /// @dev The caller must own the device; returns the ownership epoch.
    function _requireOwner(address device) private view returns (uint64 epoch) {
        if (fleet.deviceStatus(device) == IPythiaFleetTypes.DeviceStatus.None) revert UnknownDevice(device);
        if (ownership.ownerOfDevice(device) != msg.sender) revert NotDeviceOwner(device, msg.sender);
        return ownership.ownershipEpoch(device);
    }

    /// @dev Whether `signature` (65 bytes r ‖ s ‖ v) is a low-s signature of `digest` by
    /// `expected` (never true for expected = 0).
    function _signedBy(bytes32 digest, bytes calldata signature, address expected) private pure returns (bool) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(digest, signature);
        return error == ECDSA.RecoverError.NoError && signer == expected && expected != address(0);
    }

    function _provenanceDigest(bytes calldata publicKey, uint16 classId) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(DEVICE_PROVENANCE_TYPEHASH, keccak256(publicKey), classId)));
    }

    function _keyRotationDigest(address device, bytes calldata newPublicKey, uint64 nonce) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(KEY_ROTATION_TYPEHASH, device, keccak256(newPublicKey), nonce)));
    }

    /// @dev The Ethereum address of a 64-byte public key.
    function _keyAddress(bytes calldata publicKey) private pure returns (address) {
        return address(uint160(uint256(keccak256(publicKey))));
    }
}
