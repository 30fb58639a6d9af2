// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {PythiaTimelock} from "../src/governance/PythiaTimelock.sol";
import {CanaryRegistry} from "../src/CanaryRegistry.sol";
import {PythiaFleet} from "../src/PythiaFleet.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IRecipientBonds} from "../src/interfaces/IRecipientBonds.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";
import {IRelayerTrust} from "../src/interfaces/IRelayerTrust.sol";
import {ISharingLog} from "../src/interfaces/ISharingLog.sol";

/// @notice Issue #12, "one admin key with no delay can grant itself the penalty role and seize every
/// bond": the administration as src/chain/deploy.ts sets it up. A TimelockController holds
/// DEFAULT_ADMIN_ROLE; the council's key (proposer, executor, canceller) can only schedule, and a
/// role change happens in public, no sooner than the delay. AccessControlDefaultAdminRules makes a
/// handover of the admin role two-step with its own delay. And the bonds have no role to grant.
contract GovernanceTest is ConsentWorld {
    uint256 internal constant DELAY = 2 days;
    uint48 internal constant HANDOVER_DELAY = 3 days;
    address internal council = address(0xC0C1);

    PythiaTimelock internal timelock;
    CanaryRegistry internal governed;
    PythiaFleet internal governedFleet;

    function setUp() public override {
        super.setUp();
        address[] memory council_ = new address[](1);
        council_[0] = council;
        timelock = new PythiaTimelock(DELAY, council_, council_, address(0));
        governed = new CanaryRegistry(
            address(timelock),
            HANDOVER_DELAY,
            CanaryRegistry.Dependencies({
                consents: IConsentRegistry(address(consents)),
                accessLog: accessLog,
                sharingLog: ISharingLog(address(sharingLog)),
                terms: IRecipientTerms(address(recipientTerms)),
                bonds: IRecipientBonds(address(bonds)),
                relayerTrust: IRelayerTrust(address(pythiaRegistry))
            })
        );
        governedFleet = new PythiaFleet(address(timelock), IRelayerTrust(address(pythiaRegistry)));
    }

    function grantCall(bytes32 role, address account) internal pure returns (bytes memory) {
        return abi.encodeCall(IAccessControl.grantRole, (role, account));
    }

    function test_theCouncilKeyAloneCannotGrant() public {
        bytes32 arbiterRole = governed.ARBITER_ROLE();
        bytes32 adminRole = governed.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, council, adminRole));
        vm.prank(council);
        governed.grantRole(arbiterRole, council);
        assertEq(governed.defaultAdmin(), address(timelock), "the timelock is the admin");
        assertTrue(governedFleet.hasRole(governedFleet.DEFAULT_ADMIN_ROLE(), address(timelock)), "also of the fleet");
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), council), "nobody administers the timelock but itself");
    }

    function test_aRoleChangeWaitsForTheDelay_inPublic() public {
        bytes32 committer = governed.COMMITTER_ROLE();
        bytes memory data = grantCall(committer, relayer);
        bytes32 salt = keccak256("grant committer");
        bytes32 id = timelock.hashOperation(address(governed), 0, data, bytes32(0), salt);
        vm.expectEmit(address(timelock));
        emit TimelockController.CallScheduled(id, 0, address(governed), 0, data, bytes32(0), DELAY);
        vm.prank(council);
        timelock.schedule(address(governed), 0, data, bytes32(0), salt, DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        vm.prank(council);
        timelock.execute(address(governed), 0, data, bytes32(0), salt);
        vm.warp(block.timestamp + DELAY);
        vm.prank(council);
        timelock.execute(address(governed), 0, data, bytes32(0), salt);
        assertTrue(governed.hasRole(committer, relayer), "granted after the delay");

        // a stranger can neither schedule nor execute
        bytes32 proposer = timelock.PROPOSER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, proposer));
        vm.prank(alice);
        timelock.schedule(address(governed), 0, data, bytes32(0), keccak256("x"), DELAY);
    }

    function test_theCouncilCanCancelWhatItScheduled() public {
        bytes memory data = grantCall(governedFleet.RELAYER_ROLE(), alice);
        vm.prank(council);
        timelock.schedule(address(governedFleet), 0, data, bytes32(0), bytes32(0), DELAY);
        bytes32 id = timelock.hashOperation(address(governedFleet), 0, data, bytes32(0), bytes32(0));
        vm.prank(council);
        timelock.cancel(id);
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert();
        vm.prank(council);
        timelock.execute(address(governedFleet), 0, data, bytes32(0), bytes32(0));
    }

    /// @dev Handing the admin role over is two-step: the timelock begins it, the new admin accepts it
    /// after the handover delay, and a lone grantRole of the admin role is refused.
    function test_adminHandoverIsTwoStepWithADelay() public {
        address next = address(0x7E57);
        bytes32 adminRole = governed.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(address(timelock));
        governed.grantRole(adminRole, next);
        vm.prank(address(timelock));
        governed.beginDefaultAdminTransfer(next);
        (address pending, uint48 schedule) = governed.pendingDefaultAdmin();
        assertEq(pending, next, "pending");
        assertEq(uint256(schedule), block.timestamp + HANDOVER_DELAY, "after the delay");
        vm.expectRevert(abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule));
        vm.prank(next);
        governed.acceptDefaultAdminTransfer();
        vm.warp(uint256(schedule) + 1);
        vm.prank(next);
        governed.acceptDefaultAdminTransfer();
        assertEq(governed.defaultAdmin(), next, "handed over");
        assertFalse(governed.hasRole(adminRole, address(timelock)), "the timelock let go");
    }

    /// @dev The council's arbiter rules at once: the timelock guards who may rule, not each ruling.
    function test_theArbiterIsGrantedThroughTheTimelock() public {
        bytes32 arbiterRole = governed.ARBITER_ROLE();
        bytes memory data = grantCall(arbiterRole, council);
        vm.prank(council);
        timelock.schedule(address(governed), 0, data, bytes32(0), bytes32(0), DELAY);
        vm.warp(block.timestamp + DELAY);
        vm.prank(council);
        timelock.execute(address(governed), 0, data, bytes32(0), bytes32(0));
        assertTrue(governed.hasRole(arbiterRole, council), "arbiter");
    }
}
