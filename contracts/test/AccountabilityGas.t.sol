// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {console} from "./utils/Test.sol";
import {AccountabilityBase} from "./utils/AccountabilityBase.sol";

/// @notice Gas of each accountability action, as docs/contracts.md quotes it (run with -vv). The
/// consent and policy registries are the test mocks, so the figures include their (small) reads;
/// the real registries' reads cost a few thousand gas more. Ceilings catch regressions.
contract AccountabilityGasTest is AccountabilityBase {
    function gasOfLastCall(string memory what, uint256 ceiling) internal view {
        uint256 used = vm.lastCallGas().gasTotalUsed;
        console.log(what, used);
        assertLe(used, ceiling, what);
    }

    /// Every contract's storage cold again, as in a transaction of its own.
    function coolAll() internal {
        vm.cool(address(bonds));
        vm.cool(address(sharingLog));
        vm.cool(address(canaries));
        vm.cool(address(deletions));
        vm.cool(address(consents));
        vm.cool(address(policies));
        vm.cool(alice);
        vm.cool(bob);
    }

    function test_gas_accountability() public {
        uint256 id = grant(bob, P_SHARE);

        coolAll();
        vm.prank(bob);
        bonds.depositBond{value: 5 ether}();
        gasOfLastCall("depositBond (first)", 60_000);
        coolAll();
        vm.prank(bob);
        bonds.depositBond{value: 1 ether}();
        gasOfLastCall("depositBond (again)", 40_000);
        coolAll();
        vm.prank(bob);
        bonds.requestWithdrawal(1 ether);
        gasOfLastCall("requestWithdrawal", 90_000);
        vm.warp(T0 + UNBONDING);
        coolAll();
        vm.prank(bob);
        bonds.withdraw();
        gasOfLastCall("withdraw", 50_000);

        coolAll();
        vm.prank(bob);
        sharingLog.logSharing(id, dave, keccak256("d1"), "research");
        gasOfLastCall("logSharing (first of a consent)", 300_000);
        coolAll();
        vm.prank(bob);
        sharingLog.logSharing(id, mallory, keccak256("d2"), "research");
        gasOfLastCall("logSharing (later)", 250_000);

        bytes32 one = commitment(bob, id, device1, 0, 1234, 1, keccak256("s"));
        coolAll();
        commitOne(one, id);
        gasOfLastCall("commitCanaries (1)", 80_000);
        bytes32[] memory cs = new bytes32[](32);
        uint256[] memory ids = new uint256[](32);
        for (uint256 i; i < 32; ++i) {
            cs[i] = commitment(bob, id, device1, 0, 1234, 100 + uint64(i), keccak256("s"));
            ids[i] = id;
        }
        coolAll();
        vm.prank(gateway);
        canaries.commitCanaries(cs, ids);
        gasOfLastCall("commitCanaries (32)", 32 * 35_000);

        address leakedAt = address(0x1EAC);
        coolAll();
        vm.prank(alice);
        canaries.claimLeak(one, bob, id, device1, 0, 1234, 1, keccak256("s"), leakedAt, keccak256("evidence"));
        gasOfLastCall("claimLeak (pays the owner)", 250_000);

        address[] memory devices = new address[](1);
        devices[0] = device1;
        coolAll();
        vm.prank(alice);
        uint256 r1 = deletions.requestDeletion(id, devices, 1, 0, uint64(T0), uint64(T0 + UNBONDING + 2 days));
        gasOfLastCall("requestDeletion (1 device)", 300_000);
        vm.prank(alice);
        uint256 r2 = deletions.requestDeletion(id, devices, 1, 0, uint64(T0), uint64(T0 + UNBONDING + 2 days));
        coolAll();
        vm.prank(bob);
        deletions.acknowledgeDeletion(r1, keccak256("deleted"));
        gasOfLastCall("acknowledgeDeletion", 80_000);
        vm.warp(T0 + UNBONDING + 3 days);
        coolAll();
        deletions.enforcePenalty(r2);
        gasOfLastCall("enforcePenalty (pays the owner)", 200_000);

        vm.warp(T0 + UNBONDING + 4 days);
        revoke(id);
        assertEq(deletions.requestCount(), 3, "the revocation raised a request");
    }
}
