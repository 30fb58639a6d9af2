// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test, console} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";
import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {ConsentRegistry} from "../src/ConsentRegistry.sol";
import {RecipientBonds} from "../src/RecipientBonds.sol";
import {FeedMarket} from "../src/FeedMarket.sol";
import {IAccessLog} from "../src/interfaces/IAccessLog.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IDeletionRequests} from "../src/interfaces/IDeletionRequests.sol";
import {ICanaryRegistry} from "../src/interfaces/ICanaryRegistry.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";

/// @notice Drives the real issue #5 world (ConsentWorld: every contract wired as deploy.ts wires it)
/// with grants, feed purchases, revocations (one and all), device transfers, access-log batches of
/// deliveries and commands, bonds, canaries, deletion requests and time. It keeps its own model of
/// every consent (owner, recipient, devices with the epoch it expects, window, revoked) and of the
/// money, and counts every disagreement between the model, checkConsent and the access log.
contract ConsentWorldHandler is ConsentWorld {
    struct Model {
        address owner;
        address recipient;
        address[] devices;
        uint64[] epochs; // the handler's own epoch count at grant
        uint32 streams;
        uint32 commands;
        uint64 start;
        uint64 expiry;
        bool revoked;
    }

    bool internal ready;
    uint256 public clock; // forge does not carry vm.warp from one handler call to the next

    address[2] internal owners;
    address[3] internal recipients;
    bytes32[4] internal policyIds; // strict, sharing, delete-on-revoke, none

    mapping(uint256 consentId => Model) internal _model;
    uint256[] public consentIds;
    mapping(address device => uint64) public ghostEpoch;
    mapping(address device => address) public ghostOwner;
    uint256[] public feedIds;
    bytes32[] public commitments;
    mapping(bytes32 commitment => ICanaryRegistry.CanaryReveal) internal _reveals;
    mapping(bytes32 commitment => IAccessLog.Delivery) internal _carriers;
    uint64 internal nextSeq = 1;

    // ghost money
    uint256 public ghostBondsIn; // deposits
    uint256 public ghostBondsOut; // withdrawals + penalties paid (directly or credited, then claimed)
    uint256 public ghostMarketIn;
    uint256 public ghostMarketOut;

    // disagreements (all must stay 0)
    uint256 public loggedWithoutConsent; // a DeliveryLogged / CommandLogged the model or checkConsent did not permit
    uint256 public refusedWithConsent; // an EntryRefused the model permitted
    uint256 public wrongRefusalCode; // an EntryRefused whose code is not checkConsent's
    uint256 public loggedAfterRevoke;
    uint256 public modelMismatch; // a call succeeded / failed against the model

    // coverage
    uint256 public grants;
    uint256 public purchases;
    uint256 public revocations;
    uint256 public transfers;
    uint256 public loggedEntries;
    uint256 public refusedEntries;
    uint256 public claimsPaid;
    uint256 public claimsHeld;
    uint256 public deletionsEnforced;
    uint256 public refunds;

    modifier timed() {
        vm.warp(clock);
        _;
    }

    constructor() {
        setUp();
    }

    function setUp() public override {
        require(!ready, "set up once");
        ready = true;
        super.setUp();
        clock = block.timestamp;
        owners = [alice, erin];
        recipients = [bob, carol, dave];
        policyIds[0] = publish(alice, "strict", strictTerms());
        policyIds[1] = publish(alice, "sharing", sharingTerms());
        policyIds[2] = publish(alice, "delete-on-revoke", deletionTerms());
        for (uint256 i; i < 4; ++i) {
            ghostOwner[devices[i]] = alice;
            ghostEpoch[devices[i]] = ownership.ownershipEpoch(devices[i]);
        }
        for (uint256 o; o < 2; ++o) {
            vm.prank(owners[o]);
            consents.setGrantAgent(address(market), true);
        }
    }

    // ------------------------------------------------------------------ views for the invariants

    function world() external view returns (ConsentRegistry, RecipientBonds, FeedMarket) {
        return (consents, bonds, market);
    }

    function consentCountModel() external view returns (uint256) {
        return consentIds.length;
    }

    function model(uint256 id)
        external
        view
        returns (address recipient, address[] memory devs, uint32 streams, bool revoked)
    {
        Model storage m = _model[id];
        return (m.recipient, m.devices, m.streams, m.revoked);
    }

    function moneyHolders() external view returns (address[] memory list) {
        list = new address[](5);
        list[0] = alice;
        list[1] = erin;
        list[2] = bob;
        list[3] = carol;
        list[4] = dave;
    }

    // ------------------------------------------------------------------ model

    function _permits(uint256 id, address device, address recipient, uint32 streams, uint32 commands)
        internal
        view
        returns (bool)
    {
        Model storage m = _model[id];
        if (m.owner == address(0) || m.revoked || recipient != m.recipient) return false;
        if (block.timestamp < m.start || block.timestamp >= m.expiry) return false;
        if (streams & ~m.streams != 0 || commands & ~m.commands != 0) return false;
        for (uint256 i; i < m.devices.length; ++i) {
            if (m.devices[i] == device) return ghostEpoch[device] == m.epochs[i];
        }
        return false;
    }

    function _record(uint256 id) internal {
        IConsentRegistry.Consent memory c = consents.consent(id);
        (address[] memory devs, ) = consents.consentDevices(id);
        Model storage m = _model[id];
        m.owner = c.owner;
        m.recipient = c.recipient;
        m.streams = c.streams;
        m.commands = c.commands;
        m.start = c.start;
        m.expiry = c.expiry;
        for (uint256 i; i < devs.length; ++i) {
            m.devices.push(devs[i]);
            m.epochs.push(ghostEpoch[devs[i]]);
        }
        consentIds.push(id);
    }

    function _consent(uint256 seed) internal view returns (uint256) {
        return consentIds.length == 0 ? 0 : consentIds[seed % consentIds.length];
    }

    // ------------------------------------------------------------------ consents

    function grantSome(uint256 deviceSeed, uint8 recipientSeed, uint8 policySeed, uint32 duration, bool twoDevices)
        external
        timed
    {
        address d0 = devices[deviceSeed % 4];
        address owner = ghostOwner[d0];
        address[] memory list = one(d0);
        address d1 = devices[(deviceSeed + 1) % 4];
        if (twoDevices && ghostOwner[d1] == owner) list = two(d0, d1);
        IConsentRegistry.ConsentTerms memory t = terms(
            recipients[recipientSeed % 3],
            list,
            policyIds[policySeed % 4],
            uint64(bound(duration, 1 hours, 20 days))
        );
        if (duration % 5 == 0) t.start = uint64(block.timestamp + 1 days); // starts later
        if (t.start >= t.expiry) t.expiry = t.start + 1 hours;
        vm.prank(owner);
        try consents.grantConsent(t, PURPOSE) returns (uint256 id) {
            _record(id);
            ++grants;
            if (deviceSeed % 2 == 0) accept(id); // half of the consents carry accepted terms
        } catch {
            ++modelMismatch; // the model's owner owns every device: a grant must succeed
        }
    }

    function revokeOne(uint256 seed) external timed {
        uint256 id = _consent(seed);
        if (id == 0) return;
        Model storage m = _model[id];
        vm.prank(m.owner);
        try consents.revokeConsent(id) {
            if (m.revoked) ++modelMismatch;
            m.revoked = true;
            ++revocations;
        } catch {
            if (!m.revoked) ++modelMismatch;
        }
    }

    function revokeAll(bool ownerSeed, uint8 recipientSeed) external timed {
        address owner = owners[ownerSeed ? 1 : 0];
        address recipient = recipients[recipientSeed % 3];
        uint256 expected;
        for (uint256 i; i < consentIds.length; ++i) {
            Model storage m = _model[consentIds[i]];
            if (m.owner == owner && m.recipient == recipient && !m.revoked && m.expiry > block.timestamp) {
                m.revoked = true;
                ++expected;
            }
        }
        uint256 revoked;
        for (uint256 remaining = 1; remaining != 0; ) {
            vm.prank(owner);
            uint256 page;
            (page, remaining) = consents.revokeAllConsentsOf(recipient, 4);
            revoked += page;
        }
        if (revoked != expected) ++modelMismatch;
        revocations += revoked;
    }

    function transferDevice(uint256 deviceSeed) external timed {
        address device = devices[deviceSeed % 4];
        address from = ghostOwner[device];
        address to = from == alice ? erin : alice;
        vm.prank(from);
        ownership.offerTransfer(device, to);
        vm.prank(to);
        ownership.acceptTransfer(device);
        ghostOwner[device] = to;
        ++ghostEpoch[device];
        ++transfers;
    }

    // ------------------------------------------------------------------ feeds

    function offerFeed(uint256 deviceSeed, uint8 policySeed, uint32 period) external timed {
        address device = devices[deviceSeed % 4];
        vm.prank(ghostOwner[device]);
        uint256 feedId = market.offerFeed(
            one(device),
            STREAMS,
            0.1 ether,
            uint64(bound(period, 1 hours, 10 days)),
            policyIds[policySeed % 4],
            "feed"
        );
        feedIds.push(feedId);
    }

    function buyFeed(uint256 feedSeed, uint8 recipientSeed) external timed {
        if (feedIds.length == 0) return;
        uint256 feedId = feedIds[feedSeed % feedIds.length];
        address who = recipients[recipientSeed % 3];
        address device = market.feed(feedId).devices[0];
        bool sellable = ghostOwner[device] == market.feed(feedId).owner;
        vm.deal(who, who.balance + 0.1 ether);
        uint256 before = who.balance;
        vm.prank(who);
        try market.buyFeed{value: 0.1 ether}(feedId) returns (uint256 id) {
            if (!sellable) ++modelMismatch;
            _record(id);
            ghostMarketIn += 0.1 ether;
            ++purchases;
        } catch {
            if (sellable) ++modelMismatch;
            if (who.balance != before) ++modelMismatch; // the buyer keeps the money
        }
    }

    /// Anyone settles a random purchase: released to the owner as served, refunded once ended.
    function settlePurchase(uint256 seed) external timed {
        uint256 n = market.purchaseCount();
        if (n == 0) return;
        uint256[] memory ids = new uint256[](1);
        ids[0] = 1 + (seed % n);
        market.settlePurchases(ids);
    }

    function withdrawRefund(uint8 recipientSeed) external timed {
        address who = recipients[recipientSeed % 3];
        uint256 due = market.refundOf(who);
        uint256 before = who.balance;
        vm.prank(who);
        try market.withdrawRefund() {
            ghostMarketOut += due;
            ++refunds;
            if (who.balance != before + due) ++modelMismatch;
        } catch {
            if (due != 0) ++modelMismatch;
        }
    }

    function withdrawEarnings(bool ownerSeed) external timed {
        address owner = owners[ownerSeed ? 1 : 0];
        uint256 due = market.earningsOf(owner);
        uint256 before = owner.balance;
        vm.prank(owner);
        try market.withdrawEarnings() {
            ghostMarketOut += due;
            if (owner.balance != before + due) ++modelMismatch;
        } catch {
            if (due != 0) ++modelMismatch;
        }
    }

    // ------------------------------------------------------------------ access log

    struct Pick {
        uint256 id;
        address device;
        address recipient;
        uint32 streams;
        uint8 code;
    }

    function _pick(uint256 seed) internal view returns (Pick memory p) {
        p.id = seed % 9 == 0 ? consentIds.length + 1 : _consent(seed); // sometimes unknown
        Model storage m = _model[p.id];
        p.device = (seed >> 8) % 4 == 0 || m.devices.length == 0
            ? devices[(seed >> 16) % 4]
            : m.devices[(seed >> 16) % m.devices.length];
        p.recipient = (seed >> 24) % 6 == 0 || m.recipient == address(0) ? recipients[(seed >> 32) % 3] : m.recipient;
        uint32[5] memory masks = [STREAMS, uint32(0x1), uint32(0x4), uint32(0x2), uint32(0)];
        p.streams = masks[(seed >> 40) % 5];
        uint8[4] memory codes = [IDENTIFY, IDENTIFY, uint8(4), uint8(40)];
        p.code = codes[(seed >> 48) % 4];
    }

    /// The i-th AccessLog event of the batch is entry i's: compare it with the model and checkConsent.
    function _audit(bool logged, uint256 id, bool permitted, IConsentRegistry.Refusal check, uint8 code) internal {
        if (logged) {
            ++loggedEntries;
            if (!permitted || check != IConsentRegistry.Refusal.None) ++loggedWithoutConsent;
            if (_model[id].revoked) ++loggedAfterRevoke;
        } else {
            ++refusedEntries;
            if (permitted) ++refusedWithConsent;
            if (code != uint8(check)) ++wrongRefusalCode;
        }
    }

    function logDeliveries(uint256 seed, uint8 count) external timed {
        if (consentIds.length == 0) return;
        uint256 n = bound(count, 1, 8);
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](n);
        bool[] memory permitted = new bool[](n);
        IConsentRegistry.Refusal[] memory check = new IConsentRegistry.Refusal[](n);
        for (uint256 i; i < n; ++i) {
            Pick memory p = _pick(uint256(keccak256(abi.encode(seed, i))));
            batch[i] = delivery(p.id, p.device, p.recipient, p.streams);
            permitted[i] = p.streams != 0 && _permits(p.id, p.device, p.recipient, p.streams, 0);
            check[i] = p.streams == 0
                ? IConsentRegistry.Refusal.StreamNotCovered
                : consents.checkConsent(p.id, p.device, p.recipient, p.streams, 0);
        }
        vm.recordLogs();
        vm.prank(relayer);
        uint256 logged = accessLog.logDeliveries(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 k;
        uint256 counted;
        for (uint256 j; j < logs.length; ++j) {
            if (logs[j].emitter != address(accessLog)) continue;
            bool isLogged = logs[j].topics[0] == IAccessLog.DeliveryLogged.selector;
            uint8 code = isLogged ? 0 : uint8(uint256(bytes32(_word(logs[j].data, 1))));
            _audit(isLogged, batch[k].consentId, permitted[k], check[k], code);
            if (isLogged) ++counted;
            ++k;
        }
        if (k != n || counted != logged) ++modelMismatch;
    }

    function logCommands(uint256 seed, uint8 count) external timed {
        if (consentIds.length == 0) return;
        uint256 n = bound(count, 1, 8);
        IAccessLog.CommandRecord[] memory batch = new IAccessLog.CommandRecord[](n);
        bool[] memory permitted = new bool[](n);
        IConsentRegistry.Refusal[] memory check = new IConsentRegistry.Refusal[](n);
        for (uint256 i; i < n; ++i) {
            Pick memory p = _pick(uint256(keccak256(abi.encode(seed, i, "cmd"))));
            batch[i] = command(p.id, p.device, p.recipient, p.code);
            permitted[i] = p.code < 32 && _permits(p.id, p.device, p.recipient, 0, uint32(1) << (p.code % 32));
            check[i] = p.code >= 32
                ? IConsentRegistry.Refusal.CommandNotCovered
                : consents.checkConsent(p.id, p.device, p.recipient, 0, uint32(1) << p.code);
        }
        vm.recordLogs();
        vm.prank(relayer);
        uint256 logged = accessLog.logCommands(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 k;
        uint256 counted;
        for (uint256 j; j < logs.length; ++j) {
            if (logs[j].emitter != address(accessLog)) continue;
            bool isLogged = logs[j].topics[0] == IAccessLog.CommandLogged.selector;
            uint8 code = isLogged ? 0 : uint8(uint256(bytes32(_word(logs[j].data, 1))));
            _audit(isLogged, batch[k].consentId, permitted[k], check[k], code);
            if (isLogged) ++counted;
            ++k;
        }
        if (k != n || counted != logged) ++modelMismatch;
    }

    /// @dev The `index`-th 32-byte word of ABI-encoded event data.
    function _word(bytes memory data, uint256 index) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(data, 0x20), mul(index, 0x20)))
        }
    }

    // ------------------------------------------------------------------ bonds

    function depositBond(uint8 recipientSeed, uint96 amount) external timed {
        uint256 value = bound(amount, 1, 5 ether);
        deposit(recipients[recipientSeed % 3], value);
        ghostBondsIn += value;
    }

    function requestWithdrawal(uint8 recipientSeed, uint96 amount) external timed {
        vm.prank(recipients[recipientSeed % 3]);
        try bonds.requestWithdrawal(bound(amount, 1, 6 ether)) {} catch {}
    }

    function withdraw(uint8 recipientSeed) external timed {
        address r = recipients[recipientSeed % 3];
        (uint256 amount, ) = bonds.pendingWithdrawal(r);
        vm.prank(r);
        try bonds.withdraw() {
            ghostBondsOut += amount;
        } catch {}
    }

    // ------------------------------------------------------------------ trap streets

    /// The gateway delivers a reading of the consent's first device and commits a canary for it.
    function commitCanary(uint256 seed, int16 value) external timed {
        uint256 id = _consent(seed);
        if (id == 0) return;
        Model storage m = _model[id];
        uint64 seq = nextSeq++;
        ICanaryRegistry.CanaryReveal memory r = reveal(m.recipient, id, m.devices[0], 0, value, seq, bytes32(uint256(seq)));
        IAccessLog.Delivery memory d = delivery(id, r.device, r.recipient, STREAMS);
        d.dataHash = keccak256(abi.encode("carrier", seq));
        if (logOne(d) == 0) return; // not permitted now: nothing to carry a canary
        bytes32 c = commitmentOf(r);
        if (commitOne(c, d) != 1) ++modelMismatch; // a logged delivery always takes a fresh canary
        commitments.push(c);
        _reveals[c] = r;
        _carriers[c] = d;
    }

    function logShare(uint256 seed) external timed {
        uint256 id = _consent(seed);
        if (id == 0) return;
        vm.prank(_model[id].recipient);
        try sharingLog.logSharing(id, xavier, keccak256("d"), "partner") {} catch {}
    }

    /// An honest claim (the value at xavier), or a false one (wrong value): a false one never holds.
    function claimLeak(uint256 seed, bool honest) external timed {
        if (commitments.length == 0) return;
        bytes32 c = commitments[seed % commitments.length];
        ICanaryRegistry.CanaryReveal memory r = _reveals[c];
        if (!honest) r.value ^= 1;
        vm.prank(_model[r.consentId].owner);
        try canaries.claimLeak(r, _carriers[c], xavier, keccak256("e")) {
            if (!honest) ++modelMismatch;
            if (recipientTerms.acceptedAt(r.consentId) == 0) ++modelMismatch; // only under accepted terms
            ++claimsHeld;
        } catch {}
    }

    /// Anyone settles a random claim once it can be settled (undisputed: paid to the owner).
    function settleClaim(uint256 seed) external timed {
        if (commitments.length == 0) return;
        bytes32 c = commitments[seed % commitments.length];
        uint256 before = address(bonds).balance;
        try canaries.settleLeak(c) {
            ghostBondsOut += before - address(bonds).balance; // owners are EOAs: paid directly
            ++claimsPaid;
        } catch {}
    }

    // ------------------------------------------------------------------ deletion requests

    /// The owner asks for deletion with a deadline of the consent's period plus up to a day, within
    /// its claim window: refused only once the owner has used its four requests or the window is over.
    function requestDeletion(uint256 seed, uint32 extra) external timed {
        uint256 id = _consent(seed);
        if (id == 0) return;
        IRecipientTerms.Terms memory t = recipientTerms.termsOf(id);
        uint256 claimsUntil = uint256(_model[id].expiry) + t.claimWindow;
        uint256 deadline = block.timestamp + t.deletionPeriod + bound(extra, 0, 1 days);
        if (deadline > claimsUntil + t.deletionPeriod) deadline = claimsUntil + t.deletionPeriod;
        bool mayRefuse = deletions.ownerRequestCount(id) >= t.maxDeletionRequests || block.timestamp > claimsUntil;
        vm.prank(_model[id].owner);
        try deletions.requestDeletion(id, new address[](0), 0, 0, uint64(block.timestamp), uint64(deadline)) {
            if (mayRefuse) ++modelMismatch;
        } catch {
            if (!mayRefuse) ++modelMismatch;
        }
    }

    function acknowledge(uint256 seed) external timed {
        uint256 n = deletions.requestCount();
        if (n == 0) return;
        uint256 rid = 1 + (seed % n);
        vm.prank(deletions.request(rid).recipient);
        try deletions.acknowledgeDeletion(rid, keccak256("deleted")) {} catch {}
    }

    /// Enforces the first overdue pending request (or a random one, usually refused).
    function enforce(uint256 seed) external timed {
        uint256 n = deletions.requestCount();
        if (n == 0) return;
        uint256 rid = 1 + (seed % n);
        for (uint256 i = 1; i <= n; ++i) {
            IDeletionRequests.Request memory r = deletions.request(i);
            if (r.status == IDeletionRequests.Status.Pending && block.timestamp > r.deadline) {
                rid = i;
                break;
            }
        }
        uint256 before = address(bonds).balance;
        try deletions.enforcePenalty(rid) {
            ghostBondsOut += before - address(bonds).balance;
            ++deletionsEnforced;
        } catch {}
    }

    // ------------------------------------------------------------------ time

    function elapse(uint32 seconds_) external {
        clock += bound(seconds_, 1, 4 days);
        vm.warp(clock);
    }
}

