// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {IPolicyRegistry} from "../src/interfaces/IPolicyRegistry.sol";
import {PolicyRegistry} from "../src/PolicyRegistry.sol";

contract PolicyRegistryTest is Test {
    PolicyRegistry internal registry;
    address internal council = address(0xC0C1);
    address internal other = address(0x0777);
    bytes32 internal constant DOC_V1 = keccak256("policy document v1");
    bytes32 internal constant DOC_V2 = keccak256("policy document v2");

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new PolicyRegistry();
    }

    function _terms() internal pure returns (IPolicyRegistry.PolicyTerms memory) {
        return IPolicyRegistry.PolicyTerms({
            onwardSharing: true,
            notifyOwner: true,
            deleteOnRevoke: true,
            retentionSeconds: 30 days,
            deletionPeriodSeconds: 7 days,
            penaltyWei: 1 ether,
            minimumBondWei: 2 ether
        });
    }

    function test_publishStoresAnImmutableVersion() public {
        vm.expectEmit(address(registry));
        bytes32 key = registry.policyKeyOf(council, "open-data");
        bytes32 expectedId = registry.policyIdOf(key, 1);
        emit IPolicyRegistry.PolicyPublished(expectedId, key, council, 1, "open-data", DOC_V1, "ipfs://v1");
        vm.prank(council);
        (bytes32 id, uint32 version) = registry.publishPolicy("open-data", DOC_V1, "ipfs://v1", _terms());
        assertEq(id, expectedId, "id");
        assertEq(uint256(version), 1, "version");
        IPolicyRegistry.PolicyVersion memory stored = registry.policy(id);
        assertEq(stored.publisher, council, "publisher");
        assertEq(stored.contentHash, DOC_V1, "content hash");
        assertEq(uint256(stored.publishedAt), block.timestamp, "published at");
        assertEq(uint256(stored.terms.penaltyWei), 1 ether, "penalty");
        assertEq(uint256(stored.terms.minimumBondWei), 2 ether, "bond");
        assertTrue(registry.policyExists(id));
        assertEq(uint256(registry.policyTerms(id).retentionSeconds), 30 days, "retention");
    }

    function test_versionsAreNumberedPerPublisherAndName() public {
        vm.startPrank(council);
        (bytes32 v1, ) = registry.publishPolicy("open-data", DOC_V1, "", _terms());
        (bytes32 v2, uint32 version) = registry.publishPolicy("open-data", DOC_V2, "", _terms());
        (, uint32 otherName) = registry.publishPolicy("research", DOC_V1, "", _terms());
        vm.stopPrank();
        vm.prank(other);
        (bytes32 otherPublisher, uint32 otherVersion) = registry.publishPolicy("open-data", DOC_V1, "", _terms());
        assertEq(uint256(version), 2, "second version");
        assertEq(uint256(otherName), 1, "another name starts at 1");
        assertEq(uint256(otherVersion), 1, "another publisher starts at 1");
        assertTrue(v1 != v2 && v1 != otherPublisher, "ids differ");
        (uint32 latest, bytes32 latestId) = registry.latestVersion(council, "open-data");
        assertEq(uint256(latest), 2, "latest");
        assertEq(latestId, v2, "latest id");
        assertEq(registry.policy(v1).contentHash, DOC_V1, "v1 unchanged");
    }

    function test_refusesBadInput() public {
        vm.startPrank(council);
        vm.expectRevert(IPolicyRegistry.EmptyPolicyName.selector);
        registry.publishPolicy("", DOC_V1, "", _terms());
        vm.expectRevert(IPolicyRegistry.EmptyContentHash.selector);
        registry.publishPolicy("p", bytes32(0), "", _terms());
        IPolicyRegistry.PolicyTerms memory terms = _terms();
        terms.deletionPeriodSeconds = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IPolicyRegistry.InvalidPolicyTerms.selector, "deleteOnRevoke needs deletionPeriodSeconds > 0")
        );
        registry.publishPolicy("p", DOC_V1, "", terms);
        terms = _terms();
        terms.onwardSharing = false;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPolicyRegistry.InvalidPolicyTerms.selector,
                "notifyOwner applies to onward sharing, which is not allowed"
            )
        );
        registry.publishPolicy("p", DOC_V1, "", terms);
        (bytes32 id, ) = registry.publishPolicy("p", DOC_V1, "", _terms());
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.DuplicatePolicyContent.selector, id));
        registry.publishPolicy("p", DOC_V1, "", _terms());
        vm.stopPrank();
        (uint32 latest, ) = registry.latestVersion(council, "p");
        assertEq(uint256(latest), 1, "nothing else published");
    }

    function test_unknownPolicy() public {
        bytes32 unknown = keccak256("nothing");
        assertFalse(registry.policyExists(unknown), "exists");
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.UnknownPolicy.selector, unknown));
        registry.policy(unknown);
        vm.expectRevert(abi.encodeWithSelector(IPolicyRegistry.UnknownPolicy.selector, unknown));
        registry.policyTerms(unknown);
    }

    function testFuzz_versionsNeverChange(bytes32 first, bytes32 second, string calldata name) public {
        vm.assume(bytes(name).length > 0 && first != bytes32(0) && second != bytes32(0) && first != second);
        vm.startPrank(council);
        (bytes32 v1, ) = registry.publishPolicy(name, first, "a", _terms());
        registry.publishPolicy(name, second, "b", _terms());
        vm.stopPrank();
        IPolicyRegistry.PolicyVersion memory stored = registry.policy(v1);
        assertEq(stored.contentHash, first, "first version kept its content");
        assertEq(uint256(stored.version), 1, "first version kept its number");
    }
}
