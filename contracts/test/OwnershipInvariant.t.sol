// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IdentityBase} from "./utils/IdentityBase.sol";
import {Test} from "./utils/Test.sol";
import {PythiaFleet} from "../src/PythiaFleet.sol";
import {DeviceIdentity} from "../src/DeviceIdentity.sol";
import {DeviceOwnership} from "../src/DeviceOwnership.sol";
import {IPythiaFleetTypes} from "../src/interfaces/IPythiaFleet.sol";

/// @notice Drives four provisioned devices and four actors through random offers, accepts (by the
/// right and the wrong party), cancellations, manager grants, operator status changes, out-of-band
/// flags and owner revocations; remembers every revoked device and the highest epoch seen.
contract OwnershipHandler is Test, IPythiaFleetTypes {
    PythiaFleet public immutable fleet;
    DeviceOwnership public immutable ownership;
    DeviceIdentity public immutable identity;
    address public immutable operator;
    address public immutable inspector;

    address[4] public devices;
    address[4] public actors;
    mapping(address => bool) public everRevoked;
    mapping(address => uint64) public maxEpoch;
    bool public epochDecreased;
    bool public revokedReactivated;
    uint256 public accepts;

    constructor(
        PythiaFleet fleet_,
        DeviceOwnership ownership_,
        DeviceIdentity identity_,
        address operator_,
        address inspector_,
        address[4] memory devices_,
        address[4] memory actors_
    ) {
        fleet = fleet_;
        ownership = ownership_;
        identity = identity_;
        operator = operator_;
        inspector = inspector_;
        devices = devices_;
        actors = actors_;
        _observe();
    }

    function _observe() internal {
        for (uint256 i; i < 4; ++i) {
            address d = devices[i];
            DeviceStatus s = fleet.deviceStatus(d);
            if (everRevoked[d] && s != DeviceStatus.Revoked) revokedReactivated = true;
            if (s == DeviceStatus.Revoked) everRevoked[d] = true;
            uint64 epoch = ownership.ownershipEpoch(d);
            if (epoch < maxEpoch[d]) epochDecreased = true;
            if (epoch > maxEpoch[d]) maxEpoch[d] = epoch;
        }
    }

    function offer(uint256 deviceSeed, uint256 toSeed, bool byOwner) external {
        address d = devices[deviceSeed % 4];
        address from = byOwner ? ownership.ownerOfDevice(d) : actors[(toSeed >> 8) % 4];
        vm.prank(from);
        try ownership.offerTransfer(d, actors[toSeed % 4]) {} catch {}
        _observe();
    }

    function accept(uint256 deviceSeed, uint256 actorSeed, bool byOffered) external {
        address d = devices[deviceSeed % 4];
        address pending = ownership.pendingOffer(d);
        address by = byOffered && pending != address(0) ? pending : actors[actorSeed % 4];
        vm.prank(by);
        try ownership.acceptTransfer(d) {
            ++accepts;
        } catch {}
        _observe();
    }

    function cancel(uint256 deviceSeed) external {
        address d = devices[deviceSeed % 4];
        vm.prank(ownership.ownerOfDevice(d));
        try ownership.cancelOffer(d) {} catch {}
        _observe();
    }

    function appoint(uint256 deviceSeed, uint256 actorSeed, bool allowed) external {
        address d = devices[deviceSeed % 4];
        vm.prank(ownership.ownerOfDevice(d));
        try ownership.setManager(d, actors[actorSeed % 4], allowed) {} catch {}
        _observe();
    }

    function setStatus(uint256 deviceSeed, uint8 action) external {
        address d = devices[deviceSeed % 4];
        vm.startPrank(operator);
        if (action % 3 == 0) {
            try fleet.suspendDevice(d, "fuzz") {} catch {}
        } else if (action % 3 == 1) {
            try fleet.reinstateDevice(d, "fuzz") {} catch {}
        } else if (action % 16 == 2) {
            try fleet.revokeDevice(d, "fuzz") {} catch {}
        }
        vm.stopPrank();
        _observe();
    }

    function flag(uint256 deviceSeed) external {
        vm.prank(inspector);
        try fleet.flagDevice(devices[deviceSeed % 4], 32, bytes32(deviceSeed)) {} catch {}
        _observe();
    }

    function ownerRevokes(uint256 deviceSeed) external {
        if (deviceSeed % 16 != 0) return; // rarely, so that transfers get a chance
        address d = devices[deviceSeed % 4];
        vm.prank(ownership.ownerOfDevice(d));
        try identity.revokeCompromisedKey(d, "fuzz") {} catch {}
        _observe();
    }

    function elapse(uint32 secondsLater) external {
        vm.warp(block.timestamp + bound(secondsLater, 1, 7200));
    }
}

