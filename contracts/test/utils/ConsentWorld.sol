// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IdentityBase} from "./IdentityBase.sol";
import {Vm} from "./Vm.sol";
import {PolicyRegistry} from "../../src/PolicyRegistry.sol";
import {ConsentRegistry} from "../../src/ConsentRegistry.sol";
import {AccessLog} from "../../src/AccessLog.sol";
import {FeedMarket} from "../../src/FeedMarket.sol";
import {RecipientBonds} from "../../src/RecipientBonds.sol";
import {SharingLog} from "../../src/SharingLog.sol";
import {CanaryRegistry} from "../../src/CanaryRegistry.sol";
import {DeletionRequests} from "../../src/DeletionRequests.sol";
import {IAccessLog} from "../../src/interfaces/IAccessLog.sol";
import {IConsentRegistry, IConsentRevocationHook} from "../../src/interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "../../src/interfaces/IDeviceOwnership.sol";
import {IPolicyRegistry} from "../../src/interfaces/IPolicyRegistry.sol";
import {IPythiaFleet} from "../../src/interfaces/IPythiaFleet.sol";
import {IRecipientBonds} from "../../src/interfaces/IRecipientBonds.sol";
import {ISharingLog} from "../../src/interfaces/ISharingLog.sol";

/// @notice The whole issue #5 world on the REAL contracts, no mocks: the fleet, identity and
/// ownership of IdentityBase (wired as `pythia up` wires them), then exactly what
/// src/chain/deploy.ts deployPythia adds after them, in its order and with its defaults:
/// - deployPolicyRegistry: PolicyRegistry (no roles).
/// - deployConsentContracts: ConsentRegistry(admin, fleet, ownership, policyRegistry) and
///   AccessLog(admin, consentRegistry); LOGGER_ROLE to the relayer.
/// - deployFeedMarket: FeedMarket(consentRegistry, ownership) (no roles).
/// - deployAccountability: RecipientBonds(admin, 30 days), SharingLog(consents, policies),
///   CanaryRegistry(admin, consents, policies, sharingLog, bonds, 0.1 ether),
///   DeletionRequests(consents, policies, bonds, 1 day, 0.1 ether); PENALTY_ROLE to CanaryRegistry
///   and DeletionRequests (not to SharingLog); COMMITTER_ROLE to the relayer;
///   consentRegistry.setRevocationHook(deletionRequests).
/// Devices 0..3 are provisioned by the factory and sold to alice (as in ConsentBase).
abstract contract ConsentWorld is IdentityBase {
    PolicyRegistry internal policyRegistry;
    ConsentRegistry internal consents;
    AccessLog internal accessLog;
    FeedMarket internal market;
    RecipientBonds internal bonds;
    SharingLog internal sharingLog;
    CanaryRegistry internal canaries;
    DeletionRequests internal deletions;

    // deploy.ts defaults
    uint64 internal constant UNBONDING = 30 days;
    uint64 internal constant MIN_DELETION_PERIOD = 1 days;
    uint256 internal constant DEFAULT_PENALTY = 0.1 ether;

    // people
    address internal alice = address(0xA11); // device owner
    address internal bob = address(0xB0B); // recipient A
    address internal carol = address(0xCA401); // recipient B
    address internal dave = address(0xDA7E); // a party bob may share with
    address internal xavier = address(0x7E7); // party X, where a canary turns up
    address internal erin = address(0xE417); // the next owner of a device
    address internal buyer = address(0xB7E4); // feed buyer

    string internal constant PURPOSE = "air-quality research";
    /// @dev pm25 | no2
    uint32 internal constant STREAMS = 0x5;
    /// @dev identify
    uint32 internal constant COMMANDS = 0x8;
    uint8 internal constant IDENTIFY = 3;

    uint128 internal constant PENALTY = 1 ether;
    uint128 internal constant MIN_BOND = 2 ether;
    uint64 internal constant DELETION_PERIOD = 7 days;

    address[4] internal devices;

    function setUp() public virtual override {
        super.setUp();
        _deployConsentWorld();
        for (uint256 i; i < 4; ++i) {
            devices[i] = provision(keyOf(100 + i));
            transfer(devices[i], alice);
        }
        vm.label(alice, "alice");
        vm.label(bob, "bob");
        vm.label(carol, "carol");
        vm.label(dave, "dave");
        vm.label(xavier, "xavier");
        vm.label(erin, "erin");
        vm.label(buyer, "buyer");
    }

    /// @dev deployPolicyRegistry, deployConsentContracts, deployFeedMarket, deployAccountability.
    function _deployConsentWorld() private {
        vm.startPrank(admin);
        policyRegistry = new PolicyRegistry();

        consents = new ConsentRegistry(
            admin,
            IPythiaFleet(address(fleet)),
            IDeviceOwnership(address(ownership)),
            IPolicyRegistry(address(policyRegistry))
        );
        accessLog = new AccessLog(admin, IConsentRegistry(address(consents)));
        accessLog.grantRole(accessLog.LOGGER_ROLE(), relayer);

        market = new FeedMarket(IConsentRegistry(address(consents)), IDeviceOwnership(address(ownership)));

        bonds = new RecipientBonds(admin, UNBONDING);
        sharingLog = new SharingLog(IConsentRegistry(address(consents)), IPolicyRegistry(address(policyRegistry)));
        canaries = new CanaryRegistry(
            admin,
            IConsentRegistry(address(consents)),
            IPolicyRegistry(address(policyRegistry)),
            ISharingLog(address(sharingLog)),
            IRecipientBonds(address(bonds)),
            DEFAULT_PENALTY
        );
        deletions = new DeletionRequests(
            IConsentRegistry(address(consents)),
            IPolicyRegistry(address(policyRegistry)),
            IRecipientBonds(address(bonds)),
            MIN_DELETION_PERIOD,
            DEFAULT_PENALTY
        );
        bonds.grantRole(bonds.PENALTY_ROLE(), address(canaries));
        bonds.grantRole(bonds.PENALTY_ROLE(), address(deletions));
        canaries.grantRole(canaries.COMMITTER_ROLE(), relayer);
        consents.setRevocationHook(IConsentRevocationHook(address(deletions)));
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- policies

    /// @dev No onward sharing, no deletion on revoke; penalty 1 ether, minimum bond 2 ether.
    function strictTerms() internal pure returns (IPolicyRegistry.PolicyTerms memory t) {
        t.penaltyWei = PENALTY;
        t.minimumBondWei = MIN_BOND;
        t.retentionSeconds = 90 days;
    }

    /// @dev Onward sharing allowed, the owner notified of each share.
    function sharingTerms() internal pure returns (IPolicyRegistry.PolicyTerms memory t) {
        t = strictTerms();
        t.onwardSharing = true;
        t.notifyOwner = true;
    }

    /// @dev Deletion on revocation, within DELETION_PERIOD.
    function deletionTerms() internal pure returns (IPolicyRegistry.PolicyTerms memory t) {
        t = strictTerms();
        t.deleteOnRevoke = true;
        t.deletionPeriodSeconds = DELETION_PERIOD;
    }

    /// @dev `publisher` publishes version 1 of `name` (content hash and uri derived from the name).
    function publish(address publisher, string memory name, IPolicyRegistry.PolicyTerms memory policyTerms_)
        internal
        returns (bytes32 policyId)
    {
        vm.prank(publisher);
        (policyId, ) = policyRegistry.publishPolicy(
            name,
            keccak256(abi.encode("policy document", name)),
            string.concat("ipfs://", name),
            policyTerms_
        );
    }

    // ---------------------------------------------------------------- consents

    function one(address device) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = device;
    }

    function two(address a, address b) internal pure returns (address[] memory list) {
        list = new address[](2);
        list[0] = a;
        list[1] = b;
    }

    function terms(address recipient, address[] memory list, bytes32 policyId, uint64 duration)
        internal
        view
        returns (IConsentRegistry.ConsentTerms memory t)
    {
        t.recipient = recipient;
        t.devices = list;
        t.streams = STREAMS;
        t.commands = COMMANDS;
        t.policyId = policyId;
        t.start = 0;
        t.expiry = uint64(block.timestamp) + duration;
    }

    /// @dev `owner` grants `recipient` STREAMS and COMMANDS over `list` under `policyId` for 30 days.
    function grant(address owner, address recipient, address[] memory list, bytes32 policyId)
        internal
        returns (uint256 id)
    {
        IConsentRegistry.ConsentTerms memory t = terms(recipient, list, policyId, 30 days);
        vm.prank(owner);
        id = consents.grantConsent(t, PURPOSE);
    }

    function revoke(address owner, uint256 id) internal {
        vm.prank(owner);
        consents.revokeConsent(id);
    }

    function refusal(uint256 id, address device, address recipient) internal view returns (IConsentRegistry.Refusal) {
        return consents.checkConsent(id, device, recipient, STREAMS, 0);
    }

    function assertRefusal(IConsentRegistry.Refusal actual, IConsentRegistry.Refusal expected, string memory message)
        internal
        pure
    {
        assertEq(uint256(actual), uint256(expected), message);
    }

    // ---------------------------------------------------------------- bonds

    function deposit(address recipient, uint256 amount) internal {
        vm.deal(recipient, recipient.balance + amount);
        vm.prank(recipient);
        bonds.depositBond{value: amount}();
    }

    // ---------------------------------------------------------------- access log

    function delivery(uint256 id, address device, address recipient, uint32 streams)
        internal
        pure
        returns (IAccessLog.Delivery memory d)
    {
        d = IAccessLog.Delivery({
            consentId: id,
            device: device,
            recipient: recipient,
            streams: streams,
            readings: 10,
            dataHash: keccak256(abi.encode("delivery", id, device, recipient, streams))
        });
    }

    function command(uint256 id, address device, address recipient, uint8 code)
        internal
        pure
        returns (IAccessLog.CommandRecord memory c)
    {
        c = IAccessLog.CommandRecord({
            consentId: id,
            device: device,
            recipient: recipient,
            command: code,
            commandHash: keccak256(abi.encode("command", id, device, recipient, code))
        });
    }

    function logOne(IAccessLog.Delivery memory d) internal returns (uint256 logged) {
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](1);
        batch[0] = d;
        vm.prank(relayer);
        logged = accessLog.logDeliveries(batch);
    }

    /// @dev How many logs of `emitter` in `logs` have topic0 `selector`.
    function countEvents(Vm.Log[] memory logs, address emitter, bytes32 selector) internal pure returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == emitter && logs[i].topics.length != 0 && logs[i].topics[0] == selector) ++n;
        }
    }

    // ---------------------------------------------------------------- trap streets

    /// @dev docs/contracts.md, "Trap streets": the commitment formula, computed independently.
    function commitmentOf(
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

    /// @dev The relayer (COMMITTER_ROLE) commits `commitment` under `consentId`.
    function commitOne(bytes32 commitment, uint256 consentId) internal {
        bytes32[] memory cs = new bytes32[](1);
        cs[0] = commitment;
        uint256[] memory ids = new uint256[](1);
        ids[0] = consentId;
        vm.prank(relayer);
        canaries.commitCanaries(cs, ids);
    }
}
