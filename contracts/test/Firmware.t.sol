// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FirmwareBase} from "./utils/FirmwareBase.sol";
import {FirmwareRegistry} from "../src/FirmwareRegistry.sol";
import {IPythiaFleetTypes} from "../src/interfaces/IPythiaFleet.sol";

/// @notice Owns a device and funds its update; re-enters withdraw() from receive().
contract ReentrantFunder {
    FirmwareRegistry internal immutable registry;
    bool public reentered;
    bool public innerSucceeded;
    uint256 public received;

    constructor(FirmwareRegistry registry_) {
        registry = registry_;
    }

    function fund(address device, bytes32 releaseId, uint64 deadline) external payable returns (uint256) {
        return registry.fundUpdate{value: msg.value}(device, releaseId, deadline);
    }

    function reclaim(uint256 escrowId) external {
        registry.reclaimEscrow(escrowId);
    }

    function withdraw() external {
        registry.withdraw();
    }

    receive() external payable {
        received += msg.value;
        if (!reentered) {
            reentered = true;
            try registry.withdraw() {
                innerSucceeded = true;
            } catch {}
        }
    }
}

/// @notice A payee that refuses ETH.
contract RefusingPayee {
    function withdraw(FirmwareRegistry registry) external {
        registry.withdraw();
    }
}

