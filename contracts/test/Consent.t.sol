// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ConsentBase, RecordingHook} from "./utils/ConsentBase.sol";
import {Vm} from "./utils/Vm.sol";
import {console} from "./utils/Test.sol";
import {ConsentRegistry} from "../src/ConsentRegistry.sol";
import {IConsentRegistry, IConsentRevocationHook} from "../src/interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "../src/interfaces/IDeviceOwnership.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {IPythiaFleet} from "../src/interfaces/IPythiaFleet.sol";

contract ConsentTest is ConsentBase {
    // ---------------------------------------------------------------- construction

    function test_constructor_refusesZeroDependencies() public {
        IPythiaFleet f = IPythiaFleet(address(fleet));
        IDeviceOwnership o = IDeviceOwnership(address(ownership));
        IPolicyRegistry p = IPolicyRegistry(address(policies));
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, address(0))
        );
        new ConsentRegistry(address(0), 0, f, o, p);
        vm.expectRevert(ConsentRegistry.InvalidDependency.selector);
        new ConsentRegistry(admin, 0, IPythiaFleet(address(0)), o, p);
        vm.expectRevert(ConsentRegistry.InvalidDependency.selector);
        new ConsentRegistry(admin, 0, f, IDeviceOwnership(address(0)), p);
        vm.expectRevert(ConsentRegistry.InvalidDependency.selector);
        new ConsentRegistry(admin, 0, f, o, IPolicyRegistry(address(0)));
    }

    function test_wiringAndCatalogue() public view {
        assertEq(address(consents.fleet()), address(fleet), "fleet");
        assertEq(address(consents.ownership()), address(ownership), "ownership");
        assertEq(address(consents.policyRegistry()), address(policies), "policies");
        assertEq(consents.knownCommands(), 0x3f, "six commands: report_now .. set_led");
        assertEq(consents.consentCount(), 0, "no consents");
        assertTrue(consents.hasRole(consents.DEFAULT_ADMIN_ROLE(), admin), "admin");
    }

    // ---------------------------------------------------------------- grant

    function test_grant_storesTheConsent() public {
        IConsentRegistry.ConsentTerms memory t = termsFor(two(devices[0], devices[1]));
        uint64[] memory epochs = new uint64[](2);
        epochs[0] = 2;
        epochs[1] = 2;
        bytes32 expectedHash = keccak256(
            abi.encode(
                block.chainid,
                address(consents),
                uint256(1),
                alice,
                bob,
                t.devices,
                epochs,
                STREAMS,
                COMMANDS,
                POLICY,
                keccak256(bytes(PURPOSE)),
                uint64(block.timestamp),
                t.expiry
            )
        );
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentGranted(
            1,
            alice,
            bob,
            t.devices,
            STREAMS,
            COMMANDS,
            POLICY,
            uint64(block.timestamp),
            t.expiry,
            PURPOSE,
            expectedHash
        );
        uint256 id = grant(alice, t);
        assertEq(id, 1, "first id");
        assertEq(consents.consentCount(), 1, "count");

        IConsentRegistry.Consent memory c = consents.consent(id);
        assertEq(c.owner, alice, "owner");
        assertEq(c.recipient, bob, "recipient");
        assertEq(c.grantedBy, alice, "granted by the owner");
        assertEq(c.streams, STREAMS, "streams");
        assertEq(c.commands, COMMANDS, "commands");
        assertEq(c.start, block.timestamp, "start = grant time");
        assertEq(c.expiry, t.expiry, "expiry");
        assertEq(c.grantedAt, block.timestamp, "grantedAt");
        assertEq(c.revokedAt, 0, "not revoked");
        assertEq(c.policyId, POLICY, "policy");
        assertEq(c.purposeHash, keccak256(bytes(PURPOSE)), "purpose hash");
        assertEq(c.termsHash, expectedHash, "terms hash");
        assertEq(consents.consentTermsHash(id), expectedHash, "terms hash view");

        (address[] memory ds, uint64[] memory es) = consents.consentDevices(id);
        assertEq(ds.length, 2, "two devices");
        assertEq(ds[0], devices[0], "device 0");
        assertEq(ds[1], devices[1], "device 1");
        assertEq(es[0], 2, "epoch 0 (factory, then alice)");
        assertEq(es[1], 2, "epoch 1");

        assertEq(consents.consentsGivenBy(alice).length, 1, "given by alice");
        assertEq(consents.consentsGivenTo(bob).length, 1, "given to bob");
        assertEq(consents.consentsGivenTo(bob)[0], id, "id given to bob");
        assertTrue(consents.isLive(id), "live");
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.None, "permits device 0");
        assertRefusal(refusalOf(id, devices[1]), IConsentRegistry.Refusal.None, "permits device 1");
        assertRefusal(consents.checkConsent(id, devices[0], bob, 0x1, 0), IConsentRegistry.Refusal.None, "a subset");
    }

    function test_grant_withoutPolicyAndOnlyCommands() public {
        IConsentRegistry.ConsentTerms memory t = termsFor(one(devices[0]));
        t.policyId = bytes32(0);
        t.streams = 0;
        uint256 id = grant(alice, t);
        assertRefusal(consents.checkConsent(id, devices[0], bob, 0, COMMANDS), IConsentRegistry.Refusal.None, "command");
        assertRefusal(
            consents.checkConsent(id, devices[0], bob, 0x1, 0),
            IConsentRegistry.Refusal.StreamNotCovered,
            "no stream"
        );
    }

    function test_grant_everyStreamOfTheProfileAndEveryCommand() public {
        IConsentRegistry.ConsentTerms memory t = termsFor(one(devices[0]));
        t.streams = 0x3f; // six metrics
        t.commands = 0x3f;
        uint256 id = grant(alice, t);
        assertRefusal(consents.checkConsent(id, devices[0], bob, 0x3f, 0x3f), IConsentRegistry.Refusal.None, "all");
    }

    function test_grant_maxDevices() public {
        address[] memory list = new address[](64);
        for (uint256 i; i < 64; ++i) {
            list[i] = i < 4 ? devices[i] : provision(keyOf(200 + i));
            if (i >= 4) transfer(list[i], alice);
        }
        uint256 id = grant(alice, termsFor(list));
        (address[] memory ds, ) = consents.consentDevices(id);
        assertEq(ds.length, 64, "64 devices");
    }

    /// @dev Expects `selector`-and-args revert of a grant by `caller`, and that nothing changed.
    function expectGrantRefused(address caller, IConsentRegistry.ConsentTerms memory t, string memory purpose, bytes memory err)
        internal
    {
        uint256 count = consents.consentCount();
        uint256 given = consents.consentsGivenBy(caller).length;
        vm.expectRevert(err);
        vm.prank(caller);
        consents.grantConsent(t, purpose);
        assertEq(consents.consentCount(), count, "count unchanged");
        assertEq(consents.consentsGivenBy(caller).length, given, "list unchanged");
        assertEq(consents.consentsGivenTo(t.recipient).length, 0, "recipient list unchanged");
    }

    function test_grant_refusals() public {
        IConsentRegistry.ConsentTerms memory t;

        t = termsFor(new address[](0));
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.NoDevices.selector));

        t = termsFor(new address[](65));
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.TooManyDevices.selector, 65, 64));

        t = termsFor(two(devices[0], devices[0]));
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.DuplicateDevice.selector, devices[0]));

        address ghost = vm.addr(keyOf(999));
        t = termsFor(two(devices[0], ghost));
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.UnknownDevice.selector, ghost));

        // A device registered without an ownership token is unknown too.
        t = termsFor(one(address(0)));
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.UnknownDevice.selector, address(0)));

        // Not the owner: a stranger, the recipient, the previous owner (the factory).
        address[3] memory notOwners = [stranger, carol, factory];
        for (uint256 i; i < 3; ++i) {
            t = termsFor(one(devices[1]));
            expectGrantRefused(
                notOwners[i],
                t,
                PURPOSE,
                abi.encodeWithSelector(IConsentRegistry.NotDeviceOwner.selector, devices[1], notOwners[i])
            );
        }

        t = termsFor(one(devices[0]));
        t.recipient = address(0);
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.InvalidRecipient.selector, address(0)));
        t.recipient = alice;
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.InvalidRecipient.selector, alice));

        t = termsFor(one(devices[0]));
        t.streams = 0;
        t.commands = 0;
        expectGrantRefused(alice, t, PURPOSE, abi.encodeWithSelector(IConsentRegistry.EmptyScope.selector));

        t = termsFor(one(devices[0]));
        t.streams = 0x41; // metric 6 of a six-metric profile
        expectGrantRefused(
            alice,
            t,
            PURPOSE,
            abi.encodeWithSelector(IConsentRegistry.UnknownStreams.selector, devices[0], uint32(0x41), uint32(0x3f))
        );

        t = termsFor(one(devices[0]));
        t.commands = 0x48; // code 6 is not in the catalogue
        expectGrantRefused(
            alice,
            t,
            PURPOSE,
            abi.encodeWithSelector(IConsentRegistry.UnknownCommands.selector, uint32(0x48), uint32(0x3f))
        );

        t = termsFor(one(devices[0]));
        t.expiry = uint64(block.timestamp); // expiry must be after start (now)
        expectGrantRefused(
            alice,
            t,
            PURPOSE,
            abi.encodeWithSelector(IConsentRegistry.InvalidWindow.selector, uint64(0), uint64(block.timestamp))
        );
        t.start = uint64(block.timestamp + 10 days);
        t.expiry = uint64(block.timestamp + 10 days);
        expectGrantRefused(
            alice,
            t,
            PURPOSE,
            abi.encodeWithSelector(IConsentRegistry.InvalidWindow.selector, t.start, t.expiry)
        );
        t.start = uint64(block.timestamp - 10 days);
        t.expiry = uint64(block.timestamp - 1); // wholly in the past
        expectGrantRefused(
            alice,
            t,
            PURPOSE,
            abi.encodeWithSelector(IConsentRegistry.InvalidWindow.selector, t.start, t.expiry)
        );

        t = termsFor(one(devices[0]));
        expectGrantRefused(alice, t, "", abi.encodeWithSelector(IConsentRegistry.EmptyPurpose.selector));
        string memory long = string(new bytes(1025));
        expectGrantRefused(alice, t, long, abi.encodeWithSelector(ConsentRegistry.PurposeTooLong.selector, 1025, 1024));

        t.policyId = keccak256("no such policy");
        expectGrantRefused(
            alice,
            t,
            PURPOSE,
            abi.encodeWithSelector(IConsentRegistry.UnknownPolicy.selector, keccak256("no such policy"))
        );
    }

    function test_grant_unknownStreamsUseTheDeviceOwnProfile() public {
        Profile memory p = airProfile();
        p.metricCount = 2;
        p.maxPayloadBytes = 4;
        int16[] memory lo = new int16[](2);
        int16[] memory hi = new int16[](2);
        uint16[] memory d = new uint16[](2);
        hi[0] = 100;
        hi[1] = 100;
        (p.minValue, p.maxValue, p.maxDelta) = (lo, hi, d);
        vm.prank(operator);
        fleet.setDeviceProfile(devices[1], p);
        IConsentRegistry.ConsentTerms memory t = termsFor(two(devices[0], devices[1]));
        t.streams = 0x5; // metric 2 exists on device 0, not on device 1
        expectGrantRefused(
            alice,
            t,
            PURPOSE,
            abi.encodeWithSelector(IConsentRegistry.UnknownStreams.selector, devices[1], uint32(0x5), uint32(0x3))
        );
    }

    // ---------------------------------------------------------------- window

    function test_window_notYetValidThenLiveThenExpired() public {
        IConsentRegistry.ConsentTerms memory t = termsFor(one(devices[0]));
        t.start = uint64(block.timestamp + 1 days);
        t.expiry = uint64(block.timestamp + 2 days);
        uint256 id = grant(alice, t);
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.NotYetValid, "before start");
        assertFalse(consents.isLive(id), "not live before start");
        vm.warp(t.start);
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.None, "at start");
        assertTrue(consents.isLive(id), "live at start");
        vm.warp(t.expiry - 1);
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.None, "last second");
        vm.warp(t.expiry);
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.Expired, "expiry is exclusive");
        assertFalse(consents.isLive(id), "not live after expiry");
    }

    // ---------------------------------------------------------------- checkConsent refusals

    function test_check_refusals() public {
        uint256 id = grant(alice, termsFor(two(devices[0], devices[1])));
        assertRefusal(
            consents.checkConsent(99, devices[0], bob, STREAMS, 0),
            IConsentRegistry.Refusal.UnknownConsent,
            "unknown"
        );
        assertRefusal(consents.checkConsent(0, devices[0], bob, STREAMS, 0), IConsentRegistry.Refusal.UnknownConsent, "id 0");
        assertRefusal(
            consents.checkConsent(id, devices[0], carol, STREAMS, 0),
            IConsentRegistry.Refusal.WrongRecipient,
            "recipient"
        );
        assertRefusal(
            consents.checkConsent(id, devices[2], bob, STREAMS, 0),
            IConsentRegistry.Refusal.DeviceNotCovered,
            "device"
        );
        assertRefusal(
            consents.checkConsent(id, devices[0], bob, 0x2, 0),
            IConsentRegistry.Refusal.StreamNotCovered,
            "stream pm10"
        );
        assertRefusal(
            consents.checkConsent(id, devices[0], bob, 0, 0x10),
            IConsentRegistry.Refusal.CommandNotCovered,
            "reboot"
        );
        assertFalse(consents.isLive(99), "unknown is not live");
    }

    // ---------------------------------------------------------------- transfer voids

    function test_transfer_voidsTheConsentForThatDevice() public {
        uint256 id = grant(alice, termsFor(two(devices[0], devices[1])));
        transfer(devices[0], carol);
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.OwnershipChanged, "sold device");
        assertRefusal(refusalOf(id, devices[1]), IConsentRegistry.Refusal.None, "kept device");
        assertTrue(consents.isLive(id), "still live for the kept device");

        transfer(devices[1], carol);
        assertFalse(consents.isLive(id), "void once every device changed hands");

        // Buying the device back does not bring the old consent back.
        transfer(devices[0], alice);
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.OwnershipChanged, "new epoch");
        assertFalse(consents.isLive(id), "still void");

        // The new owner starts clean and grants its own.
        vm.prank(carol);
        uint256 mine = consents.grantConsent(termsFor(one(devices[1])), PURPOSE);
        assertRefusal(refusalOf(mine, devices[1]), IConsentRegistry.Refusal.None, "the new owner's consent");
        (, uint64[] memory es) = consents.consentDevices(mine);
        assertEq(es[0], 3, "granted in epoch 3");
    }

    // ---------------------------------------------------------------- revoke one

    function test_revoke() public {
        uint256 id = grantDefault();
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(address(consents));
        emit IConsentRegistry.ConsentRevoked(id, alice, bob, uint64(block.timestamp));
        vm.prank(alice);
        consents.revokeConsent(id);
        assertEq(consents.consent(id).revokedAt, block.timestamp, "revokedAt");
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.Revoked, "revoked");
        assertFalse(consents.isLive(id), "not live");
    }

    function test_revoke_refusals() public {
        uint256 id = grantDefault();
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 7));
        vm.prank(alice);
        consents.revokeConsent(7);

        address[3] memory others = [bob, factory, admin];
        for (uint256 i; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.NotConsentOwner.selector, id, others[i]));
            vm.prank(others[i]);
            consents.revokeConsent(id);
        }
        assertEq(consents.consent(id).revokedAt, 0, "unchanged");

        vm.prank(alice);
        consents.revokeConsent(id);
        uint64 revokedAt = consents.consent(id).revokedAt;
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.AlreadyRevoked.selector, id));
        vm.prank(alice);
        consents.revokeConsent(id);
        assertEq(consents.consent(id).revokedAt, revokedAt, "first revocation time kept");
    }

    function test_revoke_isFinal_evenAfterTheDeviceComesBack() public {
        uint256 id = grantDefault();
        vm.prank(alice);
        consents.revokeConsent(id);
        transfer(devices[0], carol);
        transfer(devices[0], alice);
        vm.warp(block.timestamp + 10 days);
        assertRefusal(refusalOf(id, devices[0]), IConsentRegistry.Refusal.Revoked, "still revoked");
        assertFalse(consents.isLive(id), "not live");
    }

    // ---------------------------------------------------------------- revoke all of a recipient

    function test_revokeAll() public {
        uint256 a = grantDefault();
        uint256 b = grant(alice, termsFor(one(devices[1])));
        IConsentRegistry.ConsentTerms memory later = termsFor(one(devices[2]));
        later.start = uint64(block.timestamp + 5 days);
        later.expiry = uint64(block.timestamp + 6 days);
        uint256 future = grant(alice, later);
        IConsentRegistry.ConsentTerms memory brief = termsFor(one(devices[3]));
        brief.expiry = uint64(block.timestamp + 1 hours);
        uint256 shortLived = grant(alice, brief);
        IConsentRegistry.ConsentTerms memory toCarol = termsFor(one(devices[0]));
        toCarol.recipient = carol;
        uint256 c = grant(alice, toCarol);
        vm.prank(alice);
        consents.revokeConsent(b);
        vm.warp(block.timestamp + 2 hours); // shortLived expired

        vm.recordLogs();
        vm.prank(alice);
        (uint256 n, uint256 remaining) = consents.revokeAllConsentsOf(bob, 32);
        assertEq(n, 2, "the live one and the one not started yet");
        assertEq(remaining, 0, "all walked");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 2, "two ConsentRevoked events");
        assertEq(uint256(logs[0].topics[1]), future, "newest first");
        assertEq(uint256(logs[1].topics[1]), a, "then the oldest");

        assertRefusal(refusalOf(a, devices[0]), IConsentRegistry.Refusal.Revoked, "a");
        assertRefusal(refusalOf(future, devices[2]), IConsentRegistry.Refusal.Revoked, "future");
        assertEq(consents.consent(shortLived).revokedAt, 0, "an expired consent is left expired");
        assertRefusal(
            consents.checkConsent(c, devices[0], carol, STREAMS, COMMANDS),
            IConsentRegistry.Refusal.None,
            "carol keeps hers"
        );

        assertEq(revokeAll(alice, bob), 0, "nothing left");
        // Only the owner's own consents: bob revoking "all of carol's" touches nothing of alice's.
        assertEq(revokeAll(bob, carol), 0, "bob gave nothing");
        assertEq(consents.consent(c).revokedAt, 0, "untouched");

        // A grant after a revoke-all is caught by the next one.
        uint256 again = grantDefault();
        assertEq(revokeAll(alice, bob), 1, "the new one");
        assertRefusal(refusalOf(again, devices[0]), IConsentRegistry.Refusal.Revoked, "again");
        assertEq(consents.consentsGivenBy(alice).length, 6, "the owner's list keeps everything");
    }

    // ---------------------------------------------------------------- grant agents

    function test_grantAgent() public {
        vm.expectEmit(address(consents));
        emit IConsentRegistry.GrantAgentSet(alice, carol, true);
        vm.prank(alice);
        consents.setGrantAgent(carol, true);
        assertTrue(consents.isGrantAgent(alice, carol), "agent");

        vm.prank(carol);
        uint256 id = consents.grantConsentFor(alice, termsFor(one(devices[0])), PURPOSE);
        IConsentRegistry.Consent memory c = consents.consent(id);
        assertEq(c.owner, alice, "owner");
        assertEq(c.grantedBy, carol, "granted by the agent");
        assertEq(consents.consentsGivenBy(alice)[0], id, "in the owner's list");
        assertEq(consents.consentsGivenBy(carol).length, 0, "not in the agent's");

        // The agent cannot revoke, and cannot grant over a device the owner does not own.
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.NotConsentOwner.selector, id, carol));
        vm.prank(carol);
        consents.revokeConsent(id);
        transfer(devices[1], stranger);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.NotDeviceOwner.selector, devices[1], alice));
        vm.prank(carol);
        consents.grantConsentFor(alice, termsFor(one(devices[1])), PURPOSE);

        vm.prank(alice);
        consents.setGrantAgent(carol, false);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.NotGrantAgent.selector, alice, carol));
        vm.prank(carol);
        consents.grantConsentFor(alice, termsFor(one(devices[0])), PURPOSE);
        assertEq(consents.consentCount(), 1, "unchanged");
    }

    function test_grantAgent_refusals() public {
        vm.expectRevert(abi.encodeWithSelector(ConsentRegistry.InvalidGrantAgent.selector, address(0)));
        vm.prank(alice);
        consents.setGrantAgent(address(0), true);
        vm.expectRevert(abi.encodeWithSelector(ConsentRegistry.InvalidGrantAgent.selector, alice));
        vm.prank(alice);
        consents.setGrantAgent(alice, true);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.NotGrantAgent.selector, alice, stranger));
        vm.prank(stranger);
        consents.grantConsentFor(alice, termsFor(one(devices[0])), PURPOSE);
        assertEq(consents.consentCount(), 0, "nothing granted");
        assertFalse(consents.isGrantAgent(alice, address(0)), "no agent");
    }

    /// @dev The owner walks every page of its consents to `recipient`; returns how many it revoked.
    function revokeAll(address owner, address recipient) internal returns (uint256 revoked) {
        uint256 remaining = 1;
        while (remaining != 0) {
            vm.prank(owner);
            uint256 n;
            (n, remaining) = consents.revokeAllConsentsOf(recipient, 2);
            revoked += n;
        }
    }

    function test_revokeAll_pages() public {
        uint256[] memory ids = new uint256[](5);
        for (uint256 i; i < 5; ++i) ids[i] = grantDefault();
        assertEq(consents.pendingRevocations(alice, bob), 5, "five to walk");
        vm.prank(alice);
        (uint256 n, uint256 remaining) = consents.revokeAllConsentsOf(bob, 2);
        assertEq(n, 2, "a page of two");
        assertEq(remaining, 3, "three left");
        assertEq(consents.consent(ids[4]).revokedAt, block.timestamp, "newest revoked");
        assertEq(consents.consent(ids[3]).revokedAt, block.timestamp, "second newest revoked");
        assertEq(consents.consent(ids[2]).revokedAt, 0, "the rest untouched");
        vm.prank(alice);
        (n, remaining) = consents.revokeAllConsentsOf(bob, 32);
        assertEq(n, 3, "the rest");
        assertEq(remaining, 0, "done");
        assertEq(consents.pendingRevocations(alice, bob), 0, "nothing to walk");

        vm.expectRevert(abi.encodeWithSelector(ConsentRegistry.InvalidPageSize.selector, 0, 32));
        vm.prank(alice);
        consents.revokeAllConsentsOf(bob, 0);
        vm.expectRevert(abi.encodeWithSelector(ConsentRegistry.InvalidPageSize.selector, 33, 32));
        vm.prank(alice);
        consents.revokeAllConsentsOf(bob, 33);
    }

    // ---------------------------------------------------------------- revocation hook

    function test_hook_setOnlyByAdmin() public {
        RecordingHook hook = new RecordingHook();
        bytes32 adminRole = consents.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, adminRole)
        );
        vm.prank(alice);
        consents.setRevocationHook(hook);
        vm.expectRevert(abi.encodeWithSelector(ConsentRegistry.InvalidRevocationHook.selector, bob));
        vm.prank(admin);
        consents.setRevocationHook(IConsentRevocationHook(bob));
        assertEq(address(consents.revocationHook()), address(0), "unchanged");

        vm.expectEmit(address(consents));
        emit ConsentRegistry.RevocationHookSet(address(hook));
        vm.prank(admin);
        consents.setRevocationHook(hook);
        assertEq(address(consents.revocationHook()), address(hook), "set");
    }

    function test_hook_isToldOfEveryRevocation() public {
        RecordingHook hook = new RecordingHook();
        vm.prank(admin);
        consents.setRevocationHook(hook);
        uint256 a = grantDefault();
        uint256 b = grant(alice, termsFor(one(devices[1])));
        uint256 c = grant(alice, termsFor(one(devices[2])));
        vm.prank(alice);
        consents.revokeConsent(a);
        revokeAll(alice, bob);
        assertEq(hook.callCount(), 3, "three calls");
        assertEq(hook.calls(0), a, "a");
        assertEq(hook.calls(1), c, "c (revoke-all walks newest first)");
        assertEq(hook.calls(2), b, "b");
    }

    function test_hook_thatFailsNeverBlocksRevocation() public {
        RecordingHook hook = new RecordingHook();
        vm.prank(admin);
        consents.setRevocationHook(hook);
        uint256 a = grantDefault();
        uint256 b = grant(alice, termsFor(one(devices[1])));

        hook.setMode(RecordingHook.Mode.Revert);
        vm.expectEmit(address(consents));
        emit ConsentRegistry.RevocationHookFailed(a, address(hook));
        vm.prank(alice);
        consents.revokeConsent(a);
        assertRefusal(refusalOf(a, devices[0]), IConsentRegistry.Refusal.Revoked, "revoked despite a reverting hook");

        hook.setMode(RecordingHook.Mode.Burn);
        vm.expectEmit(address(consents));
        emit ConsentRegistry.RevocationHookFailed(b, address(hook));
        vm.prank(alice);
        consents.revokeConsent{gas: 3_000_000}(b);
        assertRefusal(refusalOf(b, devices[1]), IConsentRegistry.Refusal.Revoked, "revoked despite a gas-burning hook");
    }

    function test_hook_cannotBeStarvedOnPurpose() public {
        RecordingHook hook = new RecordingHook();
        vm.prank(admin);
        consents.setRevocationHook(hook);
        uint256 a = grantDefault();
        vm.prank(alice);
        (bool ok, bytes memory err) = address(consents).call{gas: 150_000}(
            abi.encodeCall(ConsentRegistry.revokeConsent, (a))
        );
        assertFalse(ok, "refused");
        assertEq(bytes32(bytes4(err)), bytes32(ConsentRegistry.InsufficientGasForHook.selector), "InsufficientGasForHook");
        assertEq(consents.consent(a).revokedAt, 0, "not revoked: send enough gas");
        assertEq(hook.callCount(), 0, "not called");
    }

    // ---------------------------------------------------------------- views of unknown consents

    function test_views_unknownConsent() public {
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 1));
        consents.consent(1);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 1));
        consents.consentDevices(1);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 1));
        consents.consentTermsHash(1);
    }

    // ---------------------------------------------------------------- gas (docs/contracts.md, "Consent")

    /// @dev Every contract a measured call touches starts cold, as in a transaction of its own.
    function coolAll() internal {
        vm.cool(address(consents));
        vm.cool(address(ownership));
        vm.cool(address(fleet));
        vm.cool(address(policies));
    }

    function test_gas() public {
        address[] memory eight = new address[](8);
        for (uint256 i; i < 8; ++i) {
            eight[i] = i < 4 ? devices[i] : provision(keyOf(300 + i));
            if (i >= 4) transfer(eight[i], alice);
        }
        grantDefault(); // warm the owner's and recipient's lists as a second grant would find them
        IConsentRegistry.ConsentTerms memory t1 = termsFor(one(devices[0]));
        coolAll();
        vm.prank(alice);
        uint256 id1 = consents.grantConsent(t1, PURPOSE);
        uint256 grant1 = vm.lastCallGas().gasTotalUsed;
        IConsentRegistry.ConsentTerms memory t8 = termsFor(eight);
        coolAll();
        vm.prank(alice);
        consents.grantConsent(t8, PURPOSE);
        uint256 grant8 = vm.lastCallGas().gasTotalUsed;
        coolAll();
        vm.prank(alice);
        consents.revokeConsent(id1);
        uint256 revoke1 = vm.lastCallGas().gasTotalUsed;
        for (uint256 i; i < 3; ++i) grantDefault();
        coolAll();
        vm.prank(alice);
        consents.revokeAllConsentsOf(bob, 32);
        uint256 revokeAllGas = vm.lastCallGas().gasTotalUsed;
        uint256 id = grantDefault();
        coolAll();
        consents.checkConsent(id, devices[0], bob, STREAMS, 0);
        uint256 check = vm.lastCallGas().gasTotalUsed;
        console.log("grant, 1 device", grant1);
        console.log("grant, 8 devices", grant8);
        console.log("revoke one", revoke1);
        console.log("revoke all of a recipient (5 live, 1 revoked)", revokeAllGas);
        console.log("checkConsent (cold)", check);
        console.log("(call frame only: add 21,000 + calldata for a transaction)");
        assertLe(grant1, 400_000, "grant of one device");
        assertLe(revoke1, 40_000, "revoke");
    }
}
