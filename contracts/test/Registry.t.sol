// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {FleetBase} from "./utils/FleetBase.sol";
import {Vm} from "./utils/Vm.sol";
import {IDeviceRegistry} from "../src/interfaces/IPythiaFleet.sol";
import {IRelayerTrust} from "../src/interfaces/IRelayerTrust.sol";
import {PythiaFleet} from "../src/PythiaFleet.sol";

contract RegistryTest is FleetBase {
    /// secp256k1 generator G = public key of private key 1 (a textbook value, independent of forge).
    bytes internal constant G =
        hex"79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8";
    address internal constant G_ADDRESS = 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf;

    // ---------------------------------------------------------------- registration

    function test_registerDevice_knownKeyFixture() public {
        assertEq(publicKeyOf(1), G, "createWallet(1) public key");
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceRegistered(G_ADDRESS, AIR, G, operator);
        vm.prank(operator);
        address device = fleet.registerDevice(G, AIR);
        assertEq(device, G_ADDRESS, "device id");
        assertEq(fleet.deviceIdOf(G), G_ADDRESS, "deviceIdOf");
        DeviceView memory v = fleet.getDevice(device);
        assertTrue(v.status == DeviceStatus.Active, "active");
        assertEq(v.classId, AIR, "class");
        assertEq(v.publicKey, G, "public key stored");
        assertEq(v.lastSequence, 0, "no reading");
        assertEq(v.lastValues.length, 0, "no values");
    }

    function test_registerDevice_byManufacturer() public {
        vm.prank(manufacturer);
        address device = fleet.registerDevice(publicKeyOf(keyOf(1)), AIR);
        assertEq(device, vm.addr(keyOf(1)));
    }

    function test_registerDevice_unauthorized() public {
        bytes memory key = publicKeyOf(keyOf(1));
        address[3] memory callers = [stranger, relayer, admin];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.Unauthorized.selector, callers[i]));
            vm.prank(callers[i]);
            fleet.registerDevice(key, AIR);
        }
    }

    function test_registerDevice_duplicate() public {
        address device = register(keyOf(1));
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.DeviceAlreadyRegistered.selector, device));
        vm.prank(manufacturer);
        fleet.registerDevice(publicKeyOf(keyOf(1)), AIR);
    }

    function test_registerDevice_badKeys() public {
        bytes memory good = publicKeyOf(keyOf(1));
        bytes[] memory bad = new bytes[](5);
        bad[0] = new bytes(63);
        bad[1] = abi.encodePacked(bytes1(0x04), good); // 65-byte SEC1 form is not accepted on chain
        bad[2] = new bytes(64); // (0, 0) is not on the curve
        bytes memory offCurve = G;
        offCurve[63] = bytes1(uint8(offCurve[63]) ^ 1);
        bad[3] = offCurve;
        bad[4] = abi.encodePacked(type(uint256).max, uint256(1)); // x >= p
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(IDeviceRegistry.InvalidPublicKey.selector);
            vm.prank(operator);
            fleet.registerDevice(bad[i], AIR);
        }
        vm.expectRevert(IDeviceRegistry.InvalidPublicKey.selector);
        fleet.deviceIdOf(new bytes(65));
    }

    function test_registerDevice_unknownClass() public {
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownClass.selector, uint16(7)));
        vm.prank(operator);
        fleet.registerDevice(publicKeyOf(keyOf(1)), 7);
    }

    function test_registerDevices_bulk() public {
        bytes[] memory keys = new bytes[](3);
        for (uint256 i; i < 3; ++i) keys[i] = publicKeyOf(keyOf(10 + i));
        for (uint256 i; i < 3; ++i) {
            vm.expectEmit(address(fleet));
            emit IDeviceRegistry.DeviceRegistered(vm.addr(keyOf(10 + i)), AIR, keys[i], manufacturer);
        }
        vm.prank(manufacturer);
        address[] memory devices = fleet.registerDevices(keys, AIR);
        assertEq(devices.length, 3, "count");
        for (uint256 i; i < 3; ++i) {
            assertEq(devices[i], vm.addr(keyOf(10 + i)), "id");
            assertTrue(statusOf(devices[i]) == DeviceStatus.Active, "active");
        }
    }

    function test_registerDevices_allOrNothing() public {
        bytes[] memory keys = new bytes[](3);
        keys[0] = publicKeyOf(keyOf(10));
        keys[1] = publicKeyOf(keyOf(11));
        keys[2] = publicKeyOf(keyOf(10)); // duplicate inside the batch
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.DeviceAlreadyRegistered.selector, vm.addr(keyOf(10))));
        vm.prank(operator);
        fleet.registerDevices(keys, AIR);
        assertTrue(statusOf(vm.addr(keyOf(10))) == DeviceStatus.None, "nothing written");
        assertTrue(statusOf(vm.addr(keyOf(11))) == DeviceStatus.None, "nothing written");

        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownClass.selector, uint16(9)));
        vm.prank(operator);
        fleet.registerDevices(keys, 9);

        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.Unauthorized.selector, stranger));
        vm.prank(stranger);
        fleet.registerDevices(keys, AIR);
    }

    function test_unknownDeviceView() public view {
        DeviceView memory v = fleet.getDevice(address(0x1234));
        assertTrue(v.status == DeviceStatus.None, "none");
        assertEq(v.publicKey.length, 0, "no key");
    }

    function test_roles() public view {
        assertEq(fleet.OPERATOR_ROLE(), keccak256("OPERATOR_ROLE"), "operator role");
        assertEq(fleet.MANUFACTURER_ROLE(), keccak256("MANUFACTURER_ROLE"), "manufacturer role");
        assertEq(fleet.RELAYER_ROLE(), keccak256("RELAYER_ROLE"), "relayer role");
        assertTrue(fleet.hasRole(fleet.DEFAULT_ADMIN_ROLE(), admin), "admin");
        assertFalse(fleet.hasRole(fleet.OPERATOR_ROLE(), admin), "admin is not an operator by default");
    }

    function test_constructor_zeroAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new PythiaFleet(address(0), 0, IRelayerTrust(address(0)));
    }

    // ---------------------------------------------------------------- status transitions

    function _expectStatus(address device, DeviceStatus from, DeviceStatus to, string memory reason) internal {
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceStatusChanged(device, from, to, operator, reason);
    }

    function _invalid(address device, DeviceStatus current) internal {
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.InvalidStatusTransition.selector, device, current));
    }

    function test_status_allowedTransitions() public {
        address d = register(keyOf(1));
        vm.startPrank(operator);
        _expectStatus(d, DeviceStatus.Active, DeviceStatus.Suspended, "maintenance");
        fleet.suspendDevice(d, "maintenance");
        assertTrue(statusOf(d) == DeviceStatus.Suspended, "suspended");
        _expectStatus(d, DeviceStatus.Suspended, DeviceStatus.Active, "fixed");
        fleet.reinstateDevice(d, "fixed");
        assertTrue(statusOf(d) == DeviceStatus.Active, "active");
        _expectStatus(d, DeviceStatus.Active, DeviceStatus.Revoked, "stolen");
        fleet.revokeDevice(d, "stolen");
        assertTrue(statusOf(d) == DeviceStatus.Revoked, "revoked");

        address e = vm.addr(keyOf(2));
        vm.stopPrank();
        register(keyOf(2));
        vm.startPrank(operator);
        fleet.suspendDevice(e, "x");
        _expectStatus(e, DeviceStatus.Suspended, DeviceStatus.Revoked, "tampered");
        fleet.revokeDevice(e, "tampered");
        vm.stopPrank();
    }

    function test_status_refusedTransitions() public {
        address d = register(keyOf(1));
        vm.startPrank(operator);
        _invalid(d, DeviceStatus.Active);
        fleet.reinstateDevice(d, "");
        fleet.suspendDevice(d, "");
        _invalid(d, DeviceStatus.Suspended);
        fleet.suspendDevice(d, "");
        fleet.revokeDevice(d, "");
        _invalid(d, DeviceStatus.Revoked);
        fleet.suspendDevice(d, "");
        _invalid(d, DeviceStatus.Revoked);
        fleet.reinstateDevice(d, "");
        _invalid(d, DeviceStatus.Revoked);
        fleet.revokeDevice(d, "");

        address unknown = address(0xD00D);
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        fleet.suspendDevice(unknown, "");
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        fleet.reinstateDevice(unknown, "");
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        fleet.revokeDevice(unknown, "");
        vm.stopPrank();
    }

    function test_status_onlyOperator() public {
        address d = register(keyOf(1));
        bytes32 role = fleet.OPERATOR_ROLE();
        address[3] memory callers = [stranger, manufacturer, relayer];
        for (uint256 i; i < callers.length; ++i) {
            vm.startPrank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role));
            fleet.suspendDevice(d, "");
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role));
            fleet.reinstateDevice(d, "");
            // revokeDevice takes OPERATOR_ROLE or IDENTITY_ROLE, hence the fleet's own error.
            vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.Unauthorized.selector, callers[i]));
            fleet.revokeDevice(d, "");
            vm.stopPrank();
        }
    }

    function test_revoked_isFinal_reRegistrationFails() public {
        address d = register(keyOf(1));
        vm.prank(operator);
        fleet.revokeDevice(d, "banned");
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.DeviceAlreadyRegistered.selector, d));
        vm.prank(operator);
        fleet.registerDevice(publicKeyOf(keyOf(1)), AIR);
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.DeviceAlreadyRegistered.selector, d));
        vm.prank(manufacturer);
        fleet.registerDevice(publicKeyOf(keyOf(1)), AIR);
        assertTrue(statusOf(d) == DeviceStatus.Revoked, "still revoked");
    }

    function test_supportsInterface() public view {
        assertTrue(fleet.supportsInterface(type(IDeviceRegistry).interfaceId), "registry");
        assertTrue(fleet.supportsInterface(type(IAccessControl).interfaceId), "access control");
        assertFalse(fleet.supportsInterface(0xffffffff), "none");
    }
}