contract OwnershipInvariantTest is IdentityBase {
    OwnershipHandler internal handler;
    address[4] internal devices;
    address internal inspector = address(0x1257);

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < 4; ++i) devices[i] = provision(keyOf(700 + i));
        address[4] memory actors = [factory, address(0xA11), address(0xB0B), address(0xCA401)];
        handler = new OwnershipHandler(fleet, ownership, identity, operator, inspector, devices, actors);
        bytes32 inspectorRole = fleet.INSPECTOR_ROLE();
        vm.prank(admin);
        fleet.grantRole(inspectorRole, inspector);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The handler really moves tokens, so the invariants below are not vacuous.
    function test_handlerMovesTokens() public {
        handler.offer(0, 1, true); // the owner (factory) offers device 0 to actors[1]
        handler.accept(0, 3, true); // the offered party accepts
        handler.accept(0, 3, true); // a second accept is refused (no pending offer)
        assertEq(handler.accepts(), 1, "one accepted transfer");
        assertEq(ownership.ownerOfDevice(devices[0]), address(0xA11), "moved");
        invariant_exactlyOneOwnerPerDevice();
        invariant_epochNeverDecreases();
    }

    /// Exactly one owner per registered device: the token exists, its owner is non-zero, and the
    /// actors' balances add up to the number of devices (no token appears, vanishes or doubles).
    function invariant_exactlyOneOwnerPerDevice() public view {
        uint256 sum;
        for (uint256 i; i < 4; ++i) {
            address owner = ownership.ownerOfDevice(devices[i]);
            assertTrue(owner != address(0), "device without owner");
            assertEq(ownership.ownerOf(uint256(uint160(devices[i]))), owner, "ownerOf");
            assertTrue(ownership.isOwnerOrManager(devices[i], owner), "owner not recognised");
            sum += ownership.balanceOf(handler.actors(i));
        }
        assertEq(sum, 4, "balances do not add up to the device count");
    }

    /// A revoked device never becomes active (or anything else) again.
    function invariant_revokedIsFinal() public view {
        assertFalse(handler.revokedReactivated(), "a revoked device changed status");
        for (uint256 i; i < 4; ++i) {
            if (handler.everRevoked(devices[i])) {
                assertTrue(fleet.deviceStatus(devices[i]) == DeviceStatus.Revoked, "revoked device changed status");
            }
        }
    }

    /// The ownership epoch never decreases, and is 1 + the number of completed transfers.
    function invariant_epochNeverDecreases() public view {
        assertFalse(handler.epochDecreased(), "epoch decreased");
        uint256 transfers;
        for (uint256 i; i < 4; ++i) {
            uint64 epoch = ownership.ownershipEpoch(devices[i]);
            assertTrue(epoch >= 1, "epoch below 1");
            assertTrue(epoch >= handler.maxEpoch(devices[i]), "epoch below its maximum");
            transfers += epoch - 1;
        }
        assertEq(transfers, handler.accepts(), "epochs vs accepted transfers");
    }
}
