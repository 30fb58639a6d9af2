// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IdentityBase} from "./utils/IdentityBase.sol";
import {FirmwareRegistry} from "../src/FirmwareRegistry.sol";
import {IFirmwareRegistryTypes as FW} from "../src/interfaces/IFirmwareRegistry.sol";
import {IDeviceKeys, IDeviceKeyLifecycle} from "../src/interfaces/IDeviceKeys.sol";

/// @notice The firmware registry against the REAL fleet, identity and ownership contracts, wired as
/// `pythia up` wires them (src/chain/deploy.ts): the registry holds the fleet's INSPECTOR_ROLE, the
/// class manufacturer comes from DeviceIdentity, owners and epochs from DeviceOwnership, device keys
/// and the graduated response from PythiaFleet. Firmware.t.sol covers the rules with test doubles;
/// this suite checks that the real contracts answer what the registry expects of them.
contract FirmwareIntegrationTest is IdentityBase {
    FirmwareRegistry internal registry;

    address internal alice = address(0xA1);
    address internal bob = address(0xB0B);

    bytes32 internal constant MANIFEST_TYPEHASH_ =
        keccak256(
            "FirmwareManifest(uint16 classId,uint64 sequence,bytes32 digest,uint64 size,string location,uint64 issuedAt)"
        );
    bytes32 internal constant REPORT_TYPEHASH_ =
        keccak256("FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce)");

    uint256[] internal releaseKeys;
    uint256 internal deviceKey;
    address internal device;

    function setUp() public override {
        super.setUp();
        registry = new FirmwareRegistry(address(fleet), ownership, identity);
        vm.startPrank(admin);
        fleet.grantRole(fleet.INSPECTOR_ROLE(), address(registry));
        vm.stopPrank();

        for (uint256 i; i < 3; ++i) {
            releaseKeys.push(uint256(keccak256(abi.encode("integration release key", i))) % (SECP256K1_N - 1) + 1);
        }
        vm.prank(factory); // the class manufacturer, as DeviceIdentity says
        registry.setInitialReleaseKeys(AIR, addrs(releaseKeys), 2);

        deviceKey = keyOf(42);
        device = provision(deviceKey); // owned by the factory
        transfer(device, alice);
    }

    // ---------------------------------------------------------------- helpers

    function addrs(uint256[] memory keys) internal pure returns (address[] memory out) {
        out = new address[](keys.length);
        for (uint256 i; i < keys.length; ++i) out[i] = vm.addr(keys[i]);
    }

    function firmwareTyped(bytes32 structHash) internal view returns (bytes32) {
        return typed(domainOf("Pythia Firmware", address(registry)), structHash);
    }

    function manifest(uint64 sequence) internal view returns (FW.Manifest memory m) {
        m.classId = AIR;
        m.sequence = sequence;
        m.digest = sha256(abi.encode("integration image", sequence));
        m.size = 300_000;
        m.location = string.concat("https://firmware.example/air/", vm.toString(uint256(sequence)));
        m.issuedAt = uint64(block.timestamp);
    }

    function manifestDigestOf(FW.Manifest memory m) internal view returns (bytes32) {
        return
            firmwareTyped(
                keccak256(
                    abi.encode(MANIFEST_TYPEHASH_, m.classId, m.sequence, m.digest, m.size, keccak256(bytes(m.location)), m.issuedAt)
                )
            );
    }

    /// @dev Signatures by release keys `a` and `b`, ordered by ascending signer address.
    function signedBy(uint256 a, uint256 b, bytes32 digest) internal pure returns (bytes[] memory sigs) {
        if (vm.addr(a) > vm.addr(b)) (a, b) = (b, a);
        sigs = new bytes[](2);
        sigs[0] = sig(a, digest);
        sigs[1] = sig(b, digest);
    }

    function publish(uint64 sequence) internal returns (bytes32 releaseId, FW.Manifest memory m) {
        m = manifest(sequence);
        vm.prank(stranger); // anyone may submit a threshold-signed manifest
        releaseId = registry.publishRelease(m, signedBy(releaseKeys[0], releaseKeys[2], manifestDigestOf(m)));
    }

    function report(uint64 sequence, bytes32 digest, uint64 nonce) internal returns (FW.ReportVerdict) {
        bytes32 digest712 = firmwareTyped(keccak256(abi.encode(REPORT_TYPEHASH_, device, sequence, digest, nonce)));
        bytes memory signature = sig(deviceKey, digest712);
        vm.prank(relayer);
        return registry.reportFirmware(device, sequence, digest, nonce, signature);
    }

    // ---------------------------------------------------------------- tests

    function test_wiring_digestsMatchAnIndependentEncoder() public view {
        FW.Manifest memory m = manifest(1);
        assertEq(registry.manifestDigest(m), manifestDigestOf(m), "manifest digest");
        assertTrue(fleet.hasRole(fleet.INSPECTOR_ROLE(), address(registry)), "inspector");
    }

    function test_publish_byTheClassManufacturersReleaseKeys() public {
        (bytes32 releaseId, FW.Manifest memory m) = publish(1);
        FW.Release memory r = registry.getRelease(releaseId);
        assertEq(r.sequence, 1, "sequence");
        assertEq(r.digest, m.digest, "digest");
        assertEq(registry.getClass(AIR).latestSequence, 1, "latest");
    }

    function test_initialKeys_onlyByTheManufacturerTheIdentityNames() public {
        vm.prank(admin); // a class without keys yet: its manufacturer is whoever DeviceIdentity names
        identity.assignClassManufacturer(7, bob);
        vm.prank(factory);
        vm.expectRevert(abi.encodeWithSelector(FW.NotClassManufacturer.selector, uint16(7), factory));
        registry.setInitialReleaseKeys(7, addrs(releaseKeys), 2);
        vm.prank(bob);
        registry.setInitialReleaseKeys(7, addrs(releaseKeys), 2);
    }

    function test_isApproved_forARealDevice() public {
        (bytes32 releaseId, ) = publish(1);
        (bool ok, uint8 reason) = registry.isApproved(device, releaseId);
        assertFalse(ok, "approve-each by default");
        assertEq(reason, uint8(FW.ApprovalReason.OwnerApprovalMissing), "reason");

        vm.prank(alice);
        registry.setReleaseApproval(device, releaseId, true);
        (ok, reason) = registry.isApproved(device, releaseId);
        assertTrue(ok, "approved by its owner");

        vm.prank(operator);
        fleet.suspendDevice(device, "maintenance");
        (ok, reason) = registry.isApproved(device, releaseId);
        assertEq(reason, uint8(FW.ApprovalReason.DeviceNotActive), "suspended on the fleet");
    }

    function test_ownerTransfer_resetsPolicyAndApprovals() public {
        (bytes32 first, ) = publish(1);
        vm.warp(block.timestamp + 60);
        (bytes32 second, ) = publish(2);
        vm.startPrank(alice);
        registry.setUpdatePolicy(device, FW.UpdatePolicy.Automatic);
        registry.setReleaseApproval(device, first, true);
        vm.stopPrank();
        (bool ok, ) = registry.isApproved(device, second);
        assertTrue(ok, "automatic under alice");

        uint64 epoch = ownership.ownershipEpoch(device);
        transfer(device, bob);
        assertEq(ownership.ownershipEpoch(device), epoch + 1, "epoch moved");
        assertEq(uint8(registry.updatePolicy(device)), uint8(FW.UpdatePolicy.ApproveEach), "bob starts clean");
        assertFalse(registry.releaseApproved(device, first), "alice's approval void");
        uint8 reason;
        (ok, reason) = registry.isApproved(device, second);
        assertEq(reason, uint8(FW.ApprovalReason.OwnerApprovalMissing), "needs bob");

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(FW.NotDeviceOwner.selector, device, alice));
        registry.setUpdatePolicy(device, FW.UpdatePolicy.Automatic);

        transfer(device, alice); // back to alice: her old grants do not come back
        assertEq(uint8(registry.updatePolicy(device)), uint8(FW.UpdatePolicy.ApproveEach), "not restored");
        assertFalse(registry.releaseApproved(device, first), "not restored");
    }

    function test_report_deviceSignedInstallRecorded() public {
        (bytes32 releaseId, FW.Manifest memory m) = publish(1);
        vm.expectEmit(address(registry));
        emit FW.FirmwareInstalled(device, releaseId, 1, m.digest, 1);
        assertEq(uint8(report(1, m.digest, 1)), uint8(FW.ReportVerdict.Installed), "verdict");
        (uint64 sequence, uint64 nonce) = registry.installedFirmware(device);
        assertEq(sequence, 1, "installed");
        assertEq(nonce, 1, "nonce");
        assertEq(fleet.getDevice(device).flags, 0, "not flagged");
    }

    function test_report_followsTheRealDeviceKeyRotation() public {
        (, FW.Manifest memory m) = publish(1);
        uint256 newKey = keyOf(43);
        rotate(device, deviceKey, newKey);
        vm.expectRevert(abi.encodeWithSelector(FW.InvalidReportSignature.selector, device));
        report(1, m.digest, 1); // still signed with the old key
        deviceKey = newKey;
        assertEq(uint8(report(1, m.digest, 1)), uint8(FW.ReportVerdict.Installed), "new key");
    }

    function test_report_revokedBuildFlagsUntilTheFleetSuspends() public {
        (bytes32 releaseId, FW.Manifest memory m) = publish(1);
        vm.prank(factory);
        registry.revokeRelease(releaseId, "CVE-2026-0001");

        // airProfile: 3 flags within an hour suspend the device.
        for (uint64 nonce = 1; nonce <= 2; ++nonce) {
            vm.expectEmit(address(fleet));
            emit IDeviceKeyLifecycle.DeviceFlagged(device, registry.FIRMWARE_UNAPPROVED(), m.digest, address(registry));
            assertEq(uint8(report(1, m.digest, nonce)), uint8(FW.ReportVerdict.RevokedBuild), "verdict");
            assertEq(uint8(fleet.deviceStatus(device)), uint8(DeviceStatus.Active), "still active");
        }
        report(1, m.digest, 3);
        assertEq(uint8(fleet.deviceStatus(device)), uint8(DeviceStatus.Suspended), "suspended by the graduated response");
        assertEq(fleet.getDevice(device).flags, 3, "three flags");
        (uint64 sequence, ) = registry.installedFirmware(device);
        assertEq(sequence, 0, "never recorded as installed");

        (bool ok, uint8 reason) = registry.isApproved(device, releaseId);
        assertFalse(ok, "no");
        assertEq(reason, uint8(FW.ApprovalReason.DeviceNotActive), "the suspension comes first");
    }

    function test_report_unknownBuildFlagged_andRevokedDeviceRefusesTheFlagWithoutReverting() public {
        bytes32 unknown = sha256("a build nobody published");
        assertEq(uint8(report(5, unknown, 1)), uint8(FW.ReportVerdict.UnknownBuild), "verdict");
        assertEq(fleet.getDevice(device).flags, 1, "flagged");

        vm.prank(operator);
        fleet.revokeDevice(device, "stolen");
        vm.recordLogs();
        assertEq(uint8(report(5, unknown, 2)), uint8(FW.ReportVerdict.UnknownBuild), "still judged");
        assertEq(vm.getRecordedLogs().length, 2, "FirmwareReportFlagged + FleetFlagFailed");
    }
}
