// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IdentityBase} from "./IdentityBase.sol";
import {Vm} from "./Vm.sol";
import {DeliveryProofs} from "./DeliveryProofs.sol";
import {PolicyRegistry} from "../../src/PolicyRegistry.sol";
import {ConsentRegistry} from "../../src/ConsentRegistry.sol";
import {AccessLog} from "../../src/AccessLog.sol";
import {FeedMarket} from "../../src/FeedMarket.sol";
import {RecipientBonds} from "../../src/RecipientBonds.sol";
import {SharingLog} from "../../src/SharingLog.sol";
import {CanaryRegistry} from "../../src/CanaryRegistry.sol";
import {DeletionRequests} from "../../src/DeletionRequests.sol";
import {RecipientTerms} from "../../src/RecipientTerms.sol";
import {IAccessLog} from "../../src/interfaces/IAccessLog.sol";
import {IConsentRegistry, IConsentRevocationHook} from "../../src/interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "../../src/interfaces/IDeviceOwnership.sol";
import {IPolicyRegistry} from "../../src/interfaces/IPolicyRegistry.sol";
import {IPythiaFleet} from "../../src/interfaces/IPythiaFleet.sol";
import {IRecipientBonds} from "../../src/interfaces/IRecipientBonds.sol";
import {ICanaryRegistry} from "../../src/interfaces/ICanaryRegistry.sol";
import {ISharingLog} from "../../src/interfaces/ISharingLog.sol";
import {IRecipientTerms} from "../../src/interfaces/IRecipientTerms.sol";
import {IRelayerTrust} from "../../src/interfaces/IRelayerTrust.sol";

