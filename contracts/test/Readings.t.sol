// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {FleetBase} from "./utils/FleetBase.sol";
import {Vm} from "./utils/Vm.sol";
import {IDeviceRegistry, IReadingInspection} from "../src/interfaces/IPythiaFleet.sol";
import {IRelayerTrust} from "../src/interfaces/IRelayerTrust.sol";
import {PythiaFleet} from "../src/PythiaFleet.sol";

contract ReadingsTest is FleetBase {
    uint256 internal k;
    address internal d;

    uint8 internal constant OUT_OF_RANGE = 1;
    uint8 internal constant EXCESSIVE_CHANGE = 2;
    uint8 internal constant TOO_FREQUENT = 4;
    uint8 internal constant PAYLOAD_SIZE = 8;
    uint8 internal constant CLOCK_SKEW = 16;

    function setUp() public override {
        super.setUp();
        k = keyOf(1);
        d = register(k);
    }

    function _values(uint256 metric, int16 value) internal pure returns (bytes memory) {
        int16[] memory v = cleanValues();
        v[metric] = value;
        return encodeMetrics(v);
    }

    function _expectAccepted(address device, uint64 sequence) internal {
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingAccepted(device, sequence);
    }

    function _expectFlagged(address device, uint64 sequence, uint8 reasons, uint8 metric, int16 value) internal {
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingFlagged(device, sequence, reasons, metric, value);
    }

    function _expectSkipped(address device, uint64 sequence, SkipReason reason) internal {
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingSkipped(device, sequence, reason);
    }

    // ---------------------------------------------------------------- accepted

    function test_cleanReading_recorded() public {
        SignedReading memory r = clean(k, 1, uint64(T0));
        assertEq(fleet.readingDigest(r), digestOf(domainSeparatorOf(address(fleet), block.chainid), d, 1, uint64(T0), r.payload), "digest");
        assertEq(fleet.domainSeparator(), domainSeparatorOf(address(fleet), block.chainid), "domain");
        _expectAccepted(d, 1);
        submit(r);
        DeviceView memory v = fleet.getDevice(d);
        assertEq(v.lastSequence, 1, "sequence");
        assertEq(v.lastTimestamp, T0, "timestamp");
        assertEq(abi.encode(v.lastValues), abi.encode(cleanValues()), "values");
        assertEq(v.flags, 0, "flags");

        // Gaps are allowed; minInterval (60 s) is respected.
        _expectAccepted(d, 7);
        submit(clean(k, 7, uint64(T0 + 60)));
        assertEq(fleet.getDevice(d).lastSequence, 7, "gap");
    }

    function test_extraPayloadBytes_withinMax_accepted() public {
        bytes memory payload = abi.encodePacked(encodeMetrics(cleanValues()), hex"beef"); // 14 <= 16
        _expectAccepted(d, 1);
        submit(signed(k, 1, uint64(T0), payload));
    }

    // ---------------------------------------------------------------- flags

    function test_flag_outOfRange() public {
        _expectFlagged(d, 1, OUT_OF_RANGE, 2, 4001);
        submit(signed(k, 1, uint64(T0), _values(2, 4001)));
        // metric 2 falls back from 4001 to 300 (a change over 500) and metric 4 is below its minimum:
        // both bits, and the first offending metric is named.
        _expectFlagged(d, 2, OUT_OF_RANGE | EXCESSIVE_CHANGE, 2, 300);
        submit(signed(k, 2, uint64(T0 + 60), _values(4, -4001)));
        // bounds are inclusive
        _expectAccepted(d, 3);
        submit(signed(k, 3, uint64(T0 + 120), _values(4, -4000)));
        assertEq(fleet.getDevice(d).flags, 2, "flags counted");

        uint256 k2 = keyOf(2);
        address d2 = register(k2);
        _expectAccepted(d2, 1);
        submit(signed(k2, 1, uint64(T0), _values(5, 10000)));
        _expectFlagged(d2, 2, OUT_OF_RANGE, 5, 10001);
        submit(signed(k2, 2, uint64(T0 + 60), _values(5, 10001)));
        _expectFlagged(d2, 3, OUT_OF_RANGE, 0, -1);
        submit(signed(k2, 3, uint64(T0 + 120), _twoChanged(0, -1, 5, 10000)));
    }

    function test_flag_excessiveChange_onlyWithPreviousValues() public {
        // A first reading far from anything is not a change.
        _expectAccepted(d, 1);
        submit(signed(k, 1, uint64(T0), _values(0, 4000)));
        // 4000 -> 3499 is a change of 501 > 500
        _expectFlagged(d, 2, EXCESSIVE_CHANGE, 0, 3499);
        submit(signed(k, 2, uint64(T0 + 60), _values(0, 3499)));
        // 3499 -> 3999 is exactly 500
        _expectAccepted(d, 3);
        submit(signed(k, 3, uint64(T0 + 120), _values(0, 3999)));
        // metric 5 has maxDelta 2000
        _expectFlagged(d, 4, EXCESSIVE_CHANGE, 5, 7501);
        submit(signed(k, 4, uint64(T0 + 180), _twoChanged(0, 3999, 5, 7501)));
    }

    function _twoChanged(uint256 m1, int16 v1, uint256 m2, int16 v2) internal pure returns (bytes memory) {
        int16[] memory v = cleanValues();
        v[m1] = v1;
        v[m2] = v2;
        return encodeMetrics(v);
    }

    function test_flag_tooFrequent_andBackwards() public {
        submit(clean(k, 1, uint64(T0)));
        _expectFlagged(d, 2, TOO_FREQUENT, 0, 0);
        submit(clean(k, 2, uint64(T0 + 59)));
        _expectFlagged(d, 3, TOO_FREQUENT, 0, 0);
        submit(clean(k, 3, uint64(T0 - 100))); // clock going backwards
        _expectAccepted(d, 4);
        submit(clean(k, 4, uint64(T0 - 40)));
    }

    function test_flag_payloadSize() public {
        // too long (18 > 16): flagged, values still checked and recorded
        bytes memory long = abi.encodePacked(_values(1, 6001), hex"000000000000"); // 18 bytes
        _expectFlagged(d, 1, PAYLOAD_SIZE | OUT_OF_RANGE, 1, 6001);
        submit(signed(k, 1, uint64(T0), long));
        assertEq(fleet.getDevice(d).lastValues[1], 6001, "recorded");
        // too short (10 < 12): flagged, value checks skipped, last values kept
        bytes memory short = new bytes(10);
        _expectFlagged(d, 2, PAYLOAD_SIZE, 0, 0);
        submit(signed(k, 2, uint64(T0 + 60), short));
        DeviceView memory v = fleet.getDevice(d);
        assertEq(v.lastSequence, 2, "recorded");
        assertEq(v.lastValues[1], 6001, "values kept");
        // empty payload
        _expectFlagged(d, 3, PAYLOAD_SIZE, 0, 0);
        submit(signed(k, 3, uint64(T0 + 120), ""));
    }

    function test_flag_clockSkew() public {
        _expectAccepted(d, 1);
        submit(clean(k, 1, uint64(T0 + 300)));
        _expectFlagged(d, 2, CLOCK_SKEW, 0, 0);
        submit(clean(k, 2, uint64(T0 + 361)));
        _expectFlagged(d, 3, CLOCK_SKEW, 0, 0);
        submit(clean(k, 3, type(uint64).max)); // saturates in storage
        assertEq(fleet.getDevice(d).lastTimestamp, (1 << 40) - 1, "saturated");
    }

    function test_flag_combined() public {
        submit(clean(k, 1, uint64(T0 + 290)));
        // metric 1 out of range, metric 3 changes by 350 (fine), metric 0 by 600 (too much)
        int16[] memory v = cleanValues();
        v[0] = 720;
        v[1] = 6001;
        bytes memory payload = abi.encodePacked(encodeMetrics(v), hex"0000000000");
        _expectFlagged(d, 2, OUT_OF_RANGE | EXCESSIVE_CHANGE | TOO_FREQUENT | PAYLOAD_SIZE | CLOCK_SKEW, 0, 720);
        submit(signed(k, 2, uint64(T0 + 310), payload));
    }

    // ---------------------------------------------------------------- skips

    function test_skip_badSignature() public {
        SignedReading memory r = clean(k, 1, uint64(T0));
        r.payload[0] = 0x01; // tampered after signing
        _expectSkipped(d, 1, SkipReason.BadSignature);
        submit(r);

        SignedReading memory other = clean(keyOf(2), 1, uint64(T0));
        other.device = d; // signed by someone else
        _expectSkipped(d, 1, SkipReason.BadSignature);
        submit(other);

        SignedReading memory garbage = clean(k, 1, uint64(T0));
        garbage.r = 0;
        _expectSkipped(d, 1, SkipReason.BadSignature);
        submit(garbage);
        assertEq(fleet.getDevice(d).lastSequence, 0, "nothing recorded");
    }

    function test_skip_highS() public {
        SignedReading memory r = clean(k, 1, uint64(T0));
        uint256 s = uint256(r.vs) & ((1 << 255) - 1);
        uint256 parity = uint256(r.vs) >> 255;
        // The malleable twin (n - s, flipped parity) needs bit 255 of s, which the compact form
        // cannot carry: it decodes as another signature and recovers another address.
        SignedReading memory twin = clean(k, 1, uint64(T0));
        twin.vs = bytes32((SECP256K1_N - s) | ((1 - parity) << 255));
        _expectSkipped(d, 1, SkipReason.BadSignature);
        submit(twin);
        // An s in the upper half that fits in 255 bits is refused by the EIP-2 check itself.
        SignedReading memory high = clean(k, 1, uint64(T0));
        high.vs = bytes32((SECP256K1_N / 2 + 1) | (parity << 255));
        _expectSkipped(d, 1, SkipReason.BadSignature);
        submit(high);
        // the untouched signature still works
        _expectAccepted(d, 1);
        submit(r);
    }

    function test_skip_otherChainOrContract() public {
        bytes memory payload = encodeMetrics(cleanValues());
        SignedReading memory otherChain = signedFor(k, 1, uint64(T0), payload, domainSeparatorOf(address(fleet), block.chainid + 1));
        _expectSkipped(d, 1, SkipReason.BadSignature);
        submit(otherChain);

        PythiaFleet second = new PythiaFleet(admin, 0, IRelayerTrust(address(pythiaRegistry)));
        SignedReading memory otherContract = signedFor(k, 1, uint64(T0), payload, domainSeparatorOf(address(second), block.chainid));
        _expectSkipped(d, 1, SkipReason.BadSignature);
        submit(otherContract);

        // the same reading signed for this chain and contract is fine, and the chain id is live
        _expectAccepted(d, 1);
        submit(signed(k, 1, uint64(T0), payload));
        vm.chainId(block.chainid + 1);
        _expectAccepted(d, 2);
        submit(signedFor(k, 2, uint64(T0 + 60), payload, domainSeparatorOf(address(fleet), block.chainid)));
    }

    function test_skip_unknownDevice() public {
        uint256 stray = keyOf(99);
        _expectSkipped(vm.addr(stray), 1, SkipReason.UnknownDevice);
        submit(clean(stray, 1, uint64(T0)));
    }

    function test_skip_replayed() public {
        SignedReading memory r = clean(k, 5, uint64(T0));
        submit(r);
        _expectSkipped(d, 5, SkipReason.Replayed);
        submit(r);
        _expectSkipped(d, 4, SkipReason.Replayed);
        submit(clean(k, 4, uint64(T0 + 60)));
        _expectSkipped(d, 0, SkipReason.Replayed);
        submit(clean(k, 0, uint64(T0 + 60)));
    }

    function test_skip_suspendedAndRevoked() public {
        vm.prank(operator);
        fleet.suspendDevice(d, "check");
        _expectSkipped(d, 1, SkipReason.DeviceSuspended);
        submit(clean(k, 1, uint64(T0)));
        vm.prank(operator);
        fleet.revokeDevice(d, "ban");
        _expectSkipped(d, 1, SkipReason.DeviceRevoked);
        submit(clean(k, 1, uint64(T0)));
    }

    function test_onlyRelayer() public {
        SignedReading[] memory batch = one(clean(k, 1, uint64(T0)));
        bytes32 role = fleet.RELAYER_ROLE();
        address[3] memory callers = [operator, manufacturer, admin];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role));
            vm.prank(callers[i]);
            fleet.submitReadings(batch);
        }
    }

    function test_emptyBatch() public {
        submit(new SignedReading[](0));
    }

    function test_malformedItem_revertsBatch() public {
        SignedReading[] memory batch = one(clean(k, 1, uint64(T0)));
        bytes memory data = abi.encodeCall(fleet.submitReadings, (batch));
        // head: selector(4) | array offset(32) | length(32) | item offset(32) | device word
        data[4 + 96 + 0] = 0x01; // dirty high bits of the device address
        vm.prank(relayer);
        (bool ok, bytes memory ret) = address(fleet).call(data);
        assertFalse(ok, "reverted");
        assertEq(ret, abi.encodeWithSelector(IReadingInspection.MalformedReading.selector, uint256(0)), "error");
    }

    // ---------------------------------------------------------------- batches

    function test_mixedBatch_badItemsDoNotRevert() public {
        uint256 k2 = keyOf(2);
        address d2 = register(k2);
        submit(clean(k2, 10, uint64(T0 - 600)));
        SignedReading memory tampered = clean(k, 1, uint64(T0));
        tampered.timestamp += 1;

        SignedReading[] memory batch = new SignedReading[](6);
        batch[0] = clean(k, 1, uint64(T0)); // accepted
        batch[1] = tampered; // bad signature
        batch[2] = clean(keyOf(50), 1, uint64(T0)); // unknown device
        batch[3] = clean(k2, 10, uint64(T0)); // replayed
        batch[4] = signed(k2, 11, uint64(T0), _values(0, 5001)); // flagged
        batch[5] = clean(k, 2, uint64(T0 + 60)); // accepted, later in the same batch
        vm.warp(T0 + 60);

        vm.recordLogs();
        submit(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 6, "one event per item");
        assertEq(logs[0].topics[0], IReadingInspection.ReadingAccepted.selector, "0 accepted");
        assertEq(logs[1].topics[0], IReadingInspection.ReadingSkipped.selector, "1 skipped");
        assertEq(abi.encode(uint64(1), SkipReason.BadSignature), logs[1].data, "1 reason");
        assertEq(abi.encode(uint64(1), SkipReason.UnknownDevice), logs[2].data, "2 reason");
        assertEq(abi.encode(uint64(10), SkipReason.Replayed), logs[3].data, "3 reason");
        assertEq(logs[4].topics[0], IReadingInspection.ReadingFlagged.selector, "4 flagged");
        assertEq(logs[5].topics[0], IReadingInspection.ReadingAccepted.selector, "5 accepted");
        assertEq(fleet.getDevice(d).lastSequence, 2, "d recorded twice");
        assertEq(fleet.getDevice(d2).lastSequence, 11, "d2 flagged reading recorded");
        assertEq(fleet.getDevice(d2).flags, 1, "d2 flag");
    }

    // ---------------------------------------------------------------- graduated response

    function _flag(uint64 sequence, uint64 time) internal {
        submit(signed(k, sequence, time, _values(0, 5001)));
    }

    function test_autoSuspend_afterThresholdInWindow_laterItemsSkipped() public {
        _flag(1, uint64(T0));
        _flag(2, uint64(T0 + 60));
        assertTrue(statusOf(d) == DeviceStatus.Active, "two flags");
        SignedReading[] memory batch = new SignedReading[](2);
        batch[0] = signed(k, 3, uint64(T0 + 120), _values(0, 5001));
        batch[1] = clean(k, 4, uint64(T0 + 180));
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingFlagged(d, 3, OUT_OF_RANGE, 0, 5001);
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceStatusChanged(d, DeviceStatus.Active, DeviceStatus.Suspended, address(fleet), "flag threshold reached");
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingSkipped(d, 4, SkipReason.DeviceSuspended);
        submit(batch);
        DeviceView memory v = fleet.getDevice(d);
        assertTrue(v.status == DeviceStatus.Suspended, "suspended");
        assertEq(v.autoSuspensions, 1, "auto suspensions");
        assertEq(v.flags, 3, "flags");
        assertEq(v.flagsInWindow, 0, "window consumed");
        assertEq(v.lastSequence, 3, "flagged reading recorded");
    }

    function test_windowExpiry() public {
        _flag(1, uint64(T0));
        _flag(2, uint64(T0 + 60));
        assertEq(fleet.getDevice(d).flagWindowStart, T0, "window start");
        vm.warp(T0 + 3600); // window [T0, T0 + 3600) is over
        _flag(3, uint64(T0 + 3600));
        DeviceView memory v = fleet.getDevice(d);
        assertTrue(v.status == DeviceStatus.Active, "still active");
        assertEq(v.flagsInWindow, 1, "new window");
        assertEq(v.flagWindowStart, T0 + 3600, "new window start");
        _flag(4, uint64(T0 + 3660));
        _flag(5, uint64(T0 + 3720));
        assertTrue(statusOf(d) == DeviceStatus.Suspended, "three in the new window");
    }

    function test_reinstate_resetsWindow() public {
        _flag(1, uint64(T0));
        _flag(2, uint64(T0 + 60));
        vm.startPrank(operator);
        fleet.suspendDevice(d, "inspect");
        fleet.reinstateDevice(d, "ok");
        vm.stopPrank();
        assertEq(fleet.getDevice(d).flagsInWindow, 0, "reset");
        _flag(3, uint64(T0 + 120));
        assertTrue(statusOf(d) == DeviceStatus.Active, "one flag after reinstatement");
        assertEq(fleet.getDevice(d).autoSuspensions, 0, "manual suspension is not automatic");
    }

    function test_autoRevoke_afterSuspensionLimit_neverSubmitsAgain() public {
        _flag(1, uint64(T0));
        _flag(2, uint64(T0 + 60));
        _flag(3, uint64(T0 + 120));
        assertTrue(statusOf(d) == DeviceStatus.Suspended, "first suspension");
        vm.prank(operator);
        fleet.reinstateDevice(d, "second chance");
        _flag(4, uint64(T0 + 180));
        _flag(5, uint64(T0 + 240));
        vm.expectEmit(address(fleet));
        emit IDeviceRegistry.DeviceStatusChanged(d, DeviceStatus.Active, DeviceStatus.Revoked, address(fleet), "suspension limit reached");
        _flag(6, uint64(T0 + 300));
        assertTrue(statusOf(d) == DeviceStatus.Revoked, "revoked");
        assertEq(fleet.getDevice(d).autoSuspensions, 2, "two automatic suspensions");

        _expectSkipped(d, 7, SkipReason.DeviceRevoked);
        submit(clean(k, 7, uint64(T0 + 360)));
        vm.expectRevert(abi.encodeWithSelector(IDeviceRegistry.InvalidStatusTransition.selector, d, DeviceStatus.Revoked));
        vm.prank(operator);
        fleet.reinstateDevice(d, "please");
    }

    function test_noThreshold_neverSuspends() public {
        Profile memory p = airProfile();
        p.flagThreshold = 0;
        vm.prank(operator);
        fleet.setClassProfile(AIR, p);
        for (uint64 i = 1; i <= 10; ++i) _flag(i, uint64(T0 + 60 * i));
        assertTrue(statusOf(d) == DeviceStatus.Active, "active");
        assertEq(fleet.getDevice(d).flags, 10, "counted");
    }

    // ---------------------------------------------------------------- signature rules = OZ ECDSA

    /// forge-config: default.fuzz.runs = 256
    function testFuzz_signatureRules_matchOpenZeppelin(bytes32 r, bytes32 vs, bool useValid) public {
        SignedReading memory reading = clean(k, 1, uint64(T0));
        if (!useValid) {
            reading.r = r;
            reading.vs = vs;
        }
        bytes32 digest = fleet.readingDigest(reading);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, reading.r, reading.vs);
        bool ozAccepts = err == ECDSA.RecoverError.NoError && signer == d;
        vm.recordLogs();
        submit(reading);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs[0].topics[0] == IReadingInspection.ReadingAccepted.selector, ozAccepts, "same verdict as OZ");
    }
}
