// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {MockConsentRegistry} from "./MockConsentRegistry.sol";
import {MockPolicyRegistry} from "./MockPolicyRegistry.sol";
import {RecipientBonds} from "../../src/RecipientBonds.sol";
import {SharingLog} from "../../src/SharingLog.sol";
import {CanaryRegistry} from "../../src/CanaryRegistry.sol";
import {DeletionRequests} from "../../src/DeletionRequests.sol";
import {IConsentRegistry} from "../../src/interfaces/IConsentRegistry.sol";
import {IPolicyRegistry} from "../../src/interfaces/IPolicyRegistry.sol";
import {ISharingLog} from "../../src/interfaces/ISharingLog.sol";
import {IRecipientBonds} from "../../src/interfaces/IRecipientBonds.sol";

/// @notice The one fixture of the accountability tests (bonds, sharing log, trap streets, deletion
/// requests). The consent and policy registries are settable mocks; to run the suites against the
/// real ones, change only deployWorld and the world actions (grant, setPolicy, revoke).
abstract contract AccountabilityBase is Test {
    MockConsentRegistry internal consents;
    MockPolicyRegistry internal policies;
    RecipientBonds internal bonds;
    SharingLog internal sharingLog;
    CanaryRegistry internal canaries;
    DeletionRequests internal deletions;

    address internal admin = address(0xAD);
    address internal gateway = address(0x6A7E);
    address internal alice = address(0xA1); // device owner
    address internal bob = address(0xB0B); // data recipient
    address internal carol = address(0xCA401); // another recipient
    address internal mallory = address(0xBAD); // a third party data turns up at
    address internal dave = address(0xDA7E); // a party bob logs a share to
    address internal device1 = address(0xD1);
    address internal device2 = address(0xD2);
    address internal device3 = address(0xD3);

    uint256 internal constant T0 = 1_750_000_000;
    uint64 internal constant UNBONDING = 30 days;
    uint64 internal constant MIN_PERIOD = 1 days;
    uint256 internal constant DEFAULT_PENALTY = 0.25 ether;

    /// Sharing allowed and notified; deletion on revoke within 7 days; penalty 1 ether.
    bytes32 internal constant P_SHARE = keccak256("policy/share");
    /// Sharing allowed, owner not notified; penalty 0.5 ether.
    bytes32 internal constant P_SILENT = keccak256("policy/silent");
    /// No onward sharing; no deletion on revoke; penalty 2 ether.
    bytes32 internal constant P_CLOSED = keccak256("policy/closed");
    /// Sharing allowed, penalty 0.
    bytes32 internal constant P_FREE = keccak256("policy/free");

    function setUp() public virtual {
        vm.warp(T0);
        deployWorld();
        setPolicy(P_SHARE, true, true, true, 7 days, 1 ether);
        setPolicy(P_SILENT, true, false, false, 0, 0.5 ether);
        setPolicy(P_CLOSED, false, false, false, 0, 2 ether);
        setPolicy(P_FREE, true, true, false, 0, 0);
        vm.deal(bob, 100 ether);
        vm.deal(carol, 100 ether);
    }

    // ================================================================ world (the one place to swap)

    function deployWorld() internal {
        consents = new MockConsentRegistry();
        policies = new MockPolicyRegistry();
        bonds = new RecipientBonds(admin, UNBONDING);
        sharingLog = new SharingLog(IConsentRegistry(address(consents)), IPolicyRegistry(address(policies)));
        canaries = new CanaryRegistry(
            admin,
            IConsentRegistry(address(consents)),
            IPolicyRegistry(address(policies)),
            ISharingLog(address(sharingLog)),
            IRecipientBonds(address(bonds)),
            DEFAULT_PENALTY
        );
        deletions = new DeletionRequests(
            IConsentRegistry(address(consents)),
            IPolicyRegistry(address(policies)),
            IRecipientBonds(address(bonds)),
            MIN_PERIOD,
            DEFAULT_PENALTY
        );
        vm.startPrank(admin);
        bonds.grantRole(bonds.PENALTY_ROLE(), address(canaries));
        bonds.grantRole(bonds.PENALTY_ROLE(), address(deletions));
        canaries.grantRole(canaries.COMMITTER_ROLE(), gateway);
        vm.stopPrank();
        consents.setHook(deletions);
    }

    function setPolicy(
        bytes32 id,
        bool onwardSharing,
        bool notifyOwner,
        bool deleteOnRevoke,
        uint64 deletionPeriod,
        uint128 penalty
    ) internal {
        policies.setTerms(
            id,
            IPolicyRegistry.PolicyTerms({
                onwardSharing: onwardSharing,
                notifyOwner: notifyOwner,
                deleteOnRevoke: deleteOnRevoke,
                retentionSeconds: 0,
                deletionPeriodSeconds: deletionPeriod,
                penaltyWei: penalty,
                minimumBondWei: 1 ether
            })
        );
    }

    /// @dev alice grants `recipient` streams 0..2 of device1 and device2 under `policyId`.
    function grant(address recipient, bytes32 policyId) internal returns (uint256) {
        address[] memory devices = new address[](2);
        devices[0] = device1;
        devices[1] = device2;
        return consents.addConsent(alice, recipient, devices, 0x7, policyId);
    }

    function revoke(uint256 consentId) internal {
        consents.revoke(consentId);
    }

    // ================================================================ helpers

    function deposit(address recipient, uint256 amount) internal {
        vm.prank(recipient);
        bonds.depositBond{value: amount}();
    }

    function commitment(
        address recipient,
        uint256 consentId,
        address device,
        uint8 stream,
        int16 value,
        uint64 sequence,
        bytes32 salt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(recipient, consentId, device, stream, value, sequence, salt));
    }

    function commitOne(bytes32 c, uint256 consentId) internal {
        bytes32[] memory cs = new bytes32[](1);
        uint256[] memory ids = new uint256[](1);
        cs[0] = c;
        ids[0] = consentId;
        vm.prank(gateway);
        canaries.commitCanaries(cs, ids);
    }

    /// @dev The sum that must equal the bonds contract's balance.
    function bondsHeld() internal view returns (uint256) {
        (uint256 bonded, uint256 pending, uint256 claimable) = bonds.totals();
        return bonded + pending + claimable;
    }
}