/// @notice The whole consent and accountability world on the REAL contracts, no mocks: the Pythia
/// registry, fleet, identity and ownership of IdentityBase (wired as `pythia up` wires them: the
/// relayer bound to the gateway's Pythia key), then exactly what src/chain/deploy.ts
/// deployConsentSuite adds after them, in its order and with its defaults (the admin here stands in
/// for the council's timelock, with a zero handover delay):
/// - PolicyRegistry (no roles).
/// - ConsentRegistry(admin, 0, fleet, ownership, policyRegistry) and AccessLog(admin, 0,
///   consentRegistry, pythiaRegistry); LOGGER_ROLE to the relayer.
/// - RecipientTerms(consents, policies, 1 day, 90 days, 14 days, 0.1 ether); FeedMarket(consents,
///   ownership, terms), named in the terms with setFeedMarket.
/// - RecipientBonds(terms), SharingLog(consents, policies), CanaryRegistry(admin, 0, {consents,
///   accessLog, sharingLog, terms, bonds, pythiaRegistry}), DeletionRequests(consents, policies, terms,
///   bonds); bonds.setSlashers([CanaryRegistry, DeletionRequests]); COMMITTER_ROLE to the relayer,
///   ARBITER_ROLE to the arbiter (the council); consentRegistry.setRevocationHook(deletionRequests).
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
    RecipientTerms internal recipientTerms;

    // deploy.ts defaults
    uint64 internal constant MIN_DELETION_PERIOD = 1 days;
    uint64 internal constant CLAIM_WINDOW = 90 days;
    uint64 internal constant DISPUTE_WINDOW = 14 days;
    uint128 internal constant DEFAULT_PENALTY = 0.1 ether;
    /// @dev RecipientTerms.ENFORCEMENT_WINDOW
    uint64 internal constant ENFORCEMENT_WINDOW = 30 days;

    /// @dev Rules on disputed leak claims (the council's multisig in a deployment).
    address internal arbiter = address(0xA4B1);

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

        IConsentRegistry registry = IConsentRegistry(
            address(
                new ConsentRegistry(
                    admin,
                    0,
                    IPythiaFleet(address(fleet)),
                    IDeviceOwnership(address(ownership)),
                    IPolicyRegistry(address(policyRegistry))
                )
            )
        );
        consents = ConsentRegistry(address(registry));
        IPolicyRegistry policies = IPolicyRegistry(address(policyRegistry));
        accessLog = new AccessLog(admin, 0, registry, IRelayerTrust(address(pythiaRegistry)));
        accessLog.grantRole(accessLog.LOGGER_ROLE(), relayer);

        recipientTerms = new RecipientTerms(
            registry,
            policies,
            MIN_DELETION_PERIOD,
            CLAIM_WINDOW,
            DISPUTE_WINDOW,
            DEFAULT_PENALTY
        );
        IRecipientTerms termsContract = IRecipientTerms(address(recipientTerms));
        market = new FeedMarket(registry, IDeviceOwnership(address(ownership)), termsContract);
        recipientTerms.setFeedMarket(address(market));

        bonds = new RecipientBonds(termsContract);
        sharingLog = new SharingLog(registry, policies);
        canaries = new CanaryRegistry(
            admin,
            0,
            CanaryRegistry.Dependencies({
                consents: registry,
                accessLog: accessLog,
                sharingLog: ISharingLog(address(sharingLog)),
                terms: termsContract,
                bonds: IRecipientBonds(address(bonds)),
                relayerTrust: IRelayerTrust(address(pythiaRegistry))
            })
        );
        deletions = new DeletionRequests(registry, policies, termsContract, IRecipientBonds(address(bonds)));
        address[] memory slashers = new address[](2);
        slashers[0] = address(canaries);
        slashers[1] = address(deletions);
        bonds.setSlashers(slashers);
        canaries.grantRole(canaries.COMMITTER_ROLE(), relayer);
        canaries.grantRole(canaries.ARBITER_ROLE(), arbiter);
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

    /// @dev Onward sharing allowed, and no penalty at all.
    function freeTerms() internal pure returns (IPolicyRegistry.PolicyTerms memory t) {
        t = sharingTerms();
        t.penaltyWei = 0;
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

    // ---------------------------------------------------------------- terms and bonds

    function deposit(address recipient, uint256 amount) internal {
        vm.deal(recipient, recipient.balance + amount);
        vm.prank(recipient);
        bonds.depositBond{value: amount}();
    }

    /// @dev The consent's recipient accepts its terms (its own transaction).
    function accept(uint256 consentId) internal {
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(consentId);
        vm.prank(consents.consent(consentId).recipient);
        recipientTerms.acceptTerms(t);
    }

    /// @dev `owner` grants `recipient` a consent under `policyId` and the recipient accepts its terms.
    function grantAccepted(address owner, address recipient, address[] memory list, bytes32 policyId)
        internal
        returns (uint256 id)
    {
        id = grant(owner, recipient, list, policyId);
        accept(id);
    }

    /// @dev The sum that must equal the bonds contract's balance.
    function bondsHeld() internal view returns (uint256) {
        (uint256 bonded, uint256 pending, uint256 held, uint256 claimable) = bonds.totals();
        return bonded + pending + held + claimable;
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

    /// @dev The relayer (COMMITTER_ROLE) commits `commitment`, carried by the delivery `d` logged
    /// alone (logOne): its proof is that of a batch of one.
    function commitOne(bytes32 commitment, IAccessLog.Delivery memory d) internal returns (uint256 committed) {
        bytes32[] memory cs = new bytes32[](1);
        cs[0] = commitment;
        IAccessLog.DeliveryProof[] memory proofs = new IAccessLog.DeliveryProof[](1);
        proofs[0] = DeliveryProofs.single(d);
        vm.prank(relayer);
        committed = canaries.commitCanaries(cs, proofs);
    }

    /// @dev A canary reveal with the given fields.
    function reveal(
        address recipient,
        uint256 consentId,
        address device,
        uint8 stream,
        int16 value,
        uint64 sequence,
        bytes32 salt
    ) internal pure returns (ICanaryRegistry.CanaryReveal memory) {
        return ICanaryRegistry.CanaryReveal(recipient, consentId, device, stream, value, sequence, salt);
    }

    function commitmentOf(ICanaryRegistry.CanaryReveal memory r) internal pure returns (bytes32) {
        return commitmentOf(r.recipient, r.consentId, r.device, r.stream, r.value, r.sequence, r.salt);
    }

    /// @dev The gateway's part of a trap street: deliver `r`'s device to its recipient under its consent
    /// (logged by the relayer), and commit the canary `r` carried by that delivery. Returns the delivery.
    function deliverCanary(ICanaryRegistry.CanaryReveal memory r) internal returns (IAccessLog.Delivery memory d) {
        d = delivery(r.consentId, r.device, r.recipient, STREAMS);
        d.dataHash = keccak256(abi.encode("delivery with canary", r.salt));
        assertEq(logOne(d), 1, "delivery logged");
        assertEq(commitOne(commitmentOf(r), d), 1, "canary committed");
    }

    /// @dev The owner claims that `r`, carried by `d`, turned up at `leakedTo`.
    function claim(address owner, ICanaryRegistry.CanaryReveal memory r, IAccessLog.Delivery memory d, address leakedTo)
        internal
        returns (uint256 held)
    {
        vm.prank(owner);
        held = canaries.claimLeak(r, d, leakedTo, keccak256(abi.encode("found at", leakedTo)));
    }
}
