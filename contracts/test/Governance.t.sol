// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {PythiaTimelock} from "../src/governance/PythiaTimelock.sol";
import {CanaryRegistry} from "../src/CanaryRegistry.sol";
import {PythiaFleet} from "../src/PythiaFleet.sol";
import {DeviceIdentity} from "../src/DeviceIdentity.sol";
import {DeviceOwnership} from "../src/DeviceOwnership.sol";
import {PythiaRegistry} from "../src/PythiaRegistry.sol";
import {ConsentRegistry} from "../src/ConsentRegistry.sol";
import {AccessLog} from "../src/AccessLog.sol";
import {IPythiaFleet} from "../src/interfaces/IPythiaFleet.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {IDeviceOwnership} from "../src/interfaces/IDeviceOwnership.sol";
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
    DeviceIdentity internal governedIdentity;

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
        governedFleet = new PythiaFleet(address(timelock), HANDOVER_DELAY, IRelayerTrust(address(pythiaRegistry)));
        governedIdentity = new DeviceIdentity(
            address(timelock),
            HANDOVER_DELAY,
            address(governedFleet),
            address(new DeviceOwnership(address(governedFleet)))
        );
        // As deploy.ts wires it: the operator holds the identity contract's OPERATOR_ROLE.
        bytes memory grantOperator = grantCall(governedIdentity.OPERATOR_ROLE(), operator);
        vm.prank(council);
        timelock.schedule(address(governedIdentity), 0, grantOperator, bytes32(0), keccak256("operator"), DELAY);
        vm.warp(block.timestamp + DELAY);
        vm.prank(council);
        timelock.execute(address(governedIdentity), 0, grantOperator, bytes32(0), keccak256("operator"));
    }

    /// @dev Every contract with roles, deployed as deploy.ts deploys it: the timelock is the only
    /// admin, under AccessControlDefaultAdminRules with the handover delay.
    function governedContracts() internal returns (IAccessControlDefaultAdminRules[] memory all) {
        all = new IAccessControlDefaultAdminRules[](6);
        all[0] = IAccessControlDefaultAdminRules(address(governedFleet));
        all[1] = IAccessControlDefaultAdminRules(address(governedIdentity));
        all[2] = IAccessControlDefaultAdminRules(address(governed));
        all[3] = IAccessControlDefaultAdminRules(address(new PythiaRegistry(address(timelock), HANDOVER_DELAY)));
        ConsentRegistry consents_ = new ConsentRegistry(
            address(timelock),
            HANDOVER_DELAY,
            IPythiaFleet(address(governedFleet)),
            IDeviceOwnership(address(ownership)),
            IPolicyRegistry(address(policyRegistry))
        );
        all[4] = IAccessControlDefaultAdminRules(address(consents_));
        all[5] = IAccessControlDefaultAdminRules(
            address(new AccessLog(address(timelock), HANDOVER_DELAY, consents_, IRelayerTrust(address(pythiaRegistry))))
        );
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

    // ---------------------------------------------------------------- every admin (issue #12)

    /// @dev No contract keeps a plain AccessControl admin: each has the timelock as its single
    /// default admin with the handover delay, and refuses a direct grant of the admin role even
    /// from the timelock itself.
    function test_everyContractHasTheTimelockAsItsTwoStepAdmin() public {
        IAccessControlDefaultAdminRules[] memory all = governedContracts();
        for (uint256 i; i < all.length; ++i) {
            assertEq(all[i].defaultAdmin(), address(timelock), "the timelock is the admin");
            assertEq(uint256(all[i].defaultAdminDelay()), uint256(HANDOVER_DELAY), "handover delay");
            assertTrue(
                IERC165(address(all[i])).supportsInterface(type(IAccessControlDefaultAdminRules).interfaceId),
                "ERC-165"
            );
            vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
            vm.prank(address(timelock));
            all[i].grantRole(bytes32(0), council);
        }
    }

    /// @dev The fleet's admin role (it grants the relayer, operator, manufacturer and identity roles)
    /// is handed over like every other: begun by the admin, accepted by the new admin only after the
    /// delay; a stranger can neither begin nor accept, and the old admin cannot act afterwards.
    function test_fleetAdminHandover_twoStepsAndTheDelay_oldAdminLocksOut() public {
        address next = address(0x7E58);
        bytes32 relayerRole = governedFleet.RELAYER_ROLE();
        bytes32 adminRole = governedFleet.DEFAULT_ADMIN_ROLE();

        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, adminRole));
        vm.prank(alice);
        governedFleet.beginDefaultAdminTransfer(alice);
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(address(timelock));
        governedFleet.grantRole(adminRole, next);

        // Step one, through the timelock like any admin act.
        bytes memory begin = abi.encodeCall(IAccessControlDefaultAdminRules.beginDefaultAdminTransfer, (next));
        vm.prank(council);
        timelock.schedule(address(governedFleet), 0, begin, bytes32(0), bytes32(0), DELAY);
        vm.warp(block.timestamp + DELAY);
        vm.prank(council);
        timelock.execute(address(governedFleet), 0, begin, bytes32(0), bytes32(0));
        (address pending, uint48 acceptableFrom) = governedFleet.pendingDefaultAdmin();
        assertEq(pending, next, "pending");
        assertEq(uint256(acceptableFrom), block.timestamp + HANDOVER_DELAY, "after the handover delay");

        // Step two: not before the delay, not by anyone else.
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, acceptableFrom)
        );
        vm.prank(next);
        governedFleet.acceptDefaultAdminTransfer();
        vm.warp(uint256(acceptableFrom) + 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, alice));
        vm.prank(alice);
        governedFleet.acceptDefaultAdminTransfer();
        vm.prank(next);
        governedFleet.acceptDefaultAdminTransfer();
        assertEq(governedFleet.defaultAdmin(), next, "handed over");
        assertEq(governedFleet.owner(), next, "owner() follows");

        // The old admin (the timelock) can no longer grant; the new one can.
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(timelock), adminRole)
        );
        vm.prank(address(timelock));
        governedFleet.grantRole(relayerRole, alice);
        vm.prank(next);
        governedFleet.grantRole(relayerRole, alice);
        assertTrue(governedFleet.hasRole(relayerRole, alice), "granted by the new admin");
    }

    /// @dev A pending handover can be cancelled by the admin before it is accepted.
    function test_fleetAdminHandover_canBeCancelled() public {
        address next = address(0x7E59);
        vm.prank(address(timelock));
        governedFleet.beginDefaultAdminTransfer(next);
        vm.prank(address(timelock));
        governedFleet.cancelDefaultAdminTransfer();
        vm.warp(block.timestamp + HANDOVER_DELAY + 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, next));
        vm.prank(next);
        governedFleet.acceptDefaultAdminTransfer();
        assertEq(governedFleet.defaultAdmin(), address(timelock), "unchanged");
    }

    /// @dev Issue #12: (re)assigning a class's manufacturer decides who provisions its devices (and
    /// owns them first) and who publishes its firmware. The operator cannot do it, nor can the
    /// council key by itself: only the timelock, in public and after its delay.
    function test_operatorCannotReassignAManufacturer_onlyThroughTheTimelock() public {
        address rogue = address(0xB4D);
        bytes32 adminRole = governedIdentity.DEFAULT_ADMIN_ROLE();
        assertTrue(governedIdentity.hasRole(governedIdentity.OPERATOR_ROLE(), operator), "operator");
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, adminRole));
        vm.prank(operator);
        governedIdentity.assignClassManufacturer(AIR, rogue);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, council, adminRole));
        vm.prank(council);
        governedIdentity.assignClassManufacturer(AIR, rogue);
        // ...nor can the operator schedule it.
        bytes memory assign = abi.encodeCall(DeviceIdentity.assignClassManufacturer, (AIR, factory));
        bytes32 proposer = timelock.PROPOSER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, proposer));
        vm.prank(operator);
        timelock.schedule(address(governedIdentity), 0, assign, bytes32(0), bytes32(0), DELAY);

        vm.prank(council);
        timelock.schedule(address(governedIdentity), 0, assign, bytes32(0), bytes32(0), DELAY);
        bytes32 id = timelock.hashOperation(address(governedIdentity), 0, assign, bytes32(0), bytes32(0));
        vm.warp(block.timestamp + DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        vm.prank(council);
        timelock.execute(address(governedIdentity), 0, assign, bytes32(0), bytes32(0));
        assertEq(governedIdentity.classManufacturer(AIR), address(0), "not before the delay");
        vm.warp(block.timestamp + 1);
        vm.prank(council);
        timelock.execute(address(governedIdentity), 0, assign, bytes32(0), bytes32(0));
        assertEq(governedIdentity.classManufacturer(AIR), factory, "assigned by the timelock");
    }
}
