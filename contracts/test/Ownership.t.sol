// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IdentityBase} from "./utils/IdentityBase.sol";
import {IDeviceOwnership, IDeviceOwnershipManagement} from "../src/interfaces/IDeviceOwnership.sol";
import {DeviceOwnership} from "../src/DeviceOwnership.sol";

contract OwnershipTest is IdentityBase {
    address internal alice = address(0xA11);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA401);

    address internal device;

    function setUp() public override {
        super.setUp();
        device = provision(keyOf(1));
    }

    // ---------------------------------------------------------------- token basics

    function test_metadataAndTokenId() public view {
        assertEq(bytes(ownership.name()), bytes("Pythia Device"), "name");
        assertEq(bytes(ownership.symbol()), bytes("PDEV"), "symbol");
        assertEq(ownership.tokenIdOf(device), uint256(uint160(device)), "token id");
        assertEq(ownership.ownerOf(uint256(uint160(device))), factory, "ownerOf");
        assertEq(address(ownership.fleet()), address(fleet), "fleet");
        assertTrue(ownership.supportsInterface(type(IERC721).interfaceId), "IERC721");
        assertTrue(ownership.supportsInterface(type(IDeviceOwnership).interfaceId), "IDeviceOwnership");
        assertTrue(ownership.supportsInterface(type(IDeviceOwnershipManagement).interfaceId), "management");
    }

    function test_constructor_refusesZeroFleet() public {
        vm.expectRevert(IDeviceOwnershipManagement.InvalidFleet.selector);
        new DeviceOwnership(address(0));
    }

    function test_mint_onlyByFleet() public {
        address[3] memory callers = [admin, operator, address(identity)];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotFleet.selector, callers[i]));
            vm.prank(callers[i]);
            ownership.mintDeviceToken(vm.addr(keyOf(2)), callers[i]);
        }
    }

    function test_unknownToken() public {
        address ghost = vm.addr(keyOf(9));
        assertEq(ownership.ownerOfDevice(ghost), address(0), "no owner");
        assertEq(ownership.ownershipEpoch(ghost), 0, "epoch 0");
        assertFalse(ownership.isOwnerOrManager(ghost, address(0)), "nobody manages an unknown device");
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, uint256(uint160(ghost))));
        ownership.ownerOf(uint256(uint160(ghost)));
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.UnknownDeviceToken.selector, ghost));
        ownership.offerTransfer(ghost, bob);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.UnknownDeviceToken.selector, ghost));
        ownership.acceptTransfer(ghost);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.UnknownDeviceToken.selector, ghost));
        ownership.cancelOffer(ghost);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.UnknownDeviceToken.selector, ghost));
        ownership.setManager(ghost, bob, true);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.UnknownDeviceToken.selector, ghost));
        ownership.acknowledgeOwner(ghost, 1, "");
    }

    function test_plainErc721PathsDisabled() public {
        uint256 id = uint256(uint160(device));
        vm.startPrank(factory);
        vm.expectRevert(IDeviceOwnershipManagement.UseOfferAndAccept.selector);
        ownership.transferFrom(factory, bob, id);
        vm.expectRevert(IDeviceOwnershipManagement.UseOfferAndAccept.selector);
        ownership.safeTransferFrom(factory, bob, id);
        vm.expectRevert(IDeviceOwnershipManagement.UseOfferAndAccept.selector);
        ownership.safeTransferFrom(factory, bob, id, "");
        vm.expectRevert(IDeviceOwnershipManagement.UseOfferAndAccept.selector);
        ownership.approve(bob, id);
        vm.expectRevert(IDeviceOwnershipManagement.UseOfferAndAccept.selector);
        ownership.setApprovalForAll(bob, true);
        vm.stopPrank();
        assertEq(ownership.ownerOfDevice(device), factory, "unchanged");
        assertEq(ownership.getApproved(id), address(0), "no approval");
        assertFalse(ownership.isApprovedForAll(factory, bob), "no operator");
    }

    // ---------------------------------------------------------------- offer and accept

    function test_offerAndAccept() public {
        vm.expectEmit(address(ownership));
        emit IDeviceOwnershipManagement.TransferOffered(device, factory, alice, 1);
        vm.prank(factory);
        ownership.offerTransfer(device, alice);
        assertEq(ownership.pendingOffer(device), alice, "offer");
        assertEq(ownership.ownerOfDevice(device), factory, "not moved before accept");

        vm.expectEmit(address(ownership));
        emit IERC721.Transfer(factory, alice, uint256(uint160(device)));
        vm.expectEmit(address(ownership));
        emit IDeviceOwnershipManagement.OwnershipTransferred(device, factory, alice, 2);
        vm.prank(alice);
        ownership.acceptTransfer(device);

        assertEq(ownership.ownerOfDevice(device), alice, "owner");
        assertEq(ownership.ownershipEpoch(device), 2, "epoch");
        assertEq(ownership.pendingOffer(device), address(0), "offer cleared");
        assertEq(ownership.balanceOf(factory), 0, "factory balance");
        assertEq(ownership.balanceOf(alice), 1, "alice balance");

        transfer(device, bob);
        assertEq(ownership.ownerOfDevice(device), bob, "owner 3");
        assertEq(ownership.ownershipEpoch(device), 3, "epoch 3");
    }

    function test_offer_refusals() public {
        // Not the owner.
        address[3] memory callers = [alice, operator, device];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotDeviceOwner.selector, device, callers[i]));
            vm.prank(callers[i]);
            ownership.offerTransfer(device, callers[i]);
        }
        vm.startPrank(factory);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.InvalidRecipient.selector, address(0)));
        ownership.offerTransfer(device, address(0));
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.InvalidRecipient.selector, factory));
        ownership.offerTransfer(device, factory);
        vm.stopPrank();
        assertEq(ownership.pendingOffer(device), address(0), "no offer");
    }

    function test_offer_refusedWhileSuspendedOrRevoked() public {
        vm.prank(operator);
        fleet.suspendDevice(device, "tamper alarm");
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.DeviceNotActive.selector, device, 2));
        vm.prank(factory);
        ownership.offerTransfer(device, alice);

        vm.prank(operator);
        fleet.revokeDevice(device, "stolen");
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.DeviceNotActive.selector, device, 3));
        vm.prank(factory);
        ownership.offerTransfer(device, alice);
        assertEq(ownership.ownerOfDevice(device), factory, "owner kept");
    }

    function test_accept_refusedOnceDeviceNoLongerActive() public {
        vm.prank(factory);
        ownership.offerTransfer(device, alice);
        vm.prank(operator);
        fleet.suspendDevice(device, "tamper alarm");
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.DeviceNotActive.selector, device, 2));
        vm.prank(alice);
        ownership.acceptTransfer(device);
        // Reinstated: the standing offer can be accepted.
        vm.prank(operator);
        fleet.reinstateDevice(device, "false alarm");
        vm.prank(alice);
        ownership.acceptTransfer(device);
        assertEq(ownership.ownerOfDevice(device), alice, "owner");
    }

    function test_accept_refusals() public {
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NoPendingOffer.selector, device));
        vm.prank(alice);
        ownership.acceptTransfer(device);

        vm.prank(factory);
        ownership.offerTransfer(device, alice);
        // Someone else: a third party, the owner itself.
        address[2] memory callers = [bob, factory];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotOfferedTo.selector, device, callers[i]));
            vm.prank(callers[i]);
            ownership.acceptTransfer(device);
        }
        vm.prank(alice);
        ownership.acceptTransfer(device);
        // Double accept.
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NoPendingOffer.selector, device));
        vm.prank(alice);
        ownership.acceptTransfer(device);
        assertEq(ownership.ownershipEpoch(device), 2, "one transfer");
    }

    function test_offer_replacesEarlierOffer() public {
        vm.startPrank(factory);
        ownership.offerTransfer(device, alice);
        ownership.offerTransfer(device, bob);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotOfferedTo.selector, device, alice));
        vm.prank(alice);
        ownership.acceptTransfer(device);
        vm.prank(bob);
        ownership.acceptTransfer(device);
        assertEq(ownership.ownerOfDevice(device), bob, "owner");
    }

    function test_cancelOffer() public {
        vm.prank(factory);
        ownership.offerTransfer(device, alice);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotDeviceOwner.selector, device, alice));
        vm.prank(alice);
        ownership.cancelOffer(device);

        vm.expectEmit(address(ownership));
        emit IDeviceOwnershipManagement.TransferOfferCancelled(device, factory, alice);
        vm.prank(factory);
        ownership.cancelOffer(device);
        assertEq(ownership.pendingOffer(device), address(0), "cleared");

        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NoPendingOffer.selector, device));
        vm.prank(alice);
        ownership.acceptTransfer(device);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NoPendingOffer.selector, device));
        vm.prank(factory);
        ownership.cancelOffer(device);
    }

    function test_previousOwnerCannotOfferAfterTransfer() public {
        transfer(device, alice);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotDeviceOwner.selector, device, factory));
        vm.prank(factory);
        ownership.offerTransfer(device, bob);
    }

    function testFuzz_transferChain(address[4] memory owners) public {
        address previous = factory;
        for (uint256 i; i < owners.length; ++i) {
            address to = owners[i];
            if (to == address(0) || to == previous) {
                vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.InvalidRecipient.selector, to));
                vm.prank(previous);
                ownership.offerTransfer(device, to);
                continue;
            }
            transfer(device, to);
            assertEq(ownership.ownerOfDevice(device), to, "owner");
            assertEq(ownership.balanceOf(to), 1, "balance");
            if (previous != to) assertEq(ownership.balanceOf(previous), 0, "previous balance");
            previous = to;
        }
    }

    function testFuzz_onlyOwnerOffers(address caller, address to) public {
        vm.assume(caller != factory);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotDeviceOwner.selector, device, caller));
        vm.prank(caller);
        ownership.offerTransfer(device, to);
    }

    // ---------------------------------------------------------------- acknowledgement by the device

    function test_acknowledgeOwner() public {
        transfer(device, alice);
        bytes memory signature = sig(keyOf(1), ackDigest(device, alice, 2));
        assertEq(ownership.ownerAcknowledgementDigest(device, alice, 2), ackDigest(device, alice, 2), "digest");
        vm.expectEmit(address(ownership));
        emit IDeviceOwnershipManagement.OwnerAcknowledged(device, alice, 2);
        vm.prank(stranger); // relayed by anyone (the Pythia)
        ownership.acknowledgeOwner(device, 2, signature);
        assertEq(ownership.acknowledgedEpoch(device), 2, "acknowledged");

        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.AlreadyAcknowledged.selector, device, 2));
        ownership.acknowledgeOwner(device, 2, signature);
    }

    function test_acknowledgeOwner_refusals() public {
        transfer(device, alice);
        // Wrong epoch (the previous one, a future one).
        bytes memory stale = sig(keyOf(1), ackDigest(device, factory, 1));
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.WrongEpoch.selector, device, 1, 2));
        ownership.acknowledgeOwner(device, 1, stale);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.WrongEpoch.selector, device, 3, 2));
        ownership.acknowledgeOwner(device, 3, sig(keyOf(1), ackDigest(device, alice, 3)));
        // Naming the previous owner, signed by another key, high s, garbage.
        bytes memory good = sig(keyOf(1), ackDigest(device, alice, 2));
        bytes[4] memory bad = [
            sig(keyOf(1), ackDigest(device, factory, 2)),
            sig(keyOf(2), ackDigest(device, alice, 2)),
            highS(good),
            new bytes(65)
        ];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.InvalidDeviceSignature.selector, device));
            ownership.acknowledgeOwner(device, 2, bad[i]);
        }
        assertEq(ownership.acknowledgedEpoch(device), 0, "nothing acknowledged");
    }

    function test_acknowledgeOwner_usesTheCurrentKey() public {
        rotate(device, keyOf(1), keyOf(2));
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.InvalidDeviceSignature.selector, device));
        ownership.acknowledgeOwner(device, 1, sig(keyOf(1), ackDigest(device, factory, 1)));
        ownership.acknowledgeOwner(device, 1, sig(keyOf(2), ackDigest(device, factory, 1)));
        assertEq(ownership.acknowledgedEpoch(device), 1, "acknowledged with the new key");
    }

    function test_acknowledgeOwner_refusedForRevokedDevice() public {
        vm.prank(operator);
        fleet.revokeDevice(device, "stolen");
        bytes memory signature = sig(keyOf(1), ackDigest(device, factory, 1));
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.DeviceNotActive.selector, device, 3));
        ownership.acknowledgeOwner(device, 1, signature);
    }

    // ---------------------------------------------------------------- managers: a transfer voids them at once

    function test_setManager() public {
        vm.expectEmit(address(ownership));
        emit IDeviceOwnershipManagement.ManagerSet(device, carol, true, 1);
        vm.prank(factory);
        ownership.setManager(device, carol, true);
        assertTrue(ownership.isOwnerOrManager(device, carol), "manager");
        assertTrue(ownership.isOwnerOrManager(device, factory), "owner");
        assertFalse(ownership.isOwnerOrManager(device, bob), "stranger");

        vm.prank(factory);
        ownership.setManager(device, carol, false);
        assertFalse(ownership.isOwnerOrManager(device, carol), "dismissed");
    }

    function test_setManager_refusals() public {
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotDeviceOwner.selector, device, carol));
        vm.prank(carol);
        ownership.setManager(device, carol, true);
        vm.startPrank(factory);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.InvalidManager.selector, address(0)));
        ownership.setManager(device, address(0), true);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.InvalidManager.selector, factory));
        ownership.setManager(device, factory, true);
        vm.stopPrank();
        // A manager cannot appoint managers or sell the device.
        vm.prank(factory);
        ownership.setManager(device, carol, true);
        vm.startPrank(carol);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotDeviceOwner.selector, device, carol));
        ownership.setManager(device, bob, true);
        vm.expectRevert(abi.encodeWithSelector(IDeviceOwnershipManagement.NotDeviceOwner.selector, device, carol));
        ownership.offerTransfer(device, carol);
        vm.stopPrank();
    }

    /// The issue's requirement: on transfer, everything the previous owner granted stops applying at
    /// once, and the new owner starts clean — even when the device later returns to the same owner.
    function test_transferVoidsGrants_newOwnerStartsClean() public {
        vm.startPrank(factory);
        ownership.setManager(device, carol, true);
        ownership.setManager(device, bob, true);
        vm.stopPrank();
        assertTrue(ownership.isOwnerOrManager(device, carol), "carol manages");

        transfer(device, alice);
        assertFalse(ownership.isOwnerOrManager(device, carol), "carol's grant voided");
        assertFalse(ownership.isOwnerOrManager(device, bob), "bob's grant voided");
        assertFalse(ownership.isOwnerOrManager(device, factory), "previous owner has no say");
        assertTrue(ownership.isOwnerOrManager(device, alice), "new owner");

        vm.prank(alice);
        ownership.setManager(device, bob, true);
        assertTrue(ownership.isOwnerOrManager(device, bob), "alice's own grant");

        // Back to the factory: epoch 3, nothing from epoch 1 (or 2) comes back.
        transfer(device, factory);
        assertEq(ownership.ownershipEpoch(device), 3, "epoch");
        assertFalse(ownership.isOwnerOrManager(device, carol), "epoch-1 grant stays void");
        assertFalse(ownership.isOwnerOrManager(device, bob), "epoch-2 grant void");
        assertFalse(ownership.isOwnerOrManager(device, alice), "alice has no say");
    }

    function testFuzz_managerGrantsNeverSurviveATransfer(address manager, address to) public {
        vm.assume(manager != address(0) && manager != factory && manager != to);
        vm.assume(to != address(0) && to != factory);
        vm.prank(factory);
        ownership.setManager(device, manager, true);
        transfer(device, to);
        assertFalse(ownership.isOwnerOrManager(device, manager), "grant survived");
        assertTrue(ownership.isOwnerOrManager(device, to), "new owner");
    }
}
