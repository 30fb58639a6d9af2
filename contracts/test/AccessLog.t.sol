// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IRelayerTrust} from "../src/interfaces/IRelayerTrust.sol";
import {ConsentBase} from "./utils/ConsentBase.sol";
import {DeliveryProofs} from "./utils/DeliveryProofs.sol";
import {Vm} from "./utils/Vm.sol";
import {console} from "./utils/Test.sol";
import {AccessLog} from "../src/AccessLog.sol";
import {IAccessLog} from "../src/interfaces/IAccessLog.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";

contract AccessLogTest is ConsentBase {
    bytes32 internal constant DELIVERY_LOGGED =
        keccak256("DeliveryLogged(uint256,address,address,uint32,uint32,bytes32)");
    bytes32 internal constant COMMAND_LOGGED = keccak256("CommandLogged(uint256,address,address,uint8,bytes32)");
    bytes32 internal constant ENTRY_REFUSED = keccak256("EntryRefused(uint256,address,bytes32,uint8)");

    function test_constructor_refusesZero() public {
        IRelayerTrust trust = IRelayerTrust(address(pythiaRegistry));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new AccessLog(address(0), 0, IConsentRegistry(address(consents)), trust);
        vm.expectRevert(AccessLog.InvalidDependency.selector);
        new AccessLog(admin, 0, IConsentRegistry(address(0)), trust);
        assertEq(address(accessLog.consents()), address(consents), "registry");
        assertTrue(accessLog.hasRole(accessLog.LOGGER_ROLE(), logger), "logger");
    }

    function test_onlyLoggers() public {
        uint256 id = grantDefault();
        IAccessLog.Delivery[] memory ds = new IAccessLog.Delivery[](1);
        ds[0] = delivery(id, devices[0], bob, STREAMS);
        IAccessLog.CommandRecord[] memory cs = new IAccessLog.CommandRecord[](1);
        cs[0] = command(id, devices[0], bob, IDENTIFY);
        bytes32 role = accessLog.LOGGER_ROLE();
        address[3] memory callers = [alice, bob, admin];
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role)
            );
            vm.prank(callers[i]);
            accessLog.logDeliveries(ds);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role)
            );
            vm.prank(callers[i]);
            accessLog.logCommands(cs);
        }
    }

    /// @dev Issue #12, "roles follow trust": a logger whose Pythia key is revoked logs nothing, and
    /// an account holding LOGGER_ROLE but bound to no Pythia key cannot log either.
    function test_loggerFollowsItsPythiaKey() public {
        uint256 id = grantDefault();
        IAccessLog.Delivery[] memory ds = new IAccessLog.Delivery[](1);
        ds[0] = delivery(id, devices[0], bob, STREAMS);
        address unbound = address(0x0B0D);
        bytes32 role = accessLog.LOGGER_ROLE();
        vm.prank(admin);
        accessLog.grantRole(role, unbound);
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, unbound));
        vm.prank(unbound);
        accessLog.logDeliveries(ds);

        vm.prank(logger);
        assertEq(accessLog.logDeliveries(ds), 1, "trusted");
        address key = pythiaRegistry.pythiaOfRelayer(logger);
        vm.prank(operator);
        pythiaRegistry.revokePythia(key, "stolen");
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, logger));
        vm.prank(logger);
        accessLog.logDeliveries(ds);
        IAccessLog.CommandRecord[] memory cs = new IAccessLog.CommandRecord[](1);
        cs[0] = command(id, devices[0], bob, IDENTIFY);
        vm.expectRevert(abi.encodeWithSelector(IRelayerTrust.UntrustedRelayer.selector, logger));
        vm.prank(logger);
        accessLog.logCommands(cs);
    }

    /// @dev A batch's root keeps its first logging time and its refusals; a logged entry is proven
    /// by its Merkle path, a refused one is not.
    function test_deliveryRecords() public {
        uint256 id = grantDefault();
        IAccessLog.Delivery[] memory ds = new IAccessLog.Delivery[](2);
        ds[0] = delivery(id, devices[0], bob, STREAMS);
        ds[1] = delivery(id, devices[0], carol, STREAMS); // carol is not the recipient: refused
        bytes32 key0 = accessLog.deliveryKey(ds[0]);
        bytes32 key1 = accessLog.deliveryKey(ds[1]);
        assertEq(key0, keccak256(abi.encode(ds[0])), "key = keccak256(abi.encode(delivery))");
        vm.prank(logger);
        assertEq(accessLog.logDeliveries(ds), 1, "one logged");
        IAccessLog.DeliveryProof memory p0 = DeliveryProofs.proofOf(ds, 0);
        IAccessLog.DeliveryProof memory p1 = DeliveryProofs.proofOf(ds, 1);
        assertEq(p0.deliveryKey, key0, "key 0");
        assertEq(p1.deliveryKey, key1, "key 1");
        assertEq(accessLog.deliveryLoggedAt(p0), block.timestamp, "time");
        assertEq(accessLog.deliveryLoggedAt(p1), 0, "refused: not provable");
        (uint64 loggedAt, uint256 refusals) = accessLog.batchLoggedAt(p0.batchRoot);
        assertEq(loggedAt, block.timestamp, "batch time");
        assertEq(refusals, 2, "entry 1 refused");
        vm.warp(block.timestamp + 100);
        vm.prank(logger);
        accessLog.logDeliveries(ds);
        assertEq(accessLog.deliveryLoggedAt(p0), block.timestamp - 100, "the first logging time stays");
        IAccessLog.Delivery[] memory none = new IAccessLog.Delivery[](1);
        none[0] = ds[1];
        vm.prank(logger);
        assertEq(accessLog.logDeliveries(none), 0, "nothing logged");
        (loggedAt, ) = accessLog.batchLoggedAt(DeliveryProofs.rootOf(none));
        assertEq(loggedAt, 0, "a batch with nothing logged is not recorded");
    }

    function test_batchBounds() public {
        vm.startPrank(logger);
        vm.expectRevert(IAccessLog.EmptyBatch.selector);
        accessLog.logDeliveries(new IAccessLog.Delivery[](0));
        vm.expectRevert(IAccessLog.EmptyBatch.selector);
        accessLog.logCommands(new IAccessLog.CommandRecord[](0));
        vm.expectRevert(abi.encodeWithSelector(AccessLog.BatchTooLarge.selector, 257, 256));
        accessLog.logDeliveries(new IAccessLog.Delivery[](257));
        vm.expectRevert(abi.encodeWithSelector(AccessLog.BatchTooLarge.selector, 257, 256));
        accessLog.logCommands(new IAccessLog.CommandRecord[](257));
        vm.stopPrank();
    }

    function test_deliveries_loggedOrRefusedAndTheBatchGoesOn() public {
        uint256 id = grant(alice, termsFor(two(devices[0], devices[1])));
        IAccessLog.Delivery[] memory ds = new IAccessLog.Delivery[](6);
        ds[0] = delivery(id, devices[0], bob, STREAMS); // ok
        ds[1] = delivery(id, devices[2], bob, STREAMS); // device not covered
        ds[2] = delivery(id, devices[1], carol, STREAMS); // wrong recipient
        ds[3] = delivery(id, devices[1], bob, 0x2); // stream not covered
        ds[4] = delivery(id + 1, devices[1], bob, STREAMS); // unknown consent
        ds[5] = delivery(id, devices[1], bob, 0); // a delivery of nothing
        vm.recordLogs();
        vm.prank(logger);
        uint256 logged = accessLog.logDeliveries(ds);
        assertEq(logged, 1, "one logged");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 7, "one event per entry, then the batch's");
        assertEq(logs[0].topics[0], DELIVERY_LOGGED, "logged");
        assertEq(uint256(logs[0].topics[1]), id, "consent");
        assertEq(address(uint160(uint256(logs[0].topics[2]))), devices[0], "device");
        assertEq(address(uint160(uint256(logs[0].topics[3]))), bob, "recipient");
        (uint32 streams, uint32 readings, bytes32 dataHash) = abi.decode(logs[0].data, (uint32, uint32, bytes32));
        assertEq(streams, STREAMS, "streams");
        assertEq(readings, 10, "readings");
        assertEq(dataHash, ds[0].dataHash, "data hash");
        IConsentRegistry.Refusal[5] memory expected = [
            IConsentRegistry.Refusal.DeviceNotCovered,
            IConsentRegistry.Refusal.WrongRecipient,
            IConsentRegistry.Refusal.StreamNotCovered,
            IConsentRegistry.Refusal.UnknownConsent,
            IConsentRegistry.Refusal.StreamNotCovered
        ];
        for (uint256 i; i < 5; ++i) {
            Vm.Log memory l = logs[i + 1];
            assertEq(l.topics[0], ENTRY_REFUSED, "refused");
            assertEq(uint256(l.topics[1]), ds[i + 1].consentId, "consent id");
            assertEq(address(uint160(uint256(l.topics[2]))), ds[i + 1].device, "device");
            (bytes32 entryHash, uint8 refusal) = abi.decode(l.data, (bytes32, uint8));
            assertEq(entryHash, keccak256(abi.encode(ds[i + 1])), "entry hash");
            assertEq(refusal, uint8(expected[i]), "reason");
        }
        // The batch: its root over all six entries, the five refused ones in the bitmap.
        assertEq(logs[6].topics[0], IAccessLog.DeliveryBatchLogged.selector, "batch");
        assertEq(logs[6].topics[1], DeliveryProofs.rootOf(ds), "root");
        (uint256 entries, uint256 refusals) = abi.decode(logs[6].data, (uint256, uint256));
        assertEq(entries, 6, "entries");
        assertEq(refusals, 0x3e, "entries 1 to 5 refused");
    }

    function test_commands_loggedOrRefused() public {
        uint256 id = grantDefault(); // identify only
        IAccessLog.CommandRecord[] memory cs = new IAccessLog.CommandRecord[](4);
        cs[0] = command(id, devices[0], bob, IDENTIFY);
        cs[1] = command(id, devices[0], bob, 4); // reboot: not granted
        cs[2] = command(id, devices[0], bob, 32); // beyond the mask
        cs[3] = command(id, devices[0], bob, 255);
        vm.recordLogs();
        vm.prank(logger);
        assertEq(accessLog.logCommands(cs), 1, "one logged");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 4, "four events");
        assertEq(logs[0].topics[0], COMMAND_LOGGED, "logged");
        (uint8 code, bytes32 commandHash) = abi.decode(logs[0].data, (uint8, bytes32));
        assertEq(code, IDENTIFY, "code");
        assertEq(commandHash, cs[0].commandHash, "hash");
        for (uint256 i = 1; i < 4; ++i) {
            assertEq(logs[i].topics[0], ENTRY_REFUSED, "refused");
            (, uint8 refusal) = abi.decode(logs[i].data, (bytes32, uint8));
            assertEq(refusal, uint8(IConsentRegistry.Refusal.CommandNotCovered), "not covered");
        }
    }

    function test_revokedExpiredTransferred_areRefused() public {
        uint256 revoked = grant(alice, termsFor(one(devices[0])));
        IConsentRegistry.ConsentTerms memory t = termsFor(one(devices[1]));
        t.expiry = uint64(block.timestamp + 1 hours);
        uint256 expiring = grant(alice, t);
        uint256 sold = grant(alice, termsFor(one(devices[2])));
        IConsentRegistry.ConsentTerms memory f = termsFor(one(devices[3]));
        f.start = uint64(block.timestamp + 1 days);
        f.expiry = uint64(block.timestamp + 2 days);
        uint256 future = grant(alice, f);

        vm.prank(alice);
        consents.revokeConsent(revoked);
        transfer(devices[2], carol);
        vm.warp(block.timestamp + 2 hours);

        IAccessLog.Delivery[] memory ds = new IAccessLog.Delivery[](4);
        ds[0] = delivery(revoked, devices[0], bob, STREAMS);
        ds[1] = delivery(expiring, devices[1], bob, STREAMS);
        ds[2] = delivery(sold, devices[2], bob, STREAMS);
        ds[3] = delivery(future, devices[3], bob, STREAMS);
        vm.recordLogs();
        vm.prank(logger);
        assertEq(accessLog.logDeliveries(ds), 0, "none logged");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        IConsentRegistry.Refusal[4] memory expected = [
            IConsentRegistry.Refusal.Revoked,
            IConsentRegistry.Refusal.Expired,
            IConsentRegistry.Refusal.OwnershipChanged,
            IConsentRegistry.Refusal.NotYetValid
        ];
        for (uint256 i; i < 4; ++i) {
            (, uint8 refusal) = abi.decode(logs[i].data, (bytes32, uint8));
            assertEq(refusal, uint8(expected[i]), "reason");
        }

        IAccessLog.CommandRecord[] memory cs = new IAccessLog.CommandRecord[](1);
        cs[0] = command(sold, devices[2], bob, IDENTIFY);
        vm.prank(logger);
        assertEq(accessLog.logCommands(cs), 0, "no command to a sold device");
    }

    function test_gas_batchOf32() public {
        uint256 id = grant(alice, termsFor(two(devices[0], devices[1])));
        IAccessLog.Delivery[] memory ds = new IAccessLog.Delivery[](32);
        for (uint256 i; i < 32; ++i) ds[i] = delivery(id, devices[i % 2], bob, STREAMS);
        vm.cool(address(consents));
        vm.cool(address(ownership));
        vm.prank(logger);
        accessLog.logDeliveries(ds);
        uint256 used = vm.lastCallGas().gasTotalUsed;
        console.log("logDeliveries, 32 entries", used);
        console.log("per entry", used / 32);
    }
}
