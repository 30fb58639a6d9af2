// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {FleetBase} from "./utils/FleetBase.sol";
import {IBehaviourProfiles, IDeviceRegistry, IReadingInspection} from "../src/interfaces/IPythiaFleet.sol";

contract ProfilesTest is FleetBase {
    function _assertSame(Profile memory a, Profile memory b) internal pure {
        assertEq(a.metricCount, b.metricCount, "metricCount");
        assertEq(a.maxPayloadBytes, b.maxPayloadBytes, "maxPayloadBytes");
        assertEq(a.minInterval, b.minInterval, "minInterval");
        assertEq(a.maxClockSkew, b.maxClockSkew, "maxClockSkew");
        assertEq(a.flagThreshold, b.flagThreshold, "flagThreshold");
        assertEq(a.flagWindow, b.flagWindow, "flagWindow");
        assertEq(a.suspensionsBeforeRevoke, b.suspensionsBeforeRevoke, "suspensionsBeforeRevoke");
        assertEq(a.minValue.length, b.minValue.length, "minValue length");
        for (uint256 i; i < a.minValue.length; ++i) {
            assertEq(a.minValue[i], b.minValue[i], "minValue");
            assertEq(a.maxValue[i], b.maxValue[i], "maxValue");
            assertEq(a.maxDelta[i], b.maxDelta[i], "maxDelta");
        }
    }

    function _expectInvalid(Profile memory p, string memory reason) internal {
        vm.expectRevert(abi.encodeWithSelector(IBehaviourProfiles.InvalidProfile.selector, reason));
        vm.prank(operator);
        fleet.setClassProfile(2, p);
    }

    function test_validation() public {
        Profile memory p = airProfile();
        p.metricCount = 0;
        _expectInvalid(p, "metricCount must be 1..8");
        p.metricCount = 9;
        _expectInvalid(p, "metricCount must be 1..8");

        p = airProfile();
        p.maxDelta = new uint16[](5);
        _expectInvalid(p, "minValue, maxValue and maxDelta must have metricCount entries");
        p = airProfile();
        p.minValue = new int16[](7);
        _expectInvalid(p, "minValue, maxValue and maxDelta must have metricCount entries");

        p = airProfile();
        p.minValue[3] = p.maxValue[3] + 1;
        _expectInvalid(p, "minValue > maxValue");

        p = airProfile();
        p.maxPayloadBytes = 11;
        _expectInvalid(p, "maxPayloadBytes < 2 * metricCount");
        p.maxPayloadBytes = 257;
        _expectInvalid(p, "maxPayloadBytes > 256");

        p = airProfile();
        p.flagWindow = 0;
        _expectInvalid(p, "flagWindow must be > 0 when flagThreshold > 0");
        p.flagThreshold = 0; // no flag response: a zero window is fine
        vm.prank(operator);
        fleet.setClassProfile(2, p);
    }

    function test_classProfile_versionsAndRoundTrip() public {
        (Profile memory stored, uint32 version) = fleet.classProfile(AIR);
        assertEq(version, 1, "first version");
        _assertSame(stored, airProfile());

        Profile memory p = airProfile();
        p.minValue[4] = -32768;
        p.maxValue[5] = 32767;
        p.maxDelta[0] = 0;
        p.maxDelta[1] = 65535;
        vm.expectEmit(address(fleet));
        emit IBehaviourProfiles.ClassProfileSet(AIR, 2, p);
        vm.prank(operator);
        fleet.setClassProfile(AIR, p);
        (stored, version) = fleet.classProfile(AIR);
        assertEq(version, 2, "second version");
        _assertSame(stored, p);

        (, version) = fleet.classProfile(99);
        assertEq(version, 0, "never set");
    }

    function test_onlyOperator() public {
        bytes32 role = fleet.OPERATOR_ROLE();
        address d = register(keyOf(1));
        vm.startPrank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, manufacturer, role));
        fleet.setClassProfile(AIR, airProfile());
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, manufacturer, role));
        fleet.setDeviceProfile(d, airProfile());
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, manufacturer, role));
        fleet.clearDeviceProfile(d);
        vm.stopPrank();
    }

    function test_deviceProfile_overrideAndClear() public {
        uint256 k = keyOf(1);
        address d = register(k);
        (, uint32 version, bool own) = fleet.effectiveProfile(d);
        assertEq(version, 1, "class version");
        assertFalse(own, "class profile");

        Profile memory narrow = airProfile();
        narrow.maxValue[0] = 100; // PM2.5 above 10.0 is out of range for this device
        vm.expectEmit(address(fleet));
        emit IBehaviourProfiles.DeviceProfileSet(d, 1, narrow);
        vm.prank(operator);
        fleet.setDeviceProfile(d, narrow);
        Profile memory effective;
        (effective, version, own) = fleet.effectiveProfile(d);
        assertTrue(own, "own profile");
        assertEq(version, 1, "device version");
        _assertSame(effective, narrow);
        assertTrue(fleet.getDevice(d).hasOwnProfile, "flag in view");

        // The clean air-quality reading (PM2.5 = 120) breaks the device's own profile.
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingFlagged(d, 1, 1, 0, 120);
        submit(clean(k, 1, uint64(T0)));

        vm.expectEmit(address(fleet));
        emit IBehaviourProfiles.DeviceProfileCleared(d);
        vm.prank(operator);
        fleet.clearDeviceProfile(d);
        (, version, own) = fleet.effectiveProfile(d);
        assertFalse(own, "back to class");
        assertEq(version, 1, "class version");
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingAccepted(d, 2);
        submit(clean(k, 2, uint64(T0 + 60)));

        vm.expectRevert(abi.encodeWithSelector(IBehaviourProfiles.NoDeviceProfile.selector, d));
        vm.prank(operator);
        fleet.clearDeviceProfile(d);

        vm.prank(operator);
        fleet.setDeviceProfile(d, narrow);
        (, version, own) = fleet.effectiveProfile(d);
        assertEq(version, 2, "device versions never repeat");
        assertTrue(own, "own again");
    }

    function test_deviceProfile_unknownDevice() public {
        address unknown = address(0xD00D);
        vm.startPrank(operator);
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        fleet.setDeviceProfile(unknown, airProfile());
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        fleet.clearDeviceProfile(unknown);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        fleet.effectiveProfile(unknown);
    }

    function test_deviceProfile_invalid() public {
        address d = register(keyOf(1));
        Profile memory p = airProfile();
        p.metricCount = 0;
        vm.expectRevert(abi.encodeWithSelector(IBehaviourProfiles.InvalidProfile.selector, "metricCount must be 1..8"));
        vm.prank(operator);
        fleet.setDeviceProfile(d, p);
    }
}
