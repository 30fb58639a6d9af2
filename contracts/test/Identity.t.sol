// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IdentityBase} from "./utils/IdentityBase.sol";
import {IDeviceIdentity, IDeviceIdentityManagement} from "../src/interfaces/IDeviceIdentity.sol";
import {IDeviceKeyLifecycle} from "../src/interfaces/IDeviceKeys.sol";
import {IDeviceRegistry} from "../src/interfaces/IPythiaFleet.sol";
import {DeviceIdentity} from "../src/DeviceIdentity.sol";

contract IdentityTest is IdentityBase {
    uint256 internal constant OTHER_FACTORY_KEY = 0xFAC7042;
    uint16 internal constant WATER = 2;

    // ---------------------------------------------------------------- configuration

    function test_constructor_refusesZeroAddresses() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new DeviceIdentity(address(0), 0, address(fleet), address(ownership));
        vm.expectRevert(IDeviceIdentityManagement.InvalidConfiguration.selector);
        new DeviceIdentity(admin, 0, address(0), address(ownership));
        vm.expectRevert(IDeviceIdentityManagement.InvalidConfiguration.selector);
        new DeviceIdentity(admin, 0, address(fleet), address(0));
    }

    function test_supportsInterface() public view {
        assertTrue(identity.supportsInterface(type(IDeviceIdentity).interfaceId), "IDeviceIdentity");
        assertTrue(identity.supportsInterface(type(IDeviceIdentityManagement).interfaceId), "management");
        assertTrue(identity.supportsInterface(type(IAccessControl).interfaceId), "access control");
    }

    function test_assignClassManufacturer_event() public {
        vm.expectEmit(address(identity));
        emit IDeviceIdentityManagement.ClassManufacturerAssigned(AIR, factory, manufacturer);
        vm.prank(admin);
        identity.assignClassManufacturer(AIR, manufacturer);
        assertEq(identity.classManufacturer(AIR), manufacturer);
        assertEq(identity.classManufacturer(WATER), address(0));
    }

    /// @dev Issue #12: (re)assigning a class's manufacturer changes who may provision its devices and
    /// publish its firmware, so only the admin (the council's timelock) may; the operator may not.
    function test_assignClassManufacturer_onlyAdmin() public {
        bytes32 role = identity.DEFAULT_ADMIN_ROLE();
        address[3] memory callers = [stranger, factory, operator];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role));
            vm.prank(callers[i]);
            identity.assignClassManufacturer(AIR, callers[i]);
        }
    }

    // ---------------------------------------------------------------- provisioning

    function test_provisionDevice_registersWithProvenanceAndMintsToManufacturer() public {
        bytes memory publicKey = publicKeyOf(keyOf(1));
        bytes memory signature = provenanceSig(FACTORY_KEY, publicKey, AIR);
        address expected = vm.addr(keyOf(1));

        vm.expectEmit(address(identity));
        emit IDeviceIdentityManagement.DeviceProvisioned(expected, AIR, factory, signature);
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceRegistered(expected, AIR, publicKey, address(identity));
        vm.expectEmit(address(ownership));
        emit IERC721.Transfer(address(0), factory, uint256(uint160(expected)));
        vm.prank(stranger);
        address device = identity.provisionDevice(publicKey, AIR, signature);

        assertEq(device, expected, "device id");
        assertTrue(statusOf(device) == DeviceStatus.Active, "active");
        assertEq(ownership.ownerOfDevice(device), factory, "first owner = manufacturer");
        assertEq(ownership.ownershipEpoch(device), 1, "epoch");
        (address m, bytes memory s) = identity.provenanceOf(device);
        assertEq(m, factory, "provenance manufacturer");
        assertEq(s, signature, "provenance signature");
        // The stored signature can be checked again by anyone, off chain too.
        assertEq(identity.provenanceDigest(publicKey, AIR), provenanceDigest(publicKey, AIR), "digest");
    }

    function test_provisionDevices_bulk() public {
        uint256 n = 5;
        bytes[] memory keys = new bytes[](n);
        bytes[] memory sigs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            keys[i] = publicKeyOf(keyOf(10 + i));
            sigs[i] = provenanceSig(FACTORY_KEY, keys[i], AIR);
        }
        address[] memory devices = identity.provisionDevices(keys, AIR, sigs);
        assertEq(devices.length, n, "count");
        for (uint256 i; i < n; ++i) {
            assertEq(devices[i], vm.addr(keyOf(10 + i)), "id");
            assertEq(ownership.ownerOfDevice(devices[i]), factory, "owner");
            (address m, ) = identity.provenanceOf(devices[i]);
            assertEq(m, factory, "manufacturer");
        }
        assertEq(ownership.balanceOf(factory), n, "balance");
    }

    function test_provisionDevices_oneForgedSignature_nothingRegistered() public {
        bytes[] memory keys = new bytes[](3);
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            keys[i] = publicKeyOf(keyOf(20 + i));
            sigs[i] = provenanceSig(FACTORY_KEY, keys[i], AIR);
        }
        sigs[2] = provenanceSig(keyOf(99), keys[2], AIR);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 2));
        identity.provisionDevices(keys, AIR, sigs);
        for (uint256 i; i < 3; ++i) assertTrue(statusOf(vm.addr(keyOf(20 + i))) == DeviceStatus.None, "registered");
        assertEq(ownership.balanceOf(factory), 0, "minted");
    }

    function test_provisionDevices_lengthMismatch() public {
        bytes[] memory keys = new bytes[](2);
        bytes[] memory sigs = new bytes[](1);
        vm.expectRevert(IDeviceIdentityManagement.LengthMismatch.selector);
        identity.provisionDevices(keys, AIR, sigs);
        vm.expectRevert(IDeviceIdentityManagement.LengthMismatch.selector);
        identity.provisionDevices(new bytes[](0), AIR, new bytes[](0));
    }

    function test_provision_forgedSignature() public {
        bytes memory publicKey = publicKeyOf(keyOf(1));
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
        identity.provisionDevice(publicKey, AIR, provenanceSig(keyOf(1), publicKey, AIR)); // self-signed
        // A signature over another key does not carry over.
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
        identity.provisionDevice(publicKey, AIR, provenanceSig(FACTORY_KEY, publicKeyOf(keyOf(2)), AIR));
        // Garbage and wrong lengths.
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
        identity.provisionDevice(publicKey, AIR, new bytes(65));
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
        identity.provisionDevice(publicKey, AIR, new bytes(64));
        assertTrue(statusOf(vm.addr(keyOf(1))) == DeviceStatus.None, "registered");
    }

    function test_provision_wrongClassManufacturer() public {
        vm.prank(operator);
        fleet.setClassProfile(WATER, airProfile());
        vm.prank(admin);
        identity.assignClassManufacturer(WATER, vm.addr(OTHER_FACTORY_KEY));
        bytes memory publicKey = publicKeyOf(keyOf(1));
        // The AIR factory cannot provision WATER devices...
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
        identity.provisionDevice(publicKey, WATER, provenanceSig(FACTORY_KEY, publicKey, WATER));
        // ...and a signature for one class is worthless for another (mix-and-match).
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
        identity.provisionDevice(publicKey, WATER, provenanceSig(OTHER_FACTORY_KEY, publicKey, AIR));
        // The right one works.
        address device = identity.provisionDevice(publicKey, WATER, provenanceSig(OTHER_FACTORY_KEY, publicKey, WATER));
        assertEq(ownership.ownerOfDevice(device), vm.addr(OTHER_FACTORY_KEY), "owner");
    }

    function test_provision_noManufacturer() public {
        bytes memory publicKey = publicKeyOf(keyOf(1));
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.NoClassManufacturer.selector, WATER));
        identity.provisionDevice(publicKey, WATER, provenanceSig(FACTORY_KEY, publicKey, WATER));
        vm.prank(admin);
        identity.assignClassManufacturer(AIR, address(0));
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.NoClassManufacturer.selector, AIR));
        identity.provisionDevice(publicKey, AIR, provenanceSig(FACTORY_KEY, publicKey, AIR));
    }

    function test_provision_highSRefused() public {
        bytes memory publicKey = publicKeyOf(keyOf(1));
        bytes memory good = provenanceSig(FACTORY_KEY, publicKey, AIR);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
        identity.provisionDevice(publicKey, AIR, highS(good));
        identity.provisionDevice(publicKey, AIR, good);
    }

    function test_provision_badKeys() public {
        bytes memory short = new bytes(63);
        vm.expectRevert(IDeviceIdentityManagement.InvalidPublicKey.selector);
        identity.provisionDevice(short, AIR, provenanceSig(FACTORY_KEY, short, AIR));
        // 64 bytes off the curve, validly signed: the fleet refuses it.
        bytes memory offCurve = new bytes(64);
        offCurve[63] = 0x01;
        vm.expectRevert(IDeviceRegistry.InvalidPublicKey.selector);
        identity.provisionDevice(offCurve, AIR, provenanceSig(FACTORY_KEY, offCurve, AIR));
    }

    function test_provision_alreadyRegistered() public {
        address device = provision(keyOf(1));
        bytes memory publicKey = publicKeyOf(keyOf(1));
        bytes memory signature = provenanceSig(FACTORY_KEY, publicKey, AIR);
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.DeviceAlreadyRegistered.selector, device));
        identity.provisionDevice(publicKey, AIR, signature);
    }

    function test_operatorRegisteredDevice_hasNoManufacturer() public {
        address device = register(keyOf(1));
        IDeviceIdentityManagement.DidDocument memory d = identity.didDocument(device);
        assertEq(d.manufacturer, address(0), "no manufacturer");
        assertEq(d.provenanceSignature.length, 0, "no provenance");
        assertEq(d.controller, operator, "token minted to the registering operator");
    }

    function testFuzz_provision_onlyTheClassManufacturerSigns(uint256 deviceSeed, uint256 signerSeed) public {
        uint256 deviceKey = bound(deviceSeed, 1, SECP256K1_N - 1);
        uint256 signerKey = bound(signerSeed, 1, SECP256K1_N - 1);
        bytes memory publicKey = publicKeyOf(deviceKey);
        bytes memory signature = provenanceSig(signerKey, publicKey, AIR);
        if (signerKey != FACTORY_KEY) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidProvenanceSignature.selector, 0));
            identity.provisionDevice(publicKey, AIR, signature);
            signature = provenanceSig(FACTORY_KEY, publicKey, AIR);
        }
        address device = identity.provisionDevice(publicKey, AIR, signature);
        assertEq(device, vm.addr(deviceKey), "id");
        assertEq(ownership.ownerOfDevice(device), factory, "owner");
    }

    // ---------------------------------------------------------------- key rotation

    function test_rotateDeviceKey() public {
        address device = provision(keyOf(1));
        bytes memory newPublicKey = publicKeyOf(keyOf(2));
        address newSigner = vm.addr(keyOf(2));
        bytes32 digest = rotationDigest(device, newPublicKey, 0);
        assertEq(identity.keyRotationDigest(device, newPublicKey), digest, "digest");

        vm.expectEmit(address(identity));
        emit IDeviceIdentityManagement.KeyRotationAuthorized(device, 0, factory);
        vm.expectEmit(address(fleet));
        emit IDeviceKeyLifecycle.DeviceKeyRotated(device, device, newSigner, newPublicKey);
        vm.prank(factory);
        identity.rotateDeviceKey(device, newPublicKey, sig(keyOf(1), digest), sig(keyOf(2), digest));

        assertEq(fleet.deviceSigner(device), newSigner, "signer");
        assertEq(fleet.getDevice(device).publicKey, newPublicKey, "public key");
        assertEq(fleet.deviceOfKey(newSigner), device, "key -> device");
        assertEq(fleet.deviceOfKey(device), device, "original key -> device");
        assertEq(identity.keyRotations(device), 1, "nonce");

        // A second rotation is signed by the current key with nonce 1.
        Rotation memory second = rotation(device, keyOf(2), keyOf(3));
        vm.expectEmit(address(fleet));
        emit IDeviceKeyLifecycle.DeviceKeyRotated(device, newSigner, vm.addr(keyOf(3)), second.newPublicKey);
        send(device, second);
        assertEq(fleet.deviceSigner(device), vm.addr(keyOf(3)), "signer 2");
        assertEq(identity.didDocument(device).keyRotations, 2, "rotations in the DID document");
    }

    function test_rotateDeviceKey_refusals() public {
        address device = provision(keyOf(1));
        bytes memory newPublicKey = publicKeyOf(keyOf(2));
        bytes32 digest = rotationDigest(device, newPublicKey, 0);
        bytes memory oldSig = sig(keyOf(1), digest);
        bytes memory newSig = sig(keyOf(2), digest);

        // Not the owner (the device key itself, a stranger, an operator).
        address[3] memory callers = [stranger, device, operator];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.NotDeviceOwner.selector, device, callers[i]));
            vm.prank(callers[i]);
            identity.rotateDeviceKey(device, newPublicKey, oldSig, newSig);
        }
        vm.startPrank(factory);
        // Wrong old-key signature: by another key, by the new key twice, high s, over another nonce.
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidOldKeySignature.selector, device));
        identity.rotateDeviceKey(device, newPublicKey, sig(keyOf(9), digest), newSig);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidOldKeySignature.selector, device));
        identity.rotateDeviceKey(device, newPublicKey, newSig, newSig);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidOldKeySignature.selector, device));
        identity.rotateDeviceKey(device, newPublicKey, highS(oldSig), newSig);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidOldKeySignature.selector, device));
        identity.rotateDeviceKey(device, newPublicKey, sig(keyOf(1), rotationDigest(device, newPublicKey, 1)), newSig);
        // Wrong new-key signature (no proof of possession).
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidNewKeySignature.selector, device));
        identity.rotateDeviceKey(device, newPublicKey, oldSig, oldSig);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidNewKeySignature.selector, device));
        identity.rotateDeviceKey(device, newPublicKey, oldSig, sig(keyOf(9), digest));
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidNewKeySignature.selector, device));
        identity.rotateDeviceKey(device, newPublicKey, oldSig, highS(newSig));
        // Malformed key.
        vm.expectRevert(IDeviceIdentityManagement.InvalidPublicKey.selector);
        identity.rotateDeviceKey(device, new bytes(65), oldSig, newSig);
        vm.stopPrank();

        assertEq(fleet.deviceSigner(device), device, "unchanged");
        assertEq(identity.keyRotations(device), 0, "nonce unchanged");

        // The valid rotation works once; its signatures cannot be replayed (the nonce moved on).
        vm.prank(factory);
        identity.rotateDeviceKey(device, newPublicKey, oldSig, newSig);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidOldKeySignature.selector, device));
        vm.prank(factory);
        identity.rotateDeviceKey(device, newPublicKey, oldSig, newSig);
    }

    function test_rotateDeviceKey_unknownDevice() public {
        address ghost = vm.addr(keyOf(7));
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.UnknownDevice.selector, ghost));
        identity.rotateDeviceKey(ghost, publicKeyOf(keyOf(2)), "", "");
    }

    function test_rotateDeviceKey_reusedOrRetiredKeyRefused() public {
        address device = provision(keyOf(1));
        address other = provision(keyOf(5));
        // Another device's key.
        Rotation memory r = rotation(device, keyOf(1), keyOf(5));
        vm.expectRevert(abi.encodeWithSelector(IDeviceKeyLifecycle.KeyAlreadyUsed.selector, other));
        send(device, r);
        // Its own original key (already the id, already "used").
        r = rotation(device, keyOf(1), keyOf(1));
        vm.expectRevert(abi.encodeWithSelector(IDeviceKeyLifecycle.KeyAlreadyUsed.selector, device));
        send(device, r);

        rotate(device, keyOf(1), keyOf(2));
        rotate(device, keyOf(2), keyOf(3));
        // Back to a retired key: burned for good.
        r = rotation(device, keyOf(3), keyOf(2));
        vm.expectRevert(abi.encodeWithSelector(IDeviceKeyLifecycle.KeyAlreadyUsed.selector, vm.addr(keyOf(2))));
        send(device, r);
        // Another device cannot take the key either.
        r = rotation(other, keyOf(5), keyOf(3));
        vm.expectRevert(abi.encodeWithSelector(IDeviceKeyLifecycle.KeyAlreadyUsed.selector, vm.addr(keyOf(3))));
        send(other, r);
        // Nor can anyone register a retired or current rotated-in key as a new device.
        bytes memory retired = publicKeyOf(keyOf(2));
        bytes memory retiredSig = provenanceSig(FACTORY_KEY, retired, AIR);
        vm.expectRevert(abi.encodeWithSelector(IDeviceKeyLifecycle.KeyAlreadyUsed.selector, vm.addr(keyOf(2))));
        identity.provisionDevice(retired, AIR, retiredSig);
        bytes memory current = publicKeyOf(keyOf(3));
        vm.expectRevert(abi.encodeWithSelector(IDeviceKeyLifecycle.KeyAlreadyUsed.selector, vm.addr(keyOf(3))));
        vm.prank(operator);
        fleet.registerDevice(current, AIR);
        assertEq(fleet.deviceOfKey(vm.addr(keyOf(2))), device, "retired key still maps to its device");
    }

    function test_rotateDeviceKey_onlyActive() public {
        address device = provision(keyOf(1));
        vm.prank(operator);
        fleet.suspendDevice(device, "check");
        Rotation memory r = rotation(device, keyOf(1), keyOf(2));
        vm.expectRevert(
            abi.encodeWithSelector(IDeviceRegistry.InvalidStatusTransition.selector, device, DeviceStatus.Suspended)
        );
        send(device, r);
    }

    function test_replaceDeviceKey_onlyIdentityRole() public {
        address device = register(keyOf(1));
        bytes32 role = fleet.IDENTITY_ROLE();
        address[3] memory callers = [operator, manufacturer, admin];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role));
            vm.prank(callers[i]);
            fleet.replaceDeviceKey(device, publicKeyOf(keyOf(2)));
        }
    }

    function testFuzz_rotation_anyWrongOldKeyRefused(uint256 wrongSeed) public {
        uint256 wrong = bound(wrongSeed, 1, SECP256K1_N - 1);
        vm.assume(wrong != keyOf(1));
        address device = provision(keyOf(1));
        bytes memory newPublicKey = publicKeyOf(keyOf(2));
        bytes32 digest = rotationDigest(device, newPublicKey, 0);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.InvalidOldKeySignature.selector, device));
        vm.prank(factory);
        identity.rotateDeviceKey(device, newPublicKey, sig(wrong, digest), sig(keyOf(2), digest));
    }

    // ---------------------------------------------------------------- compromised keys

    function test_revokeCompromisedKey_byOwner() public {
        address device = provision(keyOf(1));
        vm.expectEmit(address(identity));
        emit IDeviceIdentityManagement.CompromisedKeyRevoked(device, factory, "key leaked");
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceStatusChanged(device, DeviceStatus.Active, DeviceStatus.Revoked, address(identity), "key leaked");
        vm.prank(factory);
        identity.revokeCompromisedKey(device, "key leaked");
        assertTrue(statusOf(device) == DeviceStatus.Revoked, "revoked");
        // Final.
        vm.expectRevert(
            abi.encodeWithSelector(IDeviceRegistry.InvalidStatusTransition.selector, device, DeviceStatus.Revoked)
        );
        vm.prank(factory);
        identity.revokeCompromisedKey(device, "again");
    }

    function test_revokeCompromisedKey_byOperator_suspendedDevice() public {
        address device = provision(keyOf(1));
        vm.startPrank(operator);
        fleet.suspendDevice(device, "odd");
        identity.revokeCompromisedKey(device, "key extracted from the field unit");
        vm.stopPrank();
        assertTrue(statusOf(device) == DeviceStatus.Revoked, "revoked");
    }

    function test_revokeCompromisedKey_refusals() public {
        address device = provision(keyOf(1));
        address[3] memory callers = [stranger, device, admin];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.NotOwnerOrOperator.selector, device, callers[i]));
            vm.prank(callers[i]);
            identity.revokeCompromisedKey(device, "x");
        }
        vm.startPrank(factory);
        vm.expectRevert(IDeviceIdentityManagement.InvalidReason.selector);
        identity.revokeCompromisedKey(device, "");
        vm.expectRevert(IDeviceIdentityManagement.InvalidReason.selector);
        identity.revokeCompromisedKey(device, string(new bytes(257)));
        vm.stopPrank();
        address ghost = vm.addr(keyOf(8));
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, ghost));
        vm.prank(operator);
        identity.revokeCompromisedKey(ghost, "x");
        // The previous owner loses the right with the token.
        transfer(device, stranger);
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.NotOwnerOrOperator.selector, device, factory));
        vm.prank(factory);
        identity.revokeCompromisedKey(device, "x");
        assertTrue(statusOf(device) == DeviceStatus.Active, "still active");
    }

    // ---------------------------------------------------------------- service endpoints and the DID document

    function test_serviceEndpoints() public {
        address device = provision(keyOf(1));
        vm.expectEmit(address(identity));
        emit IDeviceIdentityManagement.DefaultServiceEndpointSet("https://pythia.example.org");
        vm.prank(operator);
        identity.setDefaultServiceEndpoint("https://pythia.example.org");
        assertEq(bytes(identity.serviceEndpoint(device)), bytes("https://pythia.example.org"), "default");

        vm.expectEmit(address(identity));
        emit IDeviceIdentityManagement.ServiceEndpointSet(device, "https://factory.example.com/pythia", 1);
        vm.prank(factory);
        identity.setServiceEndpoint(device, "https://factory.example.com/pythia");
        assertEq(bytes(identity.serviceEndpoint(device)), bytes("https://factory.example.com/pythia"), "owner's");

        // A new owner starts clean: the previous owner's endpoint no longer applies.
        transfer(device, stranger);
        assertEq(bytes(identity.serviceEndpoint(device)), bytes("https://pythia.example.org"), "back to default");
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.NotDeviceOwner.selector, device, factory));
        vm.prank(factory);
        identity.setServiceEndpoint(device, "https://factory.example.com/pythia");
        vm.prank(stranger);
        identity.setServiceEndpoint(device, "https://home.example.net");
        assertEq(bytes(identity.serviceEndpoint(device)), bytes("https://home.example.net"), "new owner's");
    }

    function test_serviceEndpoints_refusals() public {
        address device = provision(keyOf(1));
        string memory tooLong = string(new bytes(513));
        vm.expectRevert(IDeviceIdentityManagement.EndpointTooLong.selector);
        vm.prank(operator);
        identity.setDefaultServiceEndpoint(tooLong);
        vm.expectRevert(IDeviceIdentityManagement.EndpointTooLong.selector);
        vm.prank(factory);
        identity.setServiceEndpoint(device, tooLong);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, factory, identity.OPERATOR_ROLE())
        );
        vm.prank(factory);
        identity.setDefaultServiceEndpoint("https://x");
        vm.expectRevert(abi.encodeWithSelector(IDeviceIdentityManagement.NotDeviceOwner.selector, device, operator));
        vm.prank(operator);
        identity.setServiceEndpoint(device, "https://x");
    }

    function test_didDocument() public {
        address device = provision(keyOf(1));
        vm.prank(operator);
        identity.setDefaultServiceEndpoint("https://pythia.example.org");
        transfer(device, stranger);
        rotate(device, keyOf(1), keyOf(2));
        IDeviceIdentityManagement.DidDocument memory d = identity.didDocument(device);
        assertTrue(d.status == DeviceStatus.Active, "status");
        assertEq(d.classId, AIR, "class");
        assertEq(d.publicKey, publicKeyOf(keyOf(2)), "current key");
        assertEq(d.signer, vm.addr(keyOf(2)), "signer");
        assertEq(d.controller, stranger, "controller");
        assertEq(d.manufacturer, factory, "manufacturer");
        assertEq(d.provenanceSignature, provenanceSig(FACTORY_KEY, publicKeyOf(keyOf(1)), AIR), "provenance");
        assertEq(bytes(d.serviceEndpoint), bytes("https://pythia.example.org"), "endpoint");
        assertEq(d.ownershipEpoch, 2, "epoch");
        assertEq(d.acknowledgedEpoch, 0, "not acknowledged");
        assertEq(d.keyRotations, 1, "rotations");

        IDeviceIdentityManagement.DidDocument memory none = identity.didDocument(vm.addr(keyOf(9)));
        assertTrue(none.status == DeviceStatus.None, "unknown");
        assertEq(none.controller, address(0), "no controller");
    }
}