contract FirmwareTest is FirmwareBase {
    address internal device; // AIR, owned by alice
    address internal parkingDevice; // PARKING, owned by bob
    uint256 internal deviceKeyPk;

    function setUp() public override {
        super.setUp();
        deviceKeyPk = deviceKey(1);
        device = addDevice(deviceKeyPk, AIR, alice);
        parkingDevice = addDevice(deviceKey(2), PARKING, bob);
        vm.deal(alice, 100 ether);
        vm.deal(bob, 100 ether);
    }

    // ================================================================ release keys

    function test_initialKeys_setOnceByTheManufacturer() public {
        ClassView memory c = registry.getClass(AIR);
        assertEq(c.keys.length, 3, "keys");
        assertEq(c.threshold, 2, "threshold");
        assertEq(c.keysVersion, 1, "version");
        assertEq(c.maxSequenceStep, 1000, "default step");
        assertEq(c.maxManifestAge, 7 days, "default age");
        assertEq(c.payee, manufacturer, "payee defaults to the manufacturer");

        vm.prank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(ReleaseKeysAlreadySet.selector, AIR));
        registry.setInitialReleaseKeys(AIR, addrs(keyList(30, 2)), 1);
    }

    function test_initialKeys_onlyTheClassManufacturer() public {
        assignClass(3, manufacturer);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(NotClassManufacturer.selector, uint16(3), stranger));
        registry.setInitialReleaseKeys(3, addrs(keyList(30, 2)), 1);
        // the manufacturer of another class neither
        vm.prank(otherManufacturer);
        vm.expectRevert(abi.encodeWithSelector(NotClassManufacturer.selector, uint16(3), otherManufacturer));
        registry.setInitialReleaseKeys(3, addrs(keyList(30, 2)), 1);
        // a class without a manufacturer: nobody (not even address(0) semantics)
        vm.prank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(NotClassManufacturer.selector, uint16(4), manufacturer));
        registry.setInitialReleaseKeys(4, addrs(keyList(30, 2)), 1);
    }

    function test_initialKeys_refusesBadSets() public {
        assignClass(3, manufacturer);
        address[] memory keys = addrs(keyList(30, 3));
        vm.startPrank(manufacturer);
        vm.expectRevert(InvalidKeySet.selector);
        registry.setInitialReleaseKeys(3, keys, 0); // threshold 0
        vm.expectRevert(InvalidKeySet.selector);
        registry.setInitialReleaseKeys(3, keys, 4); // threshold > n
        vm.expectRevert(InvalidKeySet.selector);
        registry.setInitialReleaseKeys(3, new address[](0), 1); // empty
        address[] memory dup = addrs(keyList(30, 3));
        dup[2] = dup[0];
        vm.expectRevert(InvalidKeySet.selector);
        registry.setInitialReleaseKeys(3, dup, 2);
        address[] memory zero = addrs(keyList(30, 3));
        zero[1] = address(0);
        vm.expectRevert(InvalidKeySet.selector);
        registry.setInitialReleaseKeys(3, zero, 2);
        vm.expectRevert(InvalidKeySet.selector);
        registry.setInitialReleaseKeys(3, addrs(keyList(30, 17)), 2); // too many
        registry.setInitialReleaseKeys(3, addrs(keyList(30, 16)), 16); // the largest allowed
        vm.stopPrank();
        assertEq(registry.getClass(3).keys.length, 16, "16 keys");
    }

    function _rotateAir(uint256[] memory signers, uint64 version, uint256[] memory newKeys, uint8 threshold) internal {
        address[] memory keys = addrs(newKeys);
        bytes[] memory sigs = signSorted(signers, typed(rotationHashOf(AIR, version, keys, threshold)));
        vm.prank(stranger);
        registry.rotateReleaseKeys(AIR, version, keys, threshold, sigs);
    }

    function test_rotation_byThresholdOfCurrentKeys() public {
        uint256[] memory newKeys = keyList(20, 4);
        address[] memory keys = addrs(newKeys);
        assertEq(registry.rotationDigest(AIR, 2, keys, 3), typed(rotationHashOf(AIR, 2, keys, 3)), "digest");
        vm.expectEmit(address(registry));
        emit ReleaseKeysSet(AIR, 2, keys, 3, stranger);
        _rotateAir(two(airKeys[0], airKeys[2]), 2, newKeys, 3);
        ClassView memory c = registry.getClass(AIR);
        assertEq(c.keysVersion, 2, "version");
        assertEq(c.threshold, 3, "threshold");

        // the old keys no longer count, even all of them
        Manifest memory m = manifest(AIR, 1);
        bytes[] memory oldSigs = signManifest(m, airKeys);
        vm.expectRevert();
        registry.publishRelease(m, oldSigs);
        // the new keys do, with the new threshold
        vm.expectRevert(abi.encodeWithSelector(ThresholdNotMet.selector, uint256(2), uint256(3)));
        registry.publishRelease(m, signManifest(m, two(newKeys[0], newKeys[1])));
        uint256[] memory three = new uint256[](3);
        (three[0], three[1], three[2]) = (newKeys[0], newKeys[1], newKeys[3]);
        registry.publishRelease(m, signManifest(m, three));
    }

    function test_rotation_needsTheOldThreshold() public {
        // a rotation to a 1-of-1 set still needs 2 of the current keys
        vm.expectRevert(abi.encodeWithSelector(ThresholdNotMet.selector, uint256(1), uint256(2)));
        _rotateAir(one(airKeys[0]), 2, one(relKey(20)), 1);
        // signatures by the NEW keys do not authorise their own rotation
        vm.expectRevert();
        _rotateAir(two(relKey(20), relKey(21)), 2, two(relKey(20), relKey(21)), 1);
    }

    function test_rotation_cannotBeReplayed() public {
        uint256[] memory newKeys = keyList(20, 2);
        address[] memory keys = addrs(newKeys);
        bytes[] memory sigs = signSorted(two(airKeys[0], airKeys[1]), typed(rotationHashOf(AIR, 2, keys, 2)));
        registry.rotateReleaseKeys(AIR, 2, keys, 2, sigs);
        // replay of the same signed rotation
        vm.expectRevert(abi.encodeWithSelector(InvalidKeysVersion.selector, uint64(3), uint64(2)));
        registry.rotateReleaseKeys(AIR, 2, keys, 2, sigs);
        // the old keys sign a version-3 rotation back to themselves: no longer current
        vm.expectRevert();
        _rotateAir(two(airKeys[0], airKeys[1]), 3, airKeys, 2);
        // a skipped version is refused
        vm.expectRevert(abi.encodeWithSelector(InvalidKeysVersion.selector, uint64(3), uint64(4)));
        _rotateAir(newKeys, 4, airKeys, 2);
        // the manufacturer cannot reset the keys either
        vm.prank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(ReleaseKeysAlreadySet.selector, AIR));
        registry.setInitialReleaseKeys(AIR, addrs(airKeys), 1);
        // the rotation must still be a valid key set
        vm.expectRevert(InvalidKeySet.selector);
        _rotateAir(newKeys, 3, newKeys, 3);
    }

    function test_rotation_refusedForClassWithoutKeys() public {
        vm.expectRevert(abi.encodeWithSelector(NoReleaseKeys.selector, uint16(9)));
        registry.rotateReleaseKeys(9, 1, new address[](1), 1, new bytes[](0));
    }

    // ================================================================ publishing

    function test_publish_validRelease() public {
        Manifest memory m = manifest(AIR, 1);
        bytes32 id = registry.releaseIdOf(AIR, 1);
        assertEq(id, keccak256(abi.encode(AIR, uint64(1))), "release id");
        assertEq(registry.manifestDigest(m), typed(manifestHashOf(m)), "manifest digest");
        vm.expectEmit(address(registry));
        emit ReleasePublished(id, AIR, 1, m.digest, m.size, m.location, m.issuedAt, manufacturer);
        assertEq(publish(m), id, "returned id");
        Release memory r = registry.getRelease(id);
        assertEq(r.classId, AIR, "class");
        assertEq(r.sequence, 1, "sequence");
        assertEq(r.digest, m.digest, "digest");
        assertEq(r.size, m.size, "size");
        assertEq(r.manifestHash, manifestHashOf(m), "manifest hash");
        assertFalse(r.revoked, "not revoked");
        assertEq(registry.getClass(AIR).latestSequence, 1, "latest");
    }

    function test_publish_anyoneMaySubmit() public {
        Manifest memory m = manifest(AIR, 1);
        bytes[] memory sigs = signManifest(m, two(airKeys[1], airKeys[2]));
        vm.prank(stranger);
        registry.publishRelease(m, sigs);
    }

    /// Uptane "arbitrary software": a signature by a key that is not a release key of the class.
    function test_attack_arbitrarySoftware_wrongKey() public {
        Manifest memory m = manifest(AIR, 1);
        m.digest = sha256("malware");
        uint256 attacker = relKey(99);
        bytes[] memory sigs = signManifest(m, two(airKeys[0], attacker));
        vm.expectRevert(abi.encodeWithSelector(InvalidSignature.selector, vm.addr(attacker)));
        registry.publishRelease(m, sigs);
        // and the manufacturer's account itself is not a release key
        vm.expectRevert();
        registry.publishRelease(m, signManifest(m, two(airKeys[0], uint256(0x0456))));
        publish(AIR, 1); // a valid release still succeeds
    }

    /// Uptane "arbitrary software": too few signatures.
    function test_attack_arbitrarySoftware_tooFewSignatures() public {
        Manifest memory m = manifest(AIR, 1);
        vm.expectRevert(abi.encodeWithSelector(ThresholdNotMet.selector, uint256(1), uint256(2)));
        registry.publishRelease(m, signManifest(m, one(airKeys[0])));
        vm.expectRevert(abi.encodeWithSelector(ThresholdNotMet.selector, uint256(0), uint256(2)));
        registry.publishRelease(m, new bytes[](0));
        publish(m);
    }

    /// The same key twice does not count twice.
    function test_attack_duplicateSigner() public {
        Manifest memory m = manifest(AIR, 1);
        bytes memory sig = sign(airKeys[0], typed(manifestHashOf(m)));
        bytes[] memory sigs = new bytes[](2);
        sigs[0] = sig;
        sigs[1] = sig;
        vm.expectRevert(abi.encodeWithSelector(SignersNotAscending.selector, vm.addr(airKeys[0])));
        registry.publishRelease(m, sigs);
        // a second, different signature by the same key (other nonce) neither: signers must be distinct
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(airKeys[0], typed(manifestHashOf(m)));
        sigs[1] = abi.encodePacked(r, s, v);
        vm.expectRevert(abi.encodeWithSelector(SignersNotAscending.selector, vm.addr(airKeys[0])));
        registry.publishRelease(m, sigs);
        publish(m);
    }

    /// Uptane "compromised key under the threshold": one stolen release key can do nothing alone.
    function test_attack_compromisedSingleKey() public {
        uint256 stolen = airKeys[2];
        Manifest memory evil = manifest(AIR, 1);
        evil.digest = sha256("backdoor");
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ThresholdNotMet.selector, uint256(1), uint256(2)));
        registry.publishRelease(evil, signManifest(evil, one(stolen)));
        // it cannot rotate the keys to ones the attacker holds
        address[] memory mine = addrs(keyList(66, 2));
        bytes[] memory rot = signSorted(one(stolen), typed(rotationHashOf(AIR, 2, mine, 1)));
        vm.expectRevert(abi.encodeWithSelector(ThresholdNotMet.selector, uint256(1), uint256(2)));
        registry.rotateReleaseKeys(AIR, 2, mine, 1, rot);
        vm.stopPrank();
        // the honest keys rotate the stolen key out (2-of-3 → 2-of-2 with a fresh key)
        _rotateAir(two(airKeys[0], airKeys[1]), 2, two(airKeys[0], relKey(40)), 2);
        vm.expectRevert(abi.encodeWithSelector(InvalidSignature.selector, vm.addr(stolen)));
        registry.publishRelease(evil, signManifest(evil, two(airKeys[0], stolen)));
        Manifest memory good = manifest(AIR, 1);
        registry.publishRelease(good, signManifest(good, two(airKeys[0], relKey(40))));
    }

    /// Uptane "rollback": a sequence not above the class's latest.
    function test_attack_rollback() public {
        publish(AIR, 5);
        Manifest memory again = manifest(AIR, 5);
        again.digest = sha256("old vulnerable build");
        bytes[] memory sigs = signManifest(again, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(SequenceNotNewer.selector, uint64(5), uint64(5)));
        registry.publishRelease(again, sigs);
        Manifest memory older = manifest(AIR, 4);
        sigs = signManifest(older, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(SequenceNotNewer.selector, uint64(4), uint64(5)));
        registry.publishRelease(older, sigs);
        publish(AIR, 6);
    }

    /// Uptane "fast-forward": an absurd sequence would lock out every later release.
    function test_attack_fastForward() public {
        Manifest memory m = manifest(AIR, type(uint64).max);
        bytes[] memory sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(SequenceTooFar.selector, type(uint64).max, uint64(0), uint64(1000)));
        registry.publishRelease(m, sigs);
        m = manifest(AIR, 1001);
        sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(SequenceTooFar.selector, uint64(1001), uint64(0), uint64(1000)));
        registry.publishRelease(m, sigs);
        publish(AIR, 1000); // exactly the step
        // a tighter bound set by the manufacturer
        vm.prank(manufacturer);
        registry.setReleaseBounds(AIR, 10, 0);
        m = manifest(AIR, 1011);
        sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(SequenceTooFar.selector, uint64(1011), uint64(1000), uint64(10)));
        registry.publishRelease(m, sigs);
        publish(AIR, 1010);
    }

    /// Uptane/TUF "freeze": a stale manifest (or one from the future) is refused.
    function test_attack_freeze() public {
        vm.warp(T0 + 30 days);
        Manifest memory m = manifest(AIR, 1);
        m.issuedAt = uint64(block.timestamp - 7 days - 1);
        bytes[] memory sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(
            abi.encodeWithSelector(ManifestExpired.selector, m.issuedAt, uint64(block.timestamp - 7 days))
        );
        registry.publishRelease(m, sigs);
        m.issuedAt = uint64(block.timestamp + 5 minutes + 1);
        sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(ManifestFromFuture.selector, m.issuedAt));
        registry.publishRelease(m, sigs);
        m.issuedAt = uint64(block.timestamp - 7 days); // at the bound
        publish(m);
    }

    function test_bounds_onlyManufacturerAndWithinLimits() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(NotClassManufacturer.selector, AIR, stranger));
        registry.setReleaseBounds(AIR, 5, 1 days);
        vm.startPrank(manufacturer);
        vm.expectRevert(InvalidBounds.selector);
        registry.setReleaseBounds(AIR, 1_000_001, 0);
        vm.expectRevert(InvalidBounds.selector);
        registry.setReleaseBounds(AIR, 0, 59 minutes);
        vm.expectRevert(InvalidBounds.selector);
        registry.setReleaseBounds(AIR, 0, 366 days);
        vm.expectEmit(address(registry));
        emit ReleaseBoundsSet(AIR, 5, 1 days);
        registry.setReleaseBounds(AIR, 5, 1 days);
        vm.stopPrank();
        assertEq(registry.getClass(AIR).maxManifestAge, 1 days, "age");
    }

    /// Uptane "mix-and-match": a release signed for one class is no release of another.
    function test_attack_mixAndMatch() public {
        // PARKING's keys cannot publish for AIR
        Manifest memory m = manifest(AIR, 1);
        vm.expectRevert();
        registry.publishRelease(m, signManifest(m, parkingKeys));
        // a PARKING release is never approved for an AIR device, nor for its owner to approve
        bytes32 parkingRelease = publish(PARKING, 1);
        vm.prank(alice);
        registry.setUpdatePolicy(device, UpdatePolicy.Automatic);
        (bool ok, uint8 reason) = approval(device, parkingRelease);
        assertFalse(ok, "foreign release approved");
        assertEq(reason, uint8(ApprovalReason.WrongClass), "reason");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(WrongDeviceClass.selector, device, AIR, PARKING));
        registry.setReleaseApproval(device, parkingRelease, true);
        // an AIR device reporting the PARKING build is flagged
        ReportVerdict v = report(deviceKeyPk, device, 1, imageDigest(PARKING, 1), 1);
        assertEq(uint8(v), uint8(ReportVerdict.OtherClass), "verdict");
        assertEq(installed(device), 0, "not installed");
        // the AIR release still works
        bytes32 airRelease = publish(AIR, 1);
        (ok, ) = approval(device, airRelease);
        assertTrue(ok, "own class approved");
    }

    function test_publish_refusesMalformedManifests() public {
        Manifest memory m = manifest(AIR, 1);
        m.digest = bytes32(0);
        bytes[] memory sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(InvalidManifest.selector, "digest"));
        registry.publishRelease(m, sigs);
        m = manifest(AIR, 1);
        m.size = 0;
        sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(InvalidManifest.selector, "size"));
        registry.publishRelease(m, sigs);
        m = manifest(AIR, 1);
        m.location = "";
        sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(InvalidManifest.selector, "location"));
        registry.publishRelease(m, sigs);
        m.location = string(new bytes(513));
        sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(InvalidManifest.selector, "location"));
        registry.publishRelease(m, sigs);
        // a class without release keys
        m = manifest(7, 1);
        vm.expectRevert(abi.encodeWithSelector(NoReleaseKeys.selector, uint16(7)));
        registry.publishRelease(m, sigs);
        assertEq(registry.getClass(AIR).latestSequence, 0, "state unchanged");
    }

    /// A manifest signed for another field value, another contract or another chain is worthless.
    function test_publish_signatureBindsEveryField() public {
        Manifest memory m = manifest(AIR, 1);
        bytes[] memory sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        Manifest memory altered = manifest(AIR, 1);
        altered.location = "https://evil.example/fw.bin";
        vm.expectRevert();
        registry.publishRelease(altered, sigs);
        altered = manifest(AIR, 1);
        altered.size = m.size + 1;
        vm.expectRevert();
        registry.publishRelease(altered, sigs);
        registry.publishRelease(m, sigs);
        // signed for this chain, submitted on another
        Manifest memory next = manifest(AIR, 2);
        sigs = signManifest(next, two(airKeys[0], airKeys[1]));
        vm.chainId(777);
        vm.expectRevert();
        registry.publishRelease(next, sigs);
    }

    /// EIP-2: the high-s twin of a valid signature is refused.
    function test_publish_refusesHighS() public {
        Manifest memory m = manifest(AIR, 1);
        bytes32 digest = typed(manifestHashOf(m));
        bytes[] memory sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_firstSigner(), digest);
        sigs[0] = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(InvalidSignature.selector, address(0)));
        registry.publishRelease(m, sigs);
        // and a 64-byte (EIP-2098) or garbage signature too
        sigs[0] = new bytes(64);
        vm.expectRevert(abi.encodeWithSelector(InvalidSignature.selector, address(0)));
        registry.publishRelease(m, sigs);
    }

    function _firstSigner() internal view returns (uint256) {
        return vm.addr(airKeys[0]) < vm.addr(airKeys[1]) ? airKeys[0] : airKeys[1];
    }

    // ================================================================ revocation

    function test_revoke_byTheManufacturerOnly_andFinal() public {
        bytes32 id = publish(AIR, 1);
        vm.prank(alice);
        registry.setUpdatePolicy(device, UpdatePolicy.Automatic);
        vm.prank(alice);
        registry.setReleaseApproval(device, id, true);
        (bool ok, ) = approval(device, id);
        assertTrue(ok, "approved before");

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(NotClassManufacturer.selector, AIR, stranger));
        registry.revokeRelease(id, "cve");
        vm.prank(otherManufacturer);
        vm.expectRevert(abi.encodeWithSelector(NotClassManufacturer.selector, AIR, otherManufacturer));
        registry.revokeRelease(id, "cve");

        vm.expectEmit(address(registry));
        emit ReleaseRevoked(id, AIR, 1, manufacturer, "CVE-2026-0001");
        vm.prank(manufacturer);
        registry.revokeRelease(id, "CVE-2026-0001");
        uint8 reason;
        (ok, reason) = approval(device, id);
        assertFalse(ok, "revoked approved");
        assertEq(reason, uint8(ApprovalReason.Revoked), "reason");

        vm.prank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(ReleaseIsRevoked.selector, id));
        registry.revokeRelease(id, "again");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ReleaseIsRevoked.selector, id));
        registry.setReleaseApproval(device, id, true);
        vm.prank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(UnknownRelease.selector, bytes32(uint256(1))));
        registry.revokeRelease(bytes32(uint256(1)), "unknown");
        // the sequence stays used: the fix is a new, higher release
        Manifest memory again = manifest(AIR, 1);
        bytes[] memory sigs = signManifest(again, two(airKeys[0], airKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(SequenceNotNewer.selector, uint64(1), uint64(1)));
        registry.publishRelease(again, sigs);
        bytes32 fix = publish(AIR, 2);
        (ok, ) = approval(device, fix);
        assertTrue(ok, "fix approved");
    }

    /// @dev Issue #12: once a device runs a release, the manufacturer alone cannot revoke it (that would
    /// flag, and in the end suspend, every device still running it); a threshold of release keys can.
    function test_revoke_installedReleaseNeedsTheReleaseKeys() public {
        bytes32 id = publish(AIR, 1);
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertTrue(registry.getRelease(id).installed, "marked installed");
        vm.prank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(ReleaseInstalled.selector, id));
        registry.revokeRelease(id, "stolen account");
        assertFalse(registry.getRelease(id).revoked, "not revoked");

        bytes32 digest = typed(keccak256(abi.encode(keccak256("ReleaseRevocation(bytes32 releaseId)"), id)));
        assertEq(registry.revocationDigest(id), digest, "digest equals an independent encoding");
        vm.expectRevert(abi.encodeWithSelector(ThresholdNotMet.selector, 1, 2));
        registry.revokeReleaseWithKeys(id, "CVE", signSorted(one(airKeys[0]), digest));
        vm.expectRevert(abi.encodeWithSelector(InvalidSignature.selector, vm.addr(parkingKeys[0])));
        registry.revokeReleaseWithKeys(id, "CVE", signSorted(two(parkingKeys[0], parkingKeys[1]), digest));
        vm.expectEmit(address(registry));
        emit ReleaseRevoked(id, AIR, 1, stranger, "CVE-2026-0002");
        vm.prank(stranger); // anyone submits the keys' signatures
        registry.revokeReleaseWithKeys(id, "CVE-2026-0002", signSorted(two(airKeys[0], airKeys[1]), digest));
        assertTrue(registry.getRelease(id).revoked, "revoked");
        vm.expectRevert(abi.encodeWithSelector(ReleaseIsRevoked.selector, id));
        registry.revokeReleaseWithKeys(id, "again", signSorted(two(airKeys[0], airKeys[1]), digest));
        ReportVerdict v = report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 2);
        assertEq(uint8(v), uint8(ReportVerdict.RevokedBuild), "devices still running it are flagged");
    }

    // ================================================================ owners' policies and approvals

    function test_policy_onlyTheOwner() public {
        bytes32 id = publish(AIR, 1);
        address[3] memory notOwners = [stranger, manufacturer, bob];
        for (uint256 i; i < 3; ++i) {
            vm.prank(notOwners[i]);
            vm.expectRevert(abi.encodeWithSelector(NotDeviceOwner.selector, device, notOwners[i]));
            registry.setUpdatePolicy(device, UpdatePolicy.Automatic);
            vm.prank(notOwners[i]);
            vm.expectRevert(abi.encodeWithSelector(NotDeviceOwner.selector, device, notOwners[i]));
            registry.setReleaseApproval(device, id, true);
        }
        // a device without a token has no owner: nobody
        address tokenless = vm.addr(deviceKey(50));
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(NotDeviceOwner.selector, tokenless, address(0)));
        registry.setUpdatePolicy(tokenless, UpdatePolicy.Automatic);
    }

    function test_policy_defaultApproveEach_thenApproveOrAutomatic() public {
        bytes32 r1 = publish(AIR, 1);
        bytes32 r2 = publish(AIR, 2);
        assertEq(uint8(registry.updatePolicy(device)), uint8(UpdatePolicy.ApproveEach), "default");
        (bool ok, uint8 reason) = approval(device, r1);
        assertFalse(ok, "approved without consent");
        assertEq(reason, uint8(ApprovalReason.OwnerApprovalMissing), "reason");

        vm.expectEmit(address(registry));
        emit ReleaseApprovalSet(device, r1, 1, true, alice);
        vm.prank(alice);
        registry.setReleaseApproval(device, r1, true);
        (ok, ) = approval(device, r1);
        assertTrue(ok, "approved r1");
        (ok, ) = approval(device, r2);
        assertFalse(ok, "r2 needs its own approval");

        vm.prank(alice);
        registry.setReleaseApproval(device, r1, false);
        (ok, ) = approval(device, r1);
        assertFalse(ok, "approval withdrawn");

        vm.expectEmit(address(registry));
        emit UpdatePolicySet(device, 1, UpdatePolicy.Automatic, alice);
        vm.prank(alice);
        registry.setUpdatePolicy(device, UpdatePolicy.Automatic);
        (ok, ) = approval(device, r2);
        assertTrue(ok, "automatic");
    }

    /// A transfer voids the previous owner's policy and approvals at once; the new owner starts clean.
    function test_transfer_voidsPolicyAndApprovals() public {
        bytes32 r1 = publish(AIR, 1);
        vm.startPrank(alice);
        registry.setUpdatePolicy(device, UpdatePolicy.Automatic);
        registry.setReleaseApproval(device, r1, true);
        vm.stopPrank();
        assertTrue(registry.releaseApproved(device, r1), "approved");

        transferDevice(device, bob);
        (bool ok, uint8 reason) = approval(device, r1);
        assertFalse(ok, "previous owner's choices still apply");
        assertEq(reason, uint8(ApprovalReason.OwnerApprovalMissing), "reason");
        assertEq(uint8(registry.updatePolicy(device)), uint8(UpdatePolicy.ApproveEach), "new owner default");
        assertFalse(registry.releaseApproved(device, r1), "approval voided");

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(NotDeviceOwner.selector, device, alice));
        registry.setReleaseApproval(device, r1, true);

        vm.prank(bob);
        registry.setReleaseApproval(device, r1, true);
        (ok, ) = approval(device, r1);
        assertTrue(ok, "new owner approved");

        // and back to alice: her old epoch-1 choices do not come back
        transferDevice(device, alice);
        (ok, ) = approval(device, r1);
        assertFalse(ok, "old epoch revived");
    }

    function test_approval_refusals() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(UnknownRelease.selector, bytes32(uint256(7))));
        registry.setReleaseApproval(device, bytes32(uint256(7)), true);
        // withdrawing an approval needs no release checks
        vm.prank(alice);
        registry.setReleaseApproval(device, bytes32(uint256(7)), false);
    }

    /// Every reason code of isApproved.
    function test_isApproved_reasonCodes() public {
        bytes32 r1 = publish(AIR, 1);
        bytes32 r2 = publish(AIR, 2);
        bytes32 r3 = publish(AIR, 3);
        bytes32 p1 = publish(PARKING, 1);
        vm.prank(alice);
        registry.setReleaseApproval(device, r3, true);
        vm.prank(manufacturer);
        registry.revokeRelease(r2, "bad");
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);

        _expectReason(device, bytes32(uint256(1)), ApprovalReason.UnknownRelease);
        _expectReason(device, p1, ApprovalReason.WrongClass);
        _expectReason(device, r2, ApprovalReason.Revoked);
        _expectReason(device, r1, ApprovalReason.NotNewer);
        _expectReason(device, r3, ApprovalReason.Approved);
        bytes32 r4 = publish(AIR, 4);
        _expectReason(device, r4, ApprovalReason.OwnerApprovalMissing);
        setDeviceStatus(device, IPythiaFleetTypes.DeviceStatus.Suspended);
        _expectReason(device, r3, ApprovalReason.DeviceNotActive);
        setDeviceStatus(device, IPythiaFleetTypes.DeviceStatus.Revoked);
        _expectReason(device, r3, ApprovalReason.DeviceNotActive);
        _expectReason(vm.addr(deviceKey(77)), r3, ApprovalReason.DeviceNotActive); // unknown device
    }

    function _expectReason(address d, bytes32 id, ApprovalReason expected) internal view {
        (bool ok, uint8 reason) = approval(d, id);
        assertEq(reason, uint8(expected), "reason");
        assertEq(ok, expected == ApprovalReason.Approved, "approved flag");
    }

    /// The manifest as the device holds it must match the published one field by field.
    function test_isManifestApproved_matchesEveryField() public {
        Manifest memory m = manifest(AIR, 1);
        publish(m);
        vm.prank(alice);
        registry.setUpdatePolicy(device, UpdatePolicy.Automatic);
        (bool ok, uint8 reason) = registry.isManifestApproved(device, m);
        assertTrue(ok, "exact manifest");
        Manifest memory other = manifest(AIR, 1);
        other.size = m.size * 1000; // endless data: a larger image
        (ok, reason) = registry.isManifestApproved(device, other);
        assertFalse(ok, "size mismatch approved");
        assertEq(reason, uint8(ApprovalReason.UnknownRelease), "reason");
        other = manifest(AIR, 1);
        other.digest = sha256("other image");
        (ok, ) = registry.isManifestApproved(device, other);
        assertFalse(ok, "digest mismatch approved");
        other = manifest(AIR, 1);
        other.location = "https://mirror.example/other";
        (ok, ) = registry.isManifestApproved(device, other);
        assertFalse(ok, "location mismatch approved");
        other = manifest(AIR, 1);
        other.classId = PARKING;
        (ok, ) = registry.isManifestApproved(device, other);
        assertFalse(ok, "class mismatch approved");
    }

    // ================================================================ install reports

    function test_report_recordsTheInstall() public {
        bytes32 id = publish(AIR, 1);
        bytes32 digest = imageDigest(AIR, 1);
        assertEq(
            registry.reportDigest(device, 1, digest, 1),
            typed(keccak256(abi.encode(REPORT_TYPEHASH_, device, uint64(1), digest, uint64(1)))),
            "report digest"
        );
        vm.expectEmit(address(registry));
        emit FirmwareInstalled(device, id, 1, digest, 1);
        ReportVerdict v = report(deviceKeyPk, device, 1, digest, 1);
        assertEq(uint8(v), uint8(ReportVerdict.Installed), "verdict");
        (uint64 seq, uint64 nonce) = registry.installedFirmware(device);
        assertEq(seq, 1, "installed");
        assertEq(nonce, 1, "nonce");
        assertEq(flagCount(), 0, "no flag");
        // the same version again (e.g. after a reboot) with a fresh nonce is fine
        v = report(deviceKeyPk, device, 1, digest, 2);
        assertEq(uint8(v), uint8(ReportVerdict.Installed), "re-report");
    }

    function test_report_replayedNonceRefused() public {
        publish(AIR, 1);
        publish(AIR, 2);
        bytes32 d1 = imageDigest(AIR, 1);
        bytes memory sig = reportSig(deviceKeyPk, device, 1, d1, 5);
        registry.reportFirmware(device, 1, d1, 5, sig);
        vm.expectRevert(abi.encodeWithSelector(ReportReplayed.selector, device, uint64(5), uint64(5)));
        registry.reportFirmware(device, 1, d1, 5, sig);
        bytes32 d2 = imageDigest(AIR, 2);
        bytes memory lower = reportSig(deviceKeyPk, device, 2, d2, 4);
        vm.expectRevert(abi.encodeWithSelector(ReportReplayed.selector, device, uint64(4), uint64(5)));
        registry.reportFirmware(device, 2, d2, 4, lower);
        vm.expectRevert(abi.encodeWithSelector(ReportReplayed.selector, device, uint64(0), uint64(5)));
        report(deviceKeyPk, device, 2, d2, 0);
        report(deviceKeyPk, device, 2, d2, 6);
        assertEq(installed(device), 2, "installed");
    }

    function test_report_signatureRules() public {
        publish(AIR, 1);
        bytes32 d1 = imageDigest(AIR, 1);
        // signed by another key
        bytes memory sig = reportSig(deviceKey(9), device, 1, d1, 1);
        vm.expectRevert(abi.encodeWithSelector(InvalidReportSignature.selector, device));
        registry.reportFirmware(device, 1, d1, 1, sig);
        // another device's report relayed for this one
        sig = reportSig(deviceKey(2), parkingDevice, 1, d1, 1);
        vm.expectRevert(abi.encodeWithSelector(InvalidReportSignature.selector, device));
        registry.reportFirmware(device, 1, d1, 1, sig);
        // an altered field
        sig = reportSig(deviceKeyPk, device, 1, d1, 1);
        vm.expectRevert(abi.encodeWithSelector(InvalidReportSignature.selector, device));
        registry.reportFirmware(device, 1, d1, 2, sig);
        // unknown device
        address unknown = vm.addr(deviceKey(88));
        sig = reportSig(deviceKey(88), unknown, 1, d1, 1);
        vm.expectRevert(abi.encodeWithSelector(UnknownDevice.selector, unknown));
        registry.reportFirmware(unknown, 1, d1, 1, sig);
        // after a device key rotation the old key is refused and the new one accepted
        rotateDeviceKey(device, deviceKey(3));
        vm.expectRevert(abi.encodeWithSelector(InvalidReportSignature.selector, device));
        report(deviceKeyPk, device, 1, d1, 1);
        report(deviceKey(3), device, 1, d1, 1);
        assertEq(installed(device), 1, "installed with the new key");
    }

    function test_report_unknownBuild_isFlaggedNotRecorded() public {
        publish(AIR, 1);
        bytes32 bogus = sha256("unknown build");
        vm.expectEmit(address(registry));
        emit FirmwareReportFlagged(device, 1, bogus, 1, ReportVerdict.UnknownBuild);
        ReportVerdict v = report(deviceKeyPk, device, 1, bogus, 1);
        assertEq(uint8(v), uint8(ReportVerdict.UnknownBuild), "verdict");
        assertEq(installed(device), 0, "not installed");
        (address d, uint8 reasons, bytes32 evidence) = lastFlag();
        assertEq(d, device, "flagged device");
        assertEq(reasons, 32, "FirmwareUnapproved");
        assertEq(evidence, bogus, "evidence");
        // a sequence that was never published
        v = report(deviceKeyPk, device, 9, imageDigest(AIR, 9), 2);
        assertEq(uint8(v), uint8(ReportVerdict.UnknownBuild), "unpublished sequence");
        assertEq(flagCount(), 2, "two flags");
        (, uint64 nonce) = registry.installedFirmware(device);
        assertEq(nonce, 2, "flagged reports consume their nonce");
    }

    /// Endless data / wrong image: the digest the device reports does not match the release's.
    /// (The size bound itself is enforced device-side: a device downloads at most `size` bytes and
    /// checks the SHA-256 before installing; on chain, isManifestApproved refuses a manifest whose
    /// size or digest differ from the published one.)
    function test_attack_endlessData_digestMismatchFlagged() public {
        publish(AIR, 1);
        bytes32 tampered = sha256("image with 1 GB appended");
        ReportVerdict v = report(deviceKeyPk, device, 1, tampered, 1);
        assertEq(uint8(v), uint8(ReportVerdict.UnknownBuild), "verdict");
        assertEq(installed(device), 0, "not installed");
        assertEq(flagCount(), 1, "flagged");
        // the correct image still installs
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 2);
        assertEq(installed(device), 1, "installed");
    }

    function test_report_revokedBuild_isFlagged() public {
        bytes32 id = publish(AIR, 1);
        vm.prank(manufacturer);
        registry.revokeRelease(id, "vulnerable");
        ReportVerdict v = report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertEq(uint8(v), uint8(ReportVerdict.RevokedBuild), "verdict");
        assertEq(installed(device), 0, "not installed");
        assertEq(fleetDouble.flagsOf(device), 1, "flagged");
    }

    /// A device reporting an older build than it already reported (a rollback on the device).
    function test_report_rollback_isFlagged() public {
        publish(AIR, 1);
        publish(AIR, 2);
        report(deviceKeyPk, device, 2, imageDigest(AIR, 2), 1);
        ReportVerdict v = report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 2);
        assertEq(uint8(v), uint8(ReportVerdict.Rollback), "verdict");
        assertEq(installed(device), 2, "installed never decreases");
        assertEq(flagCount(), 1, "flagged");
    }

    /// When the fleet refuses the flag (no INSPECTOR_ROLE, device revoked there...), the report still
    /// goes through and its FirmwareReportFlagged event is the evidence.
    function test_report_flagRefusedByFleet_doesNotRevert() public {
        revokeInspector();
        bytes32 bogus = sha256("unknown build");
        vm.expectEmit(address(registry));
        emit FleetFlagFailed(
            device,
            abi.encodeWithSelector(bytes4(keccak256("NotInspector(address)")), address(registry))
        );
        ReportVerdict v = report(deviceKeyPk, device, 1, bogus, 1);
        assertEq(uint8(v), uint8(ReportVerdict.UnknownBuild), "verdict");
        (, uint64 nonce) = registry.installedFirmware(device);
        assertEq(nonce, 1, "nonce consumed");
    }

    /// A relayer cannot starve the flag call of gas to have the report accepted unflagged.
    function test_report_starvedFlagReverts() public {
        bytes32 bogus = sha256("unknown build");
        bytes memory sig = reportSig(deviceKeyPk, device, 1, bogus, 1);
        bool sawInsufficientGas;
        for (uint256 g = 30_000; g < 200_000; g += 1_000) {
            (bool ok, bytes memory ret) = address(registry).call{gas: g}(
                abi.encodeCall(registry.reportFirmware, (device, 1, bogus, 1, sig))
            );
            if (ok) break;
            if (ret.length == 4 && bytes4(ret) == InsufficientGas.selector) sawInsufficientGas = true;
        }
        assertEq(flagCount(), 1, "the first success flagged the device");
        assertTrue(sawInsufficientGas, "starved flag calls revert");
    }

    // ================================================================ paid updates

    function _fund(address funder, address d, bytes32 id, uint256 amount) internal returns (uint256 escrowId) {
        vm.prank(funder);
        escrowId = registry.fundUpdate{value: amount}(d, id, uint64(block.timestamp + 30 days));
    }

    function test_escrow_releasedOnInstall_thenWithdrawn() public {
        bytes32 id = publish(AIR, 1);
        vm.expectEmit(address(registry));
        emit UpdateFunded(1, device, id, alice, 1 ether, uint64(block.timestamp + 30 days));
        uint256 escrowId = _fund(alice, device, id, 1 ether);
        assertEq(address(registry).balance, 1 ether, "held");
        assertEq(registry.openEscrows(device).length, 1, "open");

        vm.expectEmit(address(registry));
        emit EscrowReleased(escrowId, manufacturer, 1 ether);
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertEq(registry.credits(manufacturer), 1 ether, "credited");
        assertFalse(registry.getEscrow(escrowId).open, "closed");
        assertEq(registry.openEscrows(device).length, 0, "none open");

        uint256 before = manufacturer.balance;
        vm.expectEmit(address(registry));
        emit Withdrawn(manufacturer, 1 ether);
        vm.prank(manufacturer);
        registry.withdraw();
        assertEq(manufacturer.balance - before, 1 ether, "paid");
        assertEq(address(registry).balance, 0, "empty");
        vm.prank(manufacturer);
        vm.expectRevert(abi.encodeWithSelector(NothingToWithdraw.selector, manufacturer));
        registry.withdraw();
    }

    function test_escrow_laterReleaseAlsoPays_toThePayee() public {
        bytes32 r1 = publish(AIR, 1);
        publish(AIR, 2);
        address payee = address(0xFEE);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(NotClassManufacturer.selector, AIR, stranger));
        registry.setPayee(AIR, payee);
        vm.expectEmit(address(registry));
        emit PayeeSet(AIR, payee);
        vm.prank(manufacturer);
        registry.setPayee(AIR, payee);
        uint256 escrowId = _fund(alice, device, r1, 0.5 ether);
        // a report of an unrelated failure does not pay
        report(deviceKeyPk, device, 1, sha256("bogus"), 1);
        assertTrue(registry.getEscrow(escrowId).open, "still open");
        report(deviceKeyPk, device, 2, imageDigest(AIR, 2), 2);
        assertEq(registry.credits(payee), 0.5 ether, "payee credited");
        assertEq(registry.credits(manufacturer), 0, "not the manufacturer");
    }

    function test_escrow_reclaimAfterRevocation() public {
        bytes32 id = publish(AIR, 1);
        uint256 escrowId = _fund(alice, device, id, 1 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(EscrowNotReclaimable.selector, escrowId));
        registry.reclaimEscrow(escrowId);
        vm.prank(manufacturer);
        registry.revokeRelease(id, "cve");
        // anyone closes a reclaimable escrow; the money goes to its funder, never to the caller
        vm.expectEmit(address(registry));
        emit EscrowReclaimed(escrowId, alice, 1 ether);
        vm.prank(bob);
        registry.reclaimEscrow(escrowId);
        assertEq(registry.credits(bob), 0, "nothing for the caller");
        assertEq(registry.credits(alice), 1 ether, "the funder is credited");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(EscrowNotOpen.selector, escrowId));
        registry.reclaimEscrow(escrowId);
        uint256 before = alice.balance;
        vm.prank(alice);
        registry.withdraw();
        assertEq(alice.balance - before, 1 ether, "refunded");
    }

    /// The deadline means "installed by": a later install does not pay, the funder reclaims.
    function test_escrow_lateInstallDoesNotPay() public {
        bytes32 id = publish(AIR, 1);
        uint256 escrowId = _fund(alice, device, id, 1 ether);
        vm.warp(block.timestamp + 30 days + 1);
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertEq(registry.credits(manufacturer), 0, "late install paid");
        vm.prank(alice);
        registry.reclaimEscrow(escrowId);
        assertEq(registry.credits(alice), 1 ether, "reclaimed");
    }

    function test_escrow_reclaimAfterDeadline() public {
        bytes32 id = publish(AIR, 1);
        uint256 escrowId = _fund(alice, device, id, 1 ether);
        vm.warp(block.timestamp + 30 days);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(EscrowNotReclaimable.selector, escrowId));
        registry.reclaimEscrow(escrowId);
        vm.warp(block.timestamp + 1);
        vm.prank(alice);
        registry.reclaimEscrow(escrowId);
        assertEq(registry.credits(alice), 1 ether, "credited back");
        // an install after the reclaim pays nobody
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertEq(registry.credits(manufacturer), 0, "nothing to release");
    }

    /// After a transfer the install no longer pays the manufacturer from the old owner's escrow.
    function test_escrow_transferLetsTheFunderReclaim() public {
        bytes32 id = publish(AIR, 1);
        uint256 escrowId = _fund(alice, device, id, 1 ether);
        transferDevice(device, bob);
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertEq(registry.credits(manufacturer), 0, "old owner's money released after transfer");
        assertTrue(registry.getEscrow(escrowId).open, "open");
        vm.prank(alice);
        registry.reclaimEscrow(escrowId);
        assertEq(registry.credits(alice), 1 ether, "reclaimed");
    }

    function test_escrow_fundingRefusals() public {
        bytes32 r1 = publish(AIR, 1);
        bytes32 p1 = publish(PARKING, 1);
        uint64 deadline = uint64(block.timestamp + 1 days);
        vm.startPrank(alice);
        vm.expectRevert(NoValue.selector);
        registry.fundUpdate(device, r1, deadline);
        vm.expectRevert(abi.encodeWithSelector(InvalidDeadline.selector, uint64(block.timestamp)));
        registry.fundUpdate{value: 1}(device, r1, uint64(block.timestamp));
        uint64 far = uint64(block.timestamp + 365 days + 1);
        vm.expectRevert(abi.encodeWithSelector(InvalidDeadline.selector, far));
        registry.fundUpdate{value: 1}(device, r1, far);
        vm.expectRevert(abi.encodeWithSelector(UnknownRelease.selector, bytes32(uint256(3))));
        registry.fundUpdate{value: 1}(device, bytes32(uint256(3)), deadline);
        vm.expectRevert(abi.encodeWithSelector(WrongDeviceClass.selector, device, AIR, PARKING));
        registry.fundUpdate{value: 1}(device, p1, deadline);
        vm.stopPrank();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(NotDeviceOwner.selector, device, bob));
        registry.fundUpdate{value: 1}(device, r1, deadline);

        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(AlreadyInstalled.selector, device, r1));
        registry.fundUpdate{value: 1}(device, r1, deadline);

        bytes32 r2 = publish(AIR, 2);
        for (uint256 i; i < 8; ++i) _fund(alice, device, r2, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TooManyEscrows.selector, device));
        registry.fundUpdate{value: 1}(device, r2, deadline);
        vm.prank(manufacturer);
        registry.revokeRelease(r2, "cve");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ReleaseIsRevoked.selector, r2));
        registry.fundUpdate{value: 1}(device, r2, deadline);
        assertEq(address(registry).balance, 8, "only the accepted escrows are held");
    }

    /// @dev Issue #12, attack 5: a seller leaves eight 1-wei escrows and sells the device. The new owner
    /// funds its own update at once, and anyone closes the leftovers for their funder.
    function test_attack_leftoverEscrowsDoNotBlockANewOwner() public {
        bytes32 r1 = publish(AIR, 1);
        uint256[] memory leftovers = new uint256[](8);
        for (uint256 i; i < 8; ++i) leftovers[i] = _fund(alice, device, r1, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TooManyEscrows.selector, device));
        registry.fundUpdate{value: 1}(device, r1, uint64(block.timestamp + 1 days));
        transferDevice(device, bob);
        assertEq(registry.openEscrows(device).length, 0, "the new owner starts with none");
        uint256 mine = _fund(bob, device, r1, 1 ether);
        assertEq(registry.openEscrows(device).length, 1, "bob's");
        for (uint256 i; i < 8; ++i) {
            vm.prank(stranger);
            registry.reclaimEscrow(leftovers[i]);
        }
        assertEq(registry.credits(alice), 8, "the seller gets its wei back");
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertEq(registry.credits(manufacturer), 1 ether, "bob's escrow paid on install");
        assertFalse(registry.getEscrow(mine).open, "closed");
    }

    /// @dev Issue #12, attack 7: a report signed by a revoked (stolen) or suspended device's key
    /// records what it says but releases no escrow; the funder reclaims after the deadline.
    function test_attack_inactiveDeviceReportReleasesNothing() public {
        bytes32 r1 = publish(AIR, 1);
        bytes32 r2 = publish(AIR, 2);
        uint256 e1 = _fund(alice, device, r1, 1 ether);
        setDeviceStatus(device, IPythiaFleetTypes.DeviceStatus.Revoked);
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        assertEq(registry.credits(manufacturer), 0, "revoked: nothing released");
        assertTrue(registry.getEscrow(e1).open, "still open");
        setDeviceStatus(device, IPythiaFleetTypes.DeviceStatus.Suspended);
        uint256 e2 = _fund(alice, device, r2, 1 ether);
        report(deviceKeyPk, device, 2, imageDigest(AIR, 2), 2);
        assertEq(registry.credits(manufacturer), 0, "suspended: nothing released");
        vm.warp(block.timestamp + 30 days + 1);
        registry.reclaimEscrow(e1);
        registry.reclaimEscrow(e2);
        assertEq(registry.credits(alice), 2 ether, "both back to the funder");
    }

    /// withdraw() re-entered from the receiving contract pays once.
    function test_withdraw_reentrancyAttempt() public {
        ReentrantFunder attacker = new ReentrantFunder(registry);
        address d = addDevice(deviceKey(40), AIR, address(attacker));
        bytes32 id = publish(AIR, 1);
        uint256 escrowId = attacker.fund{value: 1 ether}(d, id, uint64(block.timestamp + 1 days));
        _fund(alice, device, id, 2 ether); // someone else's money in the contract
        vm.warp(block.timestamp + 2 days);
        attacker.reclaim(escrowId);
        attacker.withdraw();
        assertTrue(attacker.reentered(), "re-entry attempted");
        assertFalse(attacker.innerSucceeded(), "re-entry succeeded");
        assertEq(attacker.received(), 1 ether, "paid once");
        assertEq(address(registry).balance, 2 ether, "others' escrow intact");
        assertEq(registry.credits(address(attacker)), 0, "credit spent");
    }

    function test_withdraw_failedTransferKeepsCredit() public {
        RefusingPayee payee = new RefusingPayee();
        vm.prank(manufacturer);
        registry.setPayee(AIR, address(payee));
        bytes32 id = publish(AIR, 1);
        _fund(alice, device, id, 1 ether);
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        vm.expectRevert(abi.encodeWithSelector(WithdrawFailed.selector, address(payee)));
        payee.withdraw(registry);
        assertEq(registry.credits(address(payee)), 1 ether, "credit kept");
    }

    // ================================================================ fuzz

    /// A new sequence is accepted exactly inside (latest, latest + maxStep].
    function testFuzz_publish_sequenceWindow(uint64 sequence, uint16 step) public {
        uint64 maxStep = uint64(bound(step, 0, 5000));
        publish(AIR, 5);
        vm.prank(manufacturer);
        registry.setReleaseBounds(AIR, maxStep, 0);
        uint64 effective = maxStep == 0 ? 1000 : maxStep;
        Manifest memory m = manifest(AIR, sequence);
        bytes[] memory sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        bool expected = sequence > 5 && uint256(sequence) <= 5 + uint256(effective);
        (bool ok, ) = address(registry).call(abi.encodeCall(registry.publishRelease, (m, sigs)));
        assertEq(ok, expected, "window");
        assertEq(registry.getClass(AIR).latestSequence, expected ? sequence : 5, "latest");
    }

    /// issuedAt is accepted exactly inside [now - maxAge, now + skew].
    function testFuzz_publish_freshness(uint64 issuedAt) public {
        vm.warp(T0 + 400 days);
        Manifest memory m = manifest(AIR, 1);
        m.issuedAt = issuedAt;
        bytes[] memory sigs = signManifest(m, two(airKeys[0], airKeys[1]));
        bool expected = uint256(issuedAt) + 7 days >= block.timestamp && issuedAt <= block.timestamp + 5 minutes;
        (bool ok, ) = address(registry).call(abi.encodeCall(registry.publishRelease, (m, sigs)));
        assertEq(ok, expected, "freshness");
    }

    /// Any subset of signers publishes iff it holds ≥ threshold current keys and no outsider.
    function testFuzz_publish_signerSubsets(uint8 mask) public {
        uint256[] memory pool = new uint256[](5);
        (pool[0], pool[1], pool[2], pool[3], pool[4]) = (airKeys[0], airKeys[1], airKeys[2], relKey(10), relKey(99));
        uint256 count;
        for (uint256 i; i < 5; ++i) if (mask & (1 << i) != 0) ++count;
        uint256[] memory chosen = new uint256[](count);
        uint256 j;
        uint256 valid;
        bool outsider;
        for (uint256 i; i < 5; ++i) {
            if (mask & (1 << i) == 0) continue;
            chosen[j++] = pool[i];
            if (i < 3) ++valid;
            else outsider = true;
        }
        Manifest memory m = manifest(AIR, 1);
        bytes[] memory sigs = signManifest(m, chosen);
        (bool ok, ) = address(registry).call(abi.encodeCall(registry.publishRelease, (m, sigs)));
        assertEq(ok, valid >= 2 && !outsider, "threshold rule");
    }

    /// Whatever a device reports, in any order, its installed sequence never decreases and only
    /// known unrevoked releases of its class are recorded.
    function testFuzz_report_installedNeverDecreases(uint8[12] memory picks) public {
        for (uint64 s = 1; s <= 6; ++s) publish(AIR, s);
        publish(PARKING, 1);
        bytes32 r4 = registry.releaseIdOf(AIR, 4);
        vm.prank(manufacturer);
        registry.revokeRelease(r4, "cve");
        uint64 last;
        for (uint256 i; i < picks.length; ++i) {
            uint64 seq = uint64(picks[i] % 8); // 0..7: 0 and 7 are unknown
            bytes32 digest = picks[i] & 0x80 != 0 ? imageDigest(PARKING, 1) : imageDigest(AIR, seq);
            ReportVerdict v = report(deviceKeyPk, device, seq, digest, uint64(i + 1));
            uint64 now_ = installed(device);
            assertLe(last, now_, "installed decreased");
            if (v == ReportVerdict.Installed) {
                assertEq(now_, seq, "recorded");
                assertTrue(seq >= 1 && seq <= 6 && seq != 4 && picks[i] & 0x80 == 0, "bad build recorded");
            } else {
                assertEq(now_, last, "changed on a flagged report");
            }
            last = now_;
        }
    }

    /// Funding, installing and reclaiming in any order keep balance = open escrows + credits.
    function testFuzz_escrow_accounting(uint96 a, uint96 b, bool revoke, bool transfer, uint32 later) public {
        uint256 amountA = bound(a, 1, 10 ether);
        uint256 amountB = bound(b, 1, 10 ether);
        bytes32 r1 = publish(AIR, 1);
        bytes32 r2 = publish(AIR, 2);
        uint256 e1 = _fund(alice, device, r1, amountA);
        uint256 e2 = _fund(alice, device, r2, amountB);
        if (revoke) {
            vm.prank(manufacturer);
            registry.revokeRelease(r2, "cve");
        }
        if (transfer) transferDevice(device, bob);
        uint256 elapsed = bound(later, 0, 60 days);
        vm.warp(block.timestamp + elapsed);
        report(deviceKeyPk, device, 1, imageDigest(AIR, 1), 1);
        vm.startPrank(alice);
        try registry.reclaimEscrow(e1) {} catch {}
        try registry.reclaimEscrow(e2) {} catch {}
        vm.stopPrank();
        uint256 open;
        if (registry.getEscrow(e1).open) open += amountA;
        if (registry.getEscrow(e2).open) open += amountB;
        assertEq(
            address(registry).balance,
            open + registry.credits(alice) + registry.credits(manufacturer),
            "balance = open escrows + credits"
        );
        assertEq(amountA + amountB, address(registry).balance, "nothing left the contract");
        // e1 pays the manufacturer unless ownership moved before the install or the deadline passed
        assertEq(registry.credits(manufacturer), !transfer && elapsed <= 30 days ? amountA : 0, "manufacturer credit");
    }
}
