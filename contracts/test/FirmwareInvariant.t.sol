// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test, console} from "./utils/Test.sol";
import {FirmwareBase} from "./utils/FirmwareBase.sol";
import {FirmwareRegistry} from "../src/FirmwareRegistry.sol";

/// @notice Drives the firmware registry (built by the FirmwareBase fixture) with random releases,
/// revocations, reports (good, tampered, foreign, old), owner decisions, transfers, paid updates,
/// reclaims and withdrawals, and keeps ghost state for the invariants.
contract FirmwareHandler is FirmwareBase {
    bool internal ready;
    address[3] public devices; // two AIR devices, one PARKING device
    uint256[3] internal deviceKeys;
    uint16[3] internal classes;
    address[3] internal people;
    uint64[3] internal nonces;

    mapping(address device => uint64) public highestInstalled; // ghost: the highest installed sequence seen
    bool public installedDecreased;
    bytes32[] public revokedReleases;
    uint64[2] internal published; // latest sequence per class (AIR, PARKING)
    uint256 public installs;
    uint256 public flagged;
    uint256 public released;
    uint256 public reclaimed;

    constructor() {
        setUp();
    }

    function setUp() public override {
        require(!ready, "set up once");
        ready = true;
        super.setUp();
        people = [alice, bob, address(0xCA401)];
        classes = [AIR, AIR, PARKING];
        for (uint256 i; i < 3; ++i) {
            deviceKeys[i] = deviceKey(100 + i);
            devices[i] = addDevice(deviceKeys[i], classes[i], people[i]);
            vm.deal(people[i], 1_000 ether);
        }
    }

    function registryAddress() external view returns (FirmwareRegistry) {
        return registry;
    }

    function escrowCount() external view returns (uint256 n) {
        while (registry.getEscrow(n + 1).funder != address(0)) ++n;
    }

    function revokedCount() external view returns (uint256) {
        return revokedReleases.length;
    }

    function accounts() external view returns (address[5] memory) {
        return [people[0], people[1], people[2], manufacturer, otherManufacturer];
    }

    function _observe() internal {
        for (uint256 i; i < 3; ++i) {
            uint64 now_ = installed(devices[i]);
            if (now_ < highestInstalled[devices[i]]) installedDecreased = true;
            else highestInstalled[devices[i]] = now_;
        }
    }

    // ------------------------------------------------------------------ actions

    function publishNext(bool parking, uint8 step) external {
        uint256 c = parking ? 1 : 0;
        uint64 sequence = published[c] + uint64(bound(step, 1, 3));
        publish(parking ? PARKING : AIR, sequence);
        published[c] = sequence;
        _observe();
    }

    function revoke(bool parking, uint64 seed) external {
        uint256 c = parking ? 1 : 0;
        if (published[c] == 0) return;
        uint16 classId = parking ? PARKING : AIR;
        bytes32 id = registry.releaseIdOf(classId, uint64(bound(seed, 1, published[c])));
        if (registry.getRelease(id).installed) {
            // a release devices run needs a threshold of its class's release keys
            try registry.revokeReleaseWithKeys(id, "fuzz", signSorted(keysOf(classId), registry.revocationDigest(id))) {
                revokedReleases.push(id);
            } catch {}
        } else {
            vm.prank(manufacturerOf(classId));
            try registry.revokeRelease(id, "fuzz") {
                revokedReleases.push(id);
            } catch {}
        }
        _observe();
    }

    function reportFirmware(uint8 who, uint64 seed, uint8 kind) external {
        uint256 i = who % 3;
        uint16 classId = classes[i];
        uint64 latest = published[classId == AIR ? 0 : 1];
        // kind 0: the newest release (the common case); otherwise any sequence, known or not
        uint64 sequence = kind % 4 == 0 ? latest : uint64(bound(seed, 0, latest + 1));
        bytes32 digest = imageDigest(classId, sequence);
        if (kind % 4 == 1) digest = sha256(abi.encode("tampered", seed)); // wrong image
        if (kind % 4 == 2) digest = imageDigest(classId == AIR ? PARKING : AIR, sequence); // foreign
        uint256 open = registry.openEscrows(devices[i]).length;
        if (report(deviceKeys[i], devices[i], sequence, digest, ++nonces[i]) == ReportVerdict.Installed) ++installs;
        else ++flagged;
        released += open - registry.openEscrows(devices[i]).length;
        _observe();
    }

    function decide(uint8 who, bool automatic, uint64 seed, bool approve) external {
        uint256 i = who % 3;
        address device = devices[i];
        address owner = ownershipDouble.ownerOfDevice(device);
        vm.prank(owner);
        registry.setUpdatePolicy(device, automatic ? UpdatePolicy.Automatic : UpdatePolicy.ApproveEach);
        uint64 latest = published[classes[i] == AIR ? 0 : 1];
        if (latest == 0) return;
        bytes32 id = registry.releaseIdOf(classes[i], uint64(bound(seed, 1, latest)));
        vm.prank(owner);
        try registry.setReleaseApproval(device, id, approve) {} catch {}
        _observe();
    }

    function transfer(uint8 who, uint8 to) external {
        if (to % 4 != 0) return; // rarely, so that escrows also get released
        transferDevice(devices[who % 3], people[to % 3]);
        _observe();
    }

    function fund(uint8 who, uint64 seed, uint96 amount, uint32 duration) external {
        uint256 i = who % 3;
        address device = devices[i];
        uint64 latest = published[classes[i] == AIR ? 0 : 1];
        if (latest == 0) return;
        uint64 sequence = seed % 2 == 0 ? latest : uint64(bound(seed, 1, latest));
        bytes32 id = registry.releaseIdOf(classes[i], sequence);
        address owner = ownershipDouble.ownerOfDevice(device);
        uint256 value = bound(amount, 1, 5 ether);
        vm.prank(owner);
        try registry.fundUpdate{value: value}(device, id, uint64(block.timestamp + bound(duration, 1, 60 days))) {} catch {}
        _observe();
    }

    function reclaim(uint256 escrowId) external {
        uint256 n = this.escrowCount();
        if (n == 0) return;
        escrowId = bound(escrowId, 1, n);
        vm.prank(people[escrowId % 3]); // anyone may close a reclaimable escrow
        try registry.reclaimEscrow(escrowId) {
            ++reclaimed;
        } catch {}
        _observe();
    }

    function withdraw(uint8 who) external {
        address[5] memory all = this.accounts();
        vm.prank(all[who % 5]);
        try registry.withdraw() {} catch {}
        _observe();
    }

    function epochOf(address device) external view returns (uint64) {
        return ownershipDouble.ownershipEpoch(device);
    }

    function ownerOf(address device) external view returns (address) {
        return ownershipDouble.ownerOfDevice(device);
    }

    function elapse(uint32 secondsLater) external {
        vm.warp(block.timestamp + bound(secondsLater, 1, 10 days));
        _observe();
    }
}

