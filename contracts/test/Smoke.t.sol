// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FleetBase} from "./utils/FleetBase.sol";
import {IReadingInspection} from "../src/interfaces/IPythiaFleet.sol";

contract SmokeTest is FleetBase {
    function test_cleanReadingAccepted() public {
        uint256 k = keyOf(1);
        address d = register(k);
        assertEq(d, vm.addr(k));
        SignedReading memory r = clean(k, 1, uint64(T0));
        assertEq(fleet.readingDigest(r), digestOf(domainSeparatorOf(address(fleet), block.chainid), d, 1, uint64(T0), r.payload), "digest");
        vm.expectEmit(address(fleet));
        emit IReadingInspection.ReadingAccepted(d, 1);
        submit(r);
        assertEq(fleet.getDevice(d).lastSequence, 1, "seq");
    }
}
