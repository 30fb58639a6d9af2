// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {SharingLog} from "../src/SharingLog.sol";
import {ISharingLog} from "../src/interfaces/ISharingLog.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";

/// @notice The onward-sharing log on the real consent and policy registries (ConsentWorld).
contract SharingLogTest is ConsentWorld {
    bytes32 internal constant DATA = keccak256("pm25 day 1");
    address internal mallory = address(0xBAD);
    bytes32 internal P_SHARE;
    bytes32 internal P_SILENT;
    bytes32 internal P_CLOSED;

    function setUp() public override {
        super.setUp();
        P_SHARE = publish(alice, "share", sharingTerms());
        IPolicyRegistry.PolicyTerms memory silent = sharingTerms();
        silent.notifyOwner = false;
        P_SILENT = publish(alice, "silent", silent);
        P_CLOSED = publish(alice, "closed", strictTerms());
    }

    function grant(address recipient, bytes32 policyId) internal returns (uint256) {
        return grant(alice, recipient, one(devices[0]), policyId);
    }

    function revoke(uint256 id) internal {
        revoke(alice, id);
    }

    function assertNoEntries(uint256 consentId) internal view {
        assertEq(sharingLog.entryCount(), 0, "state unchanged: entries");
        assertEq(sharingLog.entriesOf(consentId).length, 0, "state unchanged: consent entries");
        assertFalse(sharingLog.hasShared(consentId, dave), "state unchanged: hasShared");
    }

    function test_constructor_refusesZeroDependencies() public {
        vm.expectRevert(ISharingLog.InvalidDependency.selector);
        new SharingLog(IConsentRegistry(address(0)), IPolicyRegistry(address(policyRegistry)));
        vm.expectRevert(ISharingLog.InvalidDependency.selector);
        new SharingLog(IConsentRegistry(address(consents)), IPolicyRegistry(address(0)));
    }

    function test_log_recordsAndNotifies() public {
        uint256 id = grant(bob, P_SHARE);
        vm.expectEmit(address(sharingLog));
        emit ISharingLog.DataShared(1, id, alice, bob, dave, DATA, "research");
        vm.expectEmit(address(sharingLog));
        emit ISharingLog.OwnerNotified(alice, id, 1);
        vm.prank(bob);
        uint256 entryId = sharingLog.logSharing(id, dave, DATA, "research");
        assertEq(entryId, 1);
        assertTrue(sharingLog.hasShared(id, dave));
        assertFalse(sharingLog.hasShared(id, mallory), "not shared with mallory");
        assertEq(uint256(sharingLog.sharedSince(id, dave)), block.timestamp, "shared since now");
        assertEq(uint256(sharingLog.sharedSince(id, mallory)), 0, "never with mallory");
        ISharingLog.Entry memory e = sharingLog.entry(1);
        assertEq(e.consentId, id);
        assertEq(e.sharedWith, dave);
        assertEq(uint256(e.loggedAt), block.timestamp);
        assertEq(e.dataHash, DATA, "data hash");
        assertEq(sharingLog.entriesOf(id).length, 1);
        assertEq(sharingLog.entryCount(), 1);
    }

    /// @dev sharedSince keeps the first share: a later entry to the same party does not move it.
    function test_sharedSince_isTheFirstShare() public {
        uint256 id = grant(bob, P_SHARE);
        vm.prank(bob);
        uint256 firstEntry = sharingLog.logSharing(id, dave, DATA, "research");
        vm.warp(block.timestamp + 1 days);
        vm.prank(bob);
        uint256 secondEntry = sharingLog.logSharing(id, dave, keccak256("day 2"), "research");
        // (via-IR may read block.timestamp after the warp if kept in a local: compare with the entries)
        uint64 first = sharingLog.entry(firstEntry).loggedAt;
        assertEq(uint256(sharingLog.sharedSince(id, dave)), uint256(first), "the first share");
        assertEq(uint256(sharingLog.entry(secondEntry).loggedAt), uint256(first) + 1 days, "the second a day later");
        assertEq(sharingLog.entriesOf(id).length, 2, "both entries");
    }

    function test_log_withoutNotificationWhenThePolicySaysSo() public {
        uint256 id = grant(bob, P_SILENT);
        vm.recordLogs();
        vm.prank(bob);
        sharingLog.logSharing(id, dave, DATA, "research");
        assertEq(vm.getRecordedLogs().length, 1, "DataShared only");
    }

    function test_log_unknownConsent() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IConsentRegistry.UnknownConsent.selector, 7));
        sharingLog.logSharing(7, dave, DATA, "research");
        assertNoEntries(7);
    }

    function test_log_notTheRecipient() public {
        uint256 id = grant(bob, P_SHARE);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.NotConsentRecipient.selector, id, carol));
        sharingLog.logSharing(id, dave, DATA, "research");
        vm.prank(alice); // not even the owner
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.NotConsentRecipient.selector, id, alice));
        sharingLog.logSharing(id, dave, DATA, "research");
        assertNoEntries(id);
    }

    function test_log_revokedConsent() public {
        uint256 id = grant(bob, P_SILENT);
        revoke(id);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(ISharingLog.ConsentNotLive.selector, id, uint8(IConsentRegistry.Refusal.Revoked))
        );
        sharingLog.logSharing(id, dave, DATA, "research");
        assertNoEntries(id);
    }

    function test_log_expiredConsent() public {
        uint256 id = grant(bob, P_SILENT);
        vm.warp(block.timestamp + 30 days);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(ISharingLog.ConsentNotLive.selector, id, uint8(IConsentRegistry.Refusal.Expired))
        );
        sharingLog.logSharing(id, dave, DATA, "research");
        assertNoEntries(id);
    }

    function test_log_notYetValid_andOwnershipChanged() public {
        IConsentRegistry.ConsentTerms memory t = terms(bob, one(devices[0]), P_SILENT, 30 days);
        t.start = uint64(block.timestamp + 1 days);
        vm.prank(alice);
        uint256 id = consents.grantConsent(t, PURPOSE);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(ISharingLog.ConsentNotLive.selector, id, uint8(IConsentRegistry.Refusal.NotYetValid))
        );
        sharingLog.logSharing(id, dave, DATA, "research");
        vm.warp(block.timestamp + 2 days); // inside the window, yet every device changed hands
        transfer(devices[0], erin);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISharingLog.ConsentNotLive.selector,
                id,
                uint8(IConsentRegistry.Refusal.OwnershipChanged)
            )
        );
        sharingLog.logSharing(id, dave, DATA, "research");
        assertNoEntries(id);
    }

    function test_log_policyForbidsOnwardSharing() public {
        uint256 closed = grant(bob, P_CLOSED);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.OnwardSharingNotAllowed.selector, closed, P_CLOSED));
        sharingLog.logSharing(closed, dave, DATA, "research");
        uint256 none = grant(bob, bytes32(0));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.OnwardSharingNotAllowed.selector, none, bytes32(0)));
        sharingLog.logSharing(none, dave, DATA, "research");
        assertNoEntries(closed);
        assertNoEntries(none);
    }

    function test_log_badInputs() public {
        uint256 id = grant(bob, P_SHARE);
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.InvalidSharedWith.selector, address(0)));
        sharingLog.logSharing(id, address(0), DATA, "research");
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.InvalidSharedWith.selector, bob));
        sharingLog.logSharing(id, bob, DATA, "research");
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.InvalidSharedWith.selector, alice));
        sharingLog.logSharing(id, alice, DATA, "research");
        vm.expectRevert(ISharingLog.InvalidDataHash.selector);
        sharingLog.logSharing(id, dave, bytes32(0), "research");
        vm.expectRevert(ISharingLog.InvalidPurpose.selector);
        sharingLog.logSharing(id, dave, DATA, "");
        vm.expectRevert(ISharingLog.InvalidPurpose.selector);
        sharingLog.logSharing(id, dave, DATA, string(new bytes(257)));
        vm.stopPrank();
        assertNoEntries(id);
    }

    function test_entry_unknown() public {
        vm.expectRevert(abi.encodeWithSelector(ISharingLog.UnknownEntry.selector, 1));
        sharingLog.entry(1);
    }
}