contract FirmwareInvariantTest is Test {
    /// @dev forge's selector filter (what forge-std's StdInvariant declares).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    FirmwareHandler internal handler;
    FirmwareRegistry internal registry;

    function setUp() public {
        handler = new FirmwareHandler();
        registry = handler.registryAddress();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The handler's actions only (not its inherited setUp).
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = FirmwareHandler.publishNext.selector;
        selectors[1] = FirmwareHandler.revoke.selector;
        selectors[2] = FirmwareHandler.reportFirmware.selector;
        selectors[3] = FirmwareHandler.decide.selector;
        selectors[4] = FirmwareHandler.transfer.selector;
        selectors[5] = FirmwareHandler.fund.selector;
        selectors[6] = FirmwareHandler.reclaim.selector;
        selectors[7] = FirmwareHandler.withdraw.selector;
        selectors[8] = FirmwareHandler.elapse.selector;
        selectors[9] = FirmwareHandler.reportFirmware.selector; // reports twice as often
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// What a run reached (shown with -vv): installs, flagged reports, escrows released and reclaimed.
    function afterInvariant() public view {
        console.log("installs", handler.installs());
        console.log("flagged reports", handler.flagged());
        console.log("escrows released", handler.released());
        console.log("escrows reclaimed", handler.reclaimed());
    }

    /// A device's installed sequence never decreases.
    function invariant_installedNeverDecreases() public view {
        assertFalse(handler.installedDecreased(), "installed sequence decreased");
        for (uint256 i; i < 3; ++i) {
            address device = handler.devices(i);
            (uint64 sequence, ) = registry.installedFirmware(device);
            assertEq(sequence, handler.highestInstalled(device), "installed below the highest seen");
        }
    }

    /// The contract's balance is exactly the open escrows plus the unwithdrawn credits.
    function invariant_escrowAccountingBalances() public view {
        uint256 n = handler.escrowCount();
        uint256 held;
        for (uint256 id = 1; id <= n; ++id) {
            if (registry.getEscrow(id).open) held += registry.getEscrow(id).amount;
        }
        address[5] memory accounts = handler.accounts();
        for (uint256 i; i < 5; ++i) held += registry.credits(accounts[i]);
        assertEq(address(registry).balance, held, "balance != open escrows + credits");
    }

    /// Issue #12: no escrow blocks a later owner. A device's open list holds only escrows its current
    /// owner funded in the current ownership epoch (at most MAX_OPEN_ESCROWS); every escrow left from an
    /// earlier epoch is off that list, and reclaimable by anyone.
    function invariant_noEscrowBlocksALaterOwner() public view {
        for (uint256 i; i < 3; ++i) {
            address device = handler.devices(i);
            uint64 epoch = handler.epochOf(device);
            uint256[] memory open = registry.openEscrows(device);
            assertLe(open.length, 8, "bounded");
            for (uint256 k; k < open.length; ++k) {
                assertEq(uint256(registry.getEscrow(open[k]).epoch), uint256(epoch), "an earlier epoch's escrow counts");
                assertEq(registry.getEscrow(open[k]).funder, handler.ownerOf(device), "funded by another owner");
            }
        }
    }

    /// A revoked release is never approved for any device.
    function invariant_revokedNeverApproved() public view {
        uint256 n = handler.revokedCount();
        for (uint256 r; r < n; ++r) {
            bytes32 id = handler.revokedReleases(r);
            assertTrue(registry.getRelease(id).revoked, "revocation undone");
            for (uint256 i; i < 3; ++i) {
                (bool ok, ) = registry.isApproved(handler.devices(i), id);
                assertFalse(ok, "revoked release approved");
            }
        }
    }
}
