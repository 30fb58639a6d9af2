// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IPythiaFleetTypes} from "./IPythiaFleet.sol";

/// @title Device identity: manufacturers, device provenance and key lifecycle (issue #4).
/// @notice The functions other contracts rely on.
interface IDeviceIdentity {
    /// @notice The manufacturer a device class is assigned to (zero if none): it provisions that
    /// class's devices and publishes its firmware.
    function classManufacturer(uint16 classId) external view returns (address);
}

/// @title The identity contract's own surface: provisioning, key rotation, revocation, DID documents.
interface IDeviceIdentityManagement is IDeviceIdentity {
    /// @notice Everything a DID resolver needs about a device, in one read (see docs/contracts.md,
    /// "did:pythia"). An unknown device has status None and empty fields.
    struct DidDocument {
        IPythiaFleetTypes.DeviceStatus status;
        uint16 classId;
        /// @dev Current 64-byte public key X ‖ Y and its address (the device id until rotated).
        bytes publicKey;
        address signer;
        /// @dev The owner of the device's token (zero if the device has no token).
        address controller;
        /// @dev The manufacturer whose EIP-712 DeviceProvenance signature provisioned the device, and
        /// that signature. Zero and empty for a device registered directly by a fleet registrar (an
        /// operator): its origin is the `registrar` of its DeviceRegistered event.
        address manufacturer;
        bytes provenanceSignature;
        /// @dev The owner's endpoint for the current ownership epoch, else the operator's default.
        string serviceEndpoint;
        uint64 ownershipEpoch;
        /// @dev The last epoch the device acknowledged (0 = never).
        uint64 acknowledgedEpoch;
        /// @dev Completed key rotations through this contract (the next rotation's nonce).
        uint64 keyRotations;
    }

    /// @notice A device class was assigned to `manufacturer` (zero: unassigned).
    event ClassManufacturerAssigned(uint16 indexed classId, address indexed previous, address indexed manufacturer);
    /// @notice A device was provisioned under `manufacturer`'s signature and registered in the fleet.
    event DeviceProvisioned(address indexed device, uint16 indexed classId, address indexed manufacturer, bytes signature);
    /// @notice The owner and both keys approved rotation number `nonce` of the device's key (the fleet
    /// emits DeviceKeyRotated with the keys).
    event KeyRotationAuthorized(address indexed device, uint64 nonce, address indexed owner);
    /// @notice `by` (the owner or an operator) revoked a device whose key is compromised.
    event CompromisedKeyRevoked(address indexed device, address indexed by, string reason);
    /// @notice The operator set the endpoint used by devices whose owner set none.
    event DefaultServiceEndpointSet(string endpoint);
    /// @notice The owner set the device's service endpoint for `epoch` (empty: back to the default).
    event ServiceEndpointSet(address indexed device, string endpoint, uint64 epoch);

    /// @notice The fleet and ownership addresses may not be zero.
    error InvalidConfiguration();
    /// @notice No manufacturer is assigned to the class.
    error NoClassManufacturer(uint16 classId);
    /// @notice `publicKeys` and `signatures` differ in length, or are empty.
    error LengthMismatch();
    /// @notice The public key is not 64 bytes.
    error InvalidPublicKey();
    /// @notice Item `index`'s signature is not a low-s EIP-712 DeviceProvenance signature by the class's manufacturer.
    error InvalidProvenanceSignature(uint256 index);
    /// @notice The caller is not the device's owner.
    error NotDeviceOwner(address device, address caller);
    /// @notice The caller is neither the device's owner nor an operator.
    error NotOwnerOrOperator(address device, address caller);
    /// @notice The rotation is not signed (low s) by the device's current key.
    error InvalidOldKeySignature(address device);
    /// @notice The rotation is not signed (low s) by the new key (no proof of possession).
    error InvalidNewKeySignature(address device);
    /// @notice The device was never registered.
    error UnknownDevice(address device);
    /// @notice Revocation reasons are 1-256 bytes.
    error InvalidReason();
    /// @notice Service endpoints are at most 512 bytes.
    error EndpointTooLong();

    /// @notice Assigns a device class to a manufacturer (DEFAULT_ADMIN_ROLE: the council's timelock, so a
    /// (re)assignment waits its delay in public); zero unassigns it.
    function assignClassManufacturer(uint16 classId, address manufacturer) external;

    /// @notice Provisions one device: anyone may submit a key the class's manufacturer signed offline.
    /// @param signature EIP-712 DeviceProvenance(bytes32 publicKeyHash,uint16 classId) (domain "Pythia
    /// Identity", "1") by classManufacturer(classId), 65 bytes r ‖ s ‖ v, low s (EIP-2).
    /// @return device The device id; its token is minted to the manufacturer.
    function provisionDevice(bytes calldata publicKey, uint16 classId, bytes calldata signature) external returns (address device);

    /// @notice Provisions many devices of one class, all or nothing.
    function provisionDevices(
        bytes[] calldata publicKeys,
        uint16 classId,
        bytes[] calldata signatures
    ) external returns (address[] memory devices);

    /// @notice Rotates an active device's key. Sent by the device's owner; both signatures are EIP-712
    /// KeyRotation(address device,bytes32 newPublicKeyHash,uint64 nonce), nonce = keyRotations(device):
    /// one by the current key, one by the new key (proof of possession).
    function rotateDeviceKey(
        address device,
        bytes calldata newPublicKey,
        bytes calldata oldKeySignature,
        bytes calldata newKeySignature
    ) external;

    /// @notice Revokes a device whose key is compromised (its owner or OPERATOR_ROLE). Final.
    function revokeCompromisedKey(address device, string calldata reason) external;

    /// @notice The service endpoint of devices whose owner set none (OPERATOR_ROLE), e.g. the Pythia's URL.
    function setDefaultServiceEndpoint(string calldata endpoint) external;

    /// @notice The device's service endpoint for the current ownership epoch (owner only; empty = default).
    function setServiceEndpoint(address device, string calldata endpoint) external;

    /// @notice The manufacturer that provisioned a device and its provenance signature (zero and empty
    /// for a device registered directly by an operator, whose origin is the DeviceRegistered registrar).
    function provenanceOf(address device) external view returns (address manufacturer, bytes memory signature);

    /// @notice Completed key rotations of a device (the nonce the next rotation signs).
    function keyRotations(address device) external view returns (uint64);

    /// @notice The effective service endpoint of a device.
    function serviceEndpoint(address device) external view returns (string memory);

    /// @notice Everything a DID resolver needs, in one call.
    function didDocument(address device) external view returns (DidDocument memory);

    /// @notice The EIP-712 digest a manufacturer signs to provision `publicKey` in `classId`.
    function provenanceDigest(bytes calldata publicKey, uint16 classId) external view returns (bytes32);

    /// @notice The EIP-712 digest the old and the new key sign to rotate `device` to `newPublicKey`
    /// with the device's current nonce.
    function keyRotationDigest(address device, bytes calldata newPublicKey) external view returns (bytes32);
}
