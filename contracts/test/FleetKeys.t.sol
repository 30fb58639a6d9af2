// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {FleetBase} from "./utils/FleetBase.sol";
import {IDeviceKeys, IDeviceKeyLifecycle} from "../src/interfaces/IDeviceKeys.sol";
import {IDeviceRegistry} from "../src/interfaces/IPythiaFleet.sol";
import {DeviceOwnership} from "../src/DeviceOwnership.sol";

/// @notice The fleet's side of issue #4: out-of-band flags, the ownership contract, registration
/// for an initial owner, revocation by the identity role, key-rotation bookkeeping.
contract FleetKeysTest is FleetBase {
    address internal inspector = address(0x1257);
    address internal identityRole = address(0x1D);
    uint8 internal constant FIRMWARE_UNAPPROVED = 32;

    function setUp() public override {
        super.setUp();
        vm.startPrank(admin);
        fleet.grantRole(fleet.INSPECTOR_ROLE(), inspector);
        fleet.grantRole(fleet.IDENTITY_ROLE(), identityRole);
        vm.stopPrank();
    }

    function test_supportsInterface() public view {
        assertTrue(fleet.supportsInterface(type(IDeviceKeys).interfaceId), "IDeviceKeys");
        assertTrue(fleet.supportsInterface(type(IDeviceKeyLifecycle).interfaceId), "IDeviceKeyLifecycle");
    }

    // ---------------------------------------------------------------- flagDevice

    function test_flagDevice_eventAndCount() public {
        address device = register(keyOf(1));
        vm.expectEmit(address(fleet));
        emit IDeviceKeyLifecycle.DeviceFlagged(device, FIRMWARE_UNAPPROVED, keccak256("build 7"), inspector);
        vm.prank(inspector);
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, keccak256("build 7"));
        DeviceView memory v = fleet.getDevice(device);
        assertEq(v.flags, 1, "flags");
        assertEq(v.flagsInWindow, 1, "in window");
        assertTrue(v.status == DeviceStatus.Active, "still active");
    }

    /// The air profile: 3 flags in an hour suspend, the 2nd automatic suspension revokes.
    function test_flagDevice_graduatedResponse() public {
        address device = register(keyOf(1));
        vm.startPrank(inspector);
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, bytes32(uint256(1)));
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, bytes32(uint256(2)));
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceStatusChanged(
            device,
            DeviceStatus.Active,
            DeviceStatus.Suspended,
            address(fleet),
            "flag threshold reached"
        );
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, bytes32(uint256(3)));
        // A suspended device's flags are counted, and do not suspend it again.
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, bytes32(uint256(4)));
        vm.stopPrank();
        DeviceView memory v = fleet.getDevice(device);
        assertTrue(v.status == DeviceStatus.Suspended, "suspended");
        assertEq(v.flags, 4, "flags");
        assertEq(v.autoSuspensions, 1, "one suspension");

        vm.prank(operator);
        fleet.reinstateDevice(device, "updated");
        vm.startPrank(inspector);
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, 0);
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, 0);
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceStatusChanged(
            device,
            DeviceStatus.Active,
            DeviceStatus.Revoked,
            address(fleet),
            "suspension limit reached"
        );
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, 0);
        vm.stopPrank();
        assertTrue(statusOf(device) == DeviceStatus.Revoked, "revoked");
    }

    function test_flagDevice_refusals() public {
        address device = register(keyOf(1));
        bytes32 role = fleet.INSPECTOR_ROLE();
        address[3] memory callers = [operator, relayer, admin];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role));
            vm.prank(callers[i]);
            fleet.flagDevice(device, FIRMWARE_UNAPPROVED, 0);
        }
        vm.startPrank(inspector);
        vm.expectRevert(IDeviceKeyLifecycle.InvalidFlagReasons.selector);
        fleet.flagDevice(device, 0, 0);
        address ghost = vm.addr(keyOf(2));
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, ghost));
        fleet.flagDevice(ghost, FIRMWARE_UNAPPROVED, 0);
        vm.stopPrank();
        vm.prank(operator);
        fleet.revokeDevice(device, "gone");
        vm.expectRevert(abi.encodeWithSelector(IDeviceKeyLifecycle.DeviceIsRevoked.selector, device));
        vm.prank(inspector);
        fleet.flagDevice(device, FIRMWARE_UNAPPROVED, 0);
    }

    // ---------------------------------------------------------------- ownership contract and initial owners

    function test_noOwnershipContract_noToken() public {
        assertEq(fleet.deviceOwnership(), address(0), "unset");
        register(keyOf(1)); // no mint, no revert
    }

    function test_setDeviceOwnership_onceByAdmin() public {
        DeviceOwnership ownership = new DeviceOwnership(address(fleet));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, bytes32(0))
        );
        vm.prank(operator);
        fleet.setDeviceOwnership(address(ownership));
        vm.startPrank(admin);
        vm.expectRevert(IDeviceRegistry.InvalidDeviceOwnership.selector);
        fleet.setDeviceOwnership(address(0));
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceOwnershipSet(address(ownership));
        fleet.setDeviceOwnership(address(ownership));
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.DeviceOwnershipAlreadySet.selector, address(ownership)));
        fleet.setDeviceOwnership(address(0xBEEF));
        vm.stopPrank();
        assertEq(fleet.deviceOwnership(), address(ownership), "set");
    }

    function test_registration_mintsToCallerOrInitialOwner() public {
        DeviceOwnership ownership = new DeviceOwnership(address(fleet));
        vm.prank(admin);
        fleet.setDeviceOwnership(address(ownership));

        address a = vm.addr(keyOf(1));
        vm.expectEmit(address(ownership));
        emit IERC721.Transfer(address(0), operator, uint256(uint160(a)));
        register(keyOf(1));
        assertEq(ownership.ownerOfDevice(a), operator, "registerDevice mints to the caller");

        bytes[] memory keys = new bytes[](2);
        keys[0] = publicKeyOf(keyOf(2));
        keys[1] = publicKeyOf(keyOf(3));
        vm.prank(manufacturer);
        fleet.registerDevices(keys, AIR);
        assertEq(ownership.ownerOfDevice(vm.addr(keyOf(2))), manufacturer, "registerDevices mints to the caller");

        keys[0] = publicKeyOf(keyOf(4));
        keys[1] = publicKeyOf(keyOf(5));
        vm.prank(manufacturer);
        address[] memory devices = fleet.registerDevicesFor(keys, AIR, stranger);
        assertEq(ownership.ownerOfDevice(devices[0]), stranger, "for");
        assertEq(ownership.ownerOfDevice(devices[1]), stranger, "for");
        assertEq(ownership.ownershipEpoch(devices[1]), 1, "epoch 1");
    }

    function test_registerDevicesFor_refusals() public {
        bytes[] memory keys = new bytes[](1);
        keys[0] = publicKeyOf(keyOf(1));
        vm.expectRevert(IDeviceRegistry.InvalidInitialOwner.selector);
        vm.prank(operator);
        fleet.registerDevicesFor(keys, AIR, address(0));
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.Unauthorized.selector, stranger));
        vm.prank(stranger);
        fleet.registerDevicesFor(keys, AIR, stranger);
    }

    // ---------------------------------------------------------------- revocation and keys

    function test_revokeDevice_byIdentityRole() public {
        address device = register(keyOf(1));
        vm.prank(identityRole);
        fleet.revokeDevice(device, "owner reported the key compromised");
        assertTrue(statusOf(device) == DeviceStatus.Revoked, "revoked");
    }

    function test_deviceSigner_andKeyBookkeeping() public {
        address ghost = vm.addr(keyOf(9));
        assertEq(fleet.deviceSigner(ghost), address(0), "unknown");
        assertEq(fleet.deviceOfKey(ghost), address(0), "unused key");
        address device = register(keyOf(1));
        assertEq(fleet.deviceSigner(device), device, "unrotated: the id");

        bytes memory newKey = publicKeyOf(keyOf(2));
        vm.expectEmit(address(fleet));
        emit IDeviceKeyLifecycle.DeviceKeyRotated(device, device, vm.addr(keyOf(2)), newKey);
        vm.prank(identityRole);
        fleet.replaceDeviceKey(device, newKey);
        assertEq(fleet.deviceSigner(device), vm.addr(keyOf(2)), "rotated");
        DeviceView memory v = fleet.getDevice(device);
        assertEq(v.publicKey, newKey, "current key");
        assertEq(fleet.deviceIdOf(newKey), vm.addr(keyOf(2)), "deviceIdOf is a pure key hash");

        vm.startPrank(identityRole);
        vm.expectRevert(IDeviceRegistry.InvalidPublicKey.selector);
        fleet.replaceDeviceKey(device, new bytes(64));
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, ghost));
        fleet.replaceDeviceKey(ghost, publicKeyOf(keyOf(3)));
        vm.stopPrank();
    }

    /// Reinstatement, profiles and readings keep the KEY_ROTATED bit of the record.
    function test_rotatedBitSurvivesRecordUpdates() public {
        address device = register(keyOf(1));
        vm.prank(identityRole);
        fleet.replaceDeviceKey(device, publicKeyOf(keyOf(2)));
        vm.startPrank(operator);
        fleet.suspendDevice(device, "x");
        fleet.reinstateDevice(device, "y");
        fleet.setDeviceProfile(device, airProfile());
        fleet.clearDeviceProfile(device);
        vm.stopPrank();
        bytes32 domain = domainSeparatorOf(address(fleet), block.chainid);
        submit(signedAs(keyOf(2), device, 1, uint64(T0), encodeMetrics(cleanValues()), domain));
        assertEq(fleet.getDevice(device).lastSequence, 1, "recorded");
        assertEq(fleet.deviceSigner(device), vm.addr(keyOf(2)), "still rotated after a reading");
    }
}
