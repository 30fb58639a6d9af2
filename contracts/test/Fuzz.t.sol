// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {FleetBase} from "./utils/FleetBase.sol";
import {Vm} from "./utils/Vm.sol";
import {IReadingInspection} from "../src/interfaces/IPythiaFleet.sol";

contract FuzzTest is FleetBase {
    uint256 internal k;
    address internal d;

    function setUp() public override {
        super.setUp();
        k = keyOf(1);
        d = register(k);
    }

    /// @dev Random values, half of them drawn close to the profile bounds so both outcomes are common.
    function _draw(int16[6] memory raw, uint8 near) internal pure returns (int16[] memory v) {
        Profile memory p = airProfile();
        v = new int16[](6);
        for (uint256 i; i < 6; ++i) {
            v[i] = (near >> i) & 1 == 1
                ? int16(bound(int256(raw[i]), int256(p.minValue[i]) - 700, int256(p.maxValue[i]) + 700))
                : raw[i];
        }
    }

    /// @dev The flag a reading must get, computed the slow and obvious way.
    function _expected(int16[] memory v, int16[] memory previous) internal pure returns (uint8 reasons, uint8 metric, int16 value) {
        Profile memory p = airProfile();
        for (uint256 i; i < 6; ++i) {
            uint8 bad;
            if (v[i] < p.minValue[i] || v[i] > p.maxValue[i]) bad |= 1;
            if (previous.length != 0) {
                int256 change = int256(v[i]) - int256(previous[i]);
                if (change < 0) change = -change;
                if (uint256(change) > p.maxDelta[i]) bad |= 2;
            }
            if (bad != 0 && reasons == 0) {
                metric = uint8(i);
                value = v[i];
            }
            reasons |= bad;
        }
    }

    function _submitAndExpect(uint64 sequence, uint64 time, int16[] memory v, int16[] memory previous) internal {
        (uint8 reasons, uint8 metric, int16 value) = _expected(v, previous);
        vm.expectEmit(address(fleet));
        if (reasons == 0) emit IReadingInspection.ReadingAccepted(d, sequence);
        else emit IReadingInspection.ReadingFlagged(d, sequence, reasons, metric, value);
        submit(signed(k, sequence, time, encodeMetrics(v)));
    }

    function testFuzz_metricValues_produceExactFlagBits(int16[6] memory a, int16[6] memory b, uint8 nearA, uint8 nearB) public {
        int16[] memory first = _draw(a, nearA);
        int16[] memory second = _draw(b, nearB);
        _submitAndExpect(1, uint64(T0), first, new int16[](0));
        _submitAndExpect(2, uint64(T0 + 60), second, first);
        assertEq(abi.encode(fleet.getDevice(d).lastValues), abi.encode(second), "last values recorded");
    }

    function testFuzz_sequences_acceptedStrictlyIncrease(uint8[12] memory raw) public {
        vm.warp(T0 + 3600);
        SignedReading[] memory batch = new SignedReading[](12);
        for (uint256 i; i < 12; ++i) {
            batch[i] = clean(k, uint64(raw[i] % 16), uint64(T0 + 60 * (i + 1)));
        }
        vm.recordLogs();
        submit(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 12, "one event per item");
        uint64 highest;
        for (uint256 i; i < 12; ++i) {
            uint64 sequence = batch[i].sequence;
            if (sequence > highest) {
                assertEq(logs[i].topics[0], IReadingInspection.ReadingAccepted.selector, "fresh sequence accepted");
                highest = sequence;
            } else {
                assertEq(logs[i].topics[0], IReadingInspection.ReadingSkipped.selector, "stale sequence skipped");
                assertEq(logs[i].data, abi.encode(sequence, SkipReason.Replayed), "as replayed");
            }
        }
        assertEq(fleet.getDevice(d).lastSequence, highest, "last sequence is the highest");
    }

    function testFuzz_nonRelayer_alwaysReverts(address caller) public {
        vm.assume(caller != relayer);
        SignedReading[] memory batch = one(clean(k, 1, uint64(T0)));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, fleet.RELAYER_ROLE())
        );
        vm.prank(caller);
        fleet.submitReadings(batch);
    }

    function testFuzz_publicKeys_registerUnderTheirAddress(uint256 seed) public {
        uint256 privateKey = bound(seed, 1, SECP256K1_N - 1);
        vm.assume(privateKey != k);
        vm.prank(operator);
        address device = fleet.registerDevice(publicKeyOf(privateKey), AIR);
        assertEq(device, vm.addr(privateKey), "id = address of the key");
    }
}
