// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {FleetBase} from "./utils/FleetBase.sol";
import {Test} from "./utils/Test.sol";
import {PythiaFleet} from "../src/PythiaFleet.sol";
import {IPythiaFleetTypes} from "../src/interfaces/IPythiaFleet.sol";

/// @notice Drives a fleet of four devices with random operator actions and readings (clean and
/// flagged), and remembers every device it ever saw revoked.
contract FleetHandler is Test, IPythiaFleetTypes {
    PythiaFleet public immutable fleet;
    uint256[4] internal keys;
    address[4] public devices;
    uint64[4] internal sequences;
    mapping(address => bool) public everRevoked;
    bytes32 internal immutable domain;

    constructor(PythiaFleet fleet_, uint256[4] memory keys_) {
        fleet = fleet_;
        keys = keys_;
        for (uint256 i; i < 4; ++i) devices[i] = vm.addr(keys_[i]);
        domain = fleet_.domainSeparator();
    }

    function _observe() internal {
        for (uint256 i; i < 4; ++i) {
            if (fleet.deviceStatus(devices[i]) == DeviceStatus.Revoked) everRevoked[devices[i]] = true;
        }
    }

    function _reading(uint256 i, bool bad) internal returns (SignedReading memory r) {
        r.device = devices[i];
        r.sequence = ++sequences[i];
        r.timestamp = uint64(block.timestamp);
        r.payload = bad ? bytes(hex"7fff") : bytes(hex"0078_00fa_012c_01c2_0866_157c");
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Reading(address device,uint64 sequence,uint64 timestamp,bytes payload)"),
                r.device,
                r.sequence,
                r.timestamp,
                keccak256(r.payload)
            )
        );
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keys[i], keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        r.r = rr;
        r.vs = bytes32(uint256(s) | (uint256(v - 27) << 255));
    }

    function submit(uint256 seed, bool bad, uint8 count) external {
        uint256 n = bound(count, 1, 4);
        SignedReading[] memory batch = new SignedReading[](n);
        for (uint256 j; j < n; ++j) batch[j] = _reading((seed + j) % 4, bad);
        fleet.submitReadings(batch);
        _observe();
    }

    function suspend(uint256 seed) external {
        try fleet.suspendDevice(devices[seed % 4], "fuzz") {} catch {}
        _observe();
    }

    function reinstate(uint256 seed) external {
        try fleet.reinstateDevice(devices[seed % 4], "fuzz") {} catch {}
        _observe();
    }

    function revoke(uint256 seed) external {
        if (seed % 8 != 0) return; // rarely, so that the automatic paths get exercised too
        try fleet.revokeDevice(devices[seed % 4], "fuzz") {} catch {}
        _observe();
    }

    function elapse(uint32 secondsLater) external {
        vm.warp(block.timestamp + bound(secondsLater, 1, 7200));
    }
}

contract InvariantTest is FleetBase {
    FleetHandler internal handler;

    function setUp() public override {
        super.setUp();
        Profile memory p = airProfile();
        p.minInterval = 0;
        p.flagThreshold = 2;
        p.suspensionsBeforeRevoke = 3;
        vm.prank(operator);
        fleet.setClassProfile(AIR, p);
        uint256[4] memory keys;
        for (uint256 i; i < 4; ++i) {
            keys[i] = keyOf(500 + i);
            register(keys[i]);
        }
        handler = new FleetHandler(fleet, keys);
        vm.startPrank(admin);
        fleet.grantRole(fleet.OPERATOR_ROLE(), address(handler));
        fleet.grantRole(fleet.RELAYER_ROLE(), address(handler));
        vm.stopPrank();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// A revoked device never becomes active (or anything else) again.
    function invariant_revokedIsFinal() public view {
        for (uint256 i; i < 4; ++i) {
            address device = handler.devices(i);
            if (handler.everRevoked(device)) {
                assertTrue(fleet.deviceStatus(device) == DeviceStatus.Revoked, "revoked device changed status");
            }
        }
    }

    /// Every registered device keeps a defined status.
    function invariant_statusDefined() public view {
        for (uint256 i; i < 4; ++i) {
            assertTrue(fleet.deviceStatus(handler.devices(i)) != DeviceStatus.None, "device lost");
        }
    }
}