contract ConsentIntegrationInvariantTest is Test {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    ConsentWorldHandler internal handler;
    ConsentRegistry internal consents;
    RecipientBonds internal bonds;
    FeedMarket internal market;

    function setUp() public {
        handler = new ConsentWorldHandler();
        (consents, bonds, market) = handler.world();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](28);
        s[0] = ConsentWorldHandler.grantSome.selector;
        s[1] = ConsentWorldHandler.revokeOne.selector;
        s[2] = ConsentWorldHandler.revokeAll.selector;
        s[3] = ConsentWorldHandler.transferDevice.selector;
        s[4] = ConsentWorldHandler.offerFeed.selector;
        s[5] = ConsentWorldHandler.buyFeed.selector;
        s[6] = ConsentWorldHandler.withdrawEarnings.selector;
        s[7] = ConsentWorldHandler.logDeliveries.selector;
        s[8] = ConsentWorldHandler.logCommands.selector;
        s[9] = ConsentWorldHandler.depositBond.selector;
        s[10] = ConsentWorldHandler.requestWithdrawal.selector;
        s[11] = ConsentWorldHandler.withdraw.selector;
        s[12] = ConsentWorldHandler.commitCanary.selector;
        s[13] = ConsentWorldHandler.logShare.selector;
        s[14] = ConsentWorldHandler.claimLeak.selector;
        s[15] = ConsentWorldHandler.requestDeletion.selector;
        s[16] = ConsentWorldHandler.acknowledge.selector;
        s[17] = ConsentWorldHandler.enforce.selector;
        s[18] = ConsentWorldHandler.elapse.selector;
        // the actions the invariants are about come up more often
        s[19] = ConsentWorldHandler.grantSome.selector;
        s[20] = ConsentWorldHandler.logDeliveries.selector;
        s[21] = ConsentWorldHandler.logCommands.selector;
        s[22] = ConsentWorldHandler.buyFeed.selector;
        s[23] = ConsentWorldHandler.grantSome.selector;
        s[24] = ConsentWorldHandler.settlePurchase.selector;
        s[25] = ConsentWorldHandler.withdrawRefund.selector;
        s[26] = ConsentWorldHandler.settleClaim.selector;
        s[27] = ConsentWorldHandler.settlePurchase.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    function afterInvariant() public view {
        console.log("grants", handler.grants());
        console.log("feed purchases", handler.purchases());
        console.log("revocations", handler.revocations());
        console.log("transfers", handler.transfers());
        console.log("entries logged", handler.loggedEntries());
        console.log("entries refused", handler.refusedEntries());
        console.log("leak claims held", handler.claimsHeld());
        console.log("leak claims settled", handler.claimsPaid());
        console.log("refunds withdrawn", handler.refunds());
        console.log("deletion penalties", handler.deletionsEnforced());
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 64
    /// Every DeliveryLogged / CommandLogged entry was permitted at its block (checkConsent == None and
    /// the handler's own model agrees), every refusal carries checkConsent's reason, and nothing the
    /// model permits is refused.
    function invariant_loggedOnlyUnderLiveConsent() public view {
        require(handler.loggedWithoutConsent() == 0, "an entry was logged without a live consent");
        require(handler.refusedWithConsent() == 0, "an entry the consent permits was refused");
        require(handler.wrongRefusalCode() == 0, "EntryRefused code != checkConsent");
        require(handler.modelMismatch() == 0, "a call disagreed with the handler's model");
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 64
    /// A revoked consent never permits again, on any of its devices, and nothing was logged under it.
    function invariant_revokedNeverPermits() public view {
        require(handler.loggedAfterRevoke() == 0, "logged under a revoked consent");
        uint256 n = handler.consentCountModel();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.consentIds(i);
            (address recipient, address[] memory devs, uint32 streams, bool revoked) = handler.model(id);
            if (!revoked) continue;
            require(consents.consent(id).revokedAt != 0, "model revoked, registry not");
            require(!consents.isLive(id), "revoked but live");
            for (uint256 d; d < devs.length; ++d) {
                require(
                    consents.checkConsent(id, devs[d], recipient, streams, 0) == IConsentRegistry.Refusal.Revoked,
                    "revoked consent permits"
                );
            }
        }
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 64
    /// RecipientBonds holds exactly bonds + pending withdrawals + holds + unclaimed credits, and that
    /// is what went in minus what came out.
    function invariant_bondsBalance() public view {
        (uint256 bonded, uint256 pending, uint256 held, uint256 claimable) = bonds.totals();
        require(address(bonds).balance == bonded + pending + held + claimable, "balance != bonds + pending + held + credits");
        require(address(bonds).balance == handler.ghostBondsIn() - handler.ghostBondsOut(), "balance != in - out");
        address[] memory holders = handler.moneyHolders();
        uint256 b;
        uint256 p;
        uint256 h;
        uint256 c;
        for (uint256 i; i < holders.length; ++i) {
            b += bonds.bondOf(holders[i]);
            (uint256 amount, ) = bonds.pendingWithdrawal(holders[i]);
            p += amount;
            h += bonds.heldOf(holders[i]);
            c += bonds.claimableOf(holders[i]);
        }
        require(b == bonded && p == pending && h == held && c == claimable, "totals != sums over accounts");
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 64
    /// FeedMarket holds exactly what it holds for purchases, the unwithdrawn earnings and refunds:
    /// what buyers paid minus what owners and buyers withdrew.
    function invariant_marketBalance() public view {
        address[] memory holders = handler.moneyHolders();
        uint256 credited;
        for (uint256 i; i < holders.length; ++i) credited += market.earningsOf(holders[i]) + market.refundOf(holders[i]);
        (uint256 held, uint256 earnings, uint256 refundsDue) = market.totals();
        require(earnings + refundsDue == credited, "totals != sums over accounts");
        require(address(market).balance == held + credited, "market balance != held + earnings + refunds");
        require(address(market).balance == handler.ghostMarketIn() - handler.ghostMarketOut(), "balance != sold - withdrawn");
    }
}
