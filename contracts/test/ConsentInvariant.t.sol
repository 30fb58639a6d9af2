// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ConsentBase} from "./utils/ConsentBase.sol";
import {Test} from "./utils/Test.sol";
import {Vm} from "./utils/Vm.sol";
import {ConsentRegistry} from "../src/ConsentRegistry.sol";
import {AccessLog} from "../src/AccessLog.sol";
import {DeviceOwnership} from "../src/DeviceOwnership.sol";
import {IAccessLog} from "../src/interfaces/IAccessLog.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";

/// @notice Drives owners, recipients and the logger through random grants (valid and not), single
/// and bulk revocations, device transfers, time, and batches of deliveries and commands, and keeps
/// its own model of every consent to judge each logged entry independently of the registry.
contract ConsentHandler is Test {
    bytes32 internal constant DELIVERY_LOGGED =
        keccak256("DeliveryLogged(uint256,address,address,uint32,uint32,bytes32)");
    bytes32 internal constant COMMAND_LOGGED = keccak256("CommandLogged(uint256,address,address,uint8,bytes32)");

    ConsentRegistry public immutable consents;
    AccessLog public immutable accessLog;
    DeviceOwnership public immutable ownership;
    address public immutable logger;

    address[4] public devices;
    address[3] public actors;

    /// @dev The model: what was granted, when it was revoked. Epochs come from the grant event's block.
    struct Model {
        address owner;
        address recipient;
        uint32 streams;
        uint32 commands;
        uint64 start;
        uint64 expiry;
        bool revoked;
    }

    mapping(uint256 => Model) public model;
    mapping(uint256 => mapping(address => uint64)) public modelEpoch;
    uint256[] public ids;
    uint256[] public revokedIds;
    /// @dev Set when the access log logged an entry the model says is not permitted, or refused one it permits.
    bool public loggedWithoutConsent;
    bool public refusedWithConsent;
    /// @dev Set when the registry permitted after revocation, or a count disagreed.
    bool public grantedWrongly;
    uint256 public logged;
    uint256 public refused;
    uint256 public transfers;

    constructor(
        ConsentRegistry consents_,
        AccessLog accessLog_,
        DeviceOwnership ownership_,
        address logger_,
        address[4] memory devices_,
        address[3] memory actors_
    ) {
        consents = consents_;
        accessLog = accessLog_;
        ownership = ownership_;
        logger = logger_;
        devices = devices_;
        actors = actors_;
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function revokedCount() external view returns (uint256) {
        return revokedIds.length;
    }

    // ---------------------------------------------------------------- actions

    function grant(uint256 ownerSeed, uint256 recipientSeed, uint256 deviceMask, uint32 streams, uint32 commands, uint32 startIn, uint32 lasts)
        external
    {
        address owner = actors[ownerSeed % 3];
        IConsentRegistry.ConsentTerms memory t;
        t.recipient = actors[recipientSeed % 3];
        uint256 n;
        for (uint256 i; i < 4; ++i) if (deviceMask & (1 << i) != 0) ++n;
        t.devices = new address[](n);
        n = 0;
        for (uint256 i; i < 4; ++i) if (deviceMask & (1 << i) != 0) t.devices[n++] = devices[i];
        t.streams = streams % 0x80; // sometimes beyond the six metrics
        t.commands = commands % 0x80; // sometimes beyond the catalogue
        t.start = startIn % 3 == 0 ? 0 : uint64(block.timestamp + (startIn % 2 days));
        t.expiry = uint64(block.timestamp + (lasts % 5 days));
        vm.prank(owner);
        try consents.grantConsent(t, "fuzz") returns (uint256 id) {
            // Anything the registry accepted must satisfy the rules.
            bool ok = n > 0 && t.recipient != owner && (t.streams | t.commands) != 0 && t.streams < 0x40 && t.commands < 0x40;
            for (uint256 i; i < n; ++i) if (ownership.ownerOfDevice(t.devices[i]) != owner) ok = false;
            if (!ok) grantedWrongly = true;
            uint64 start = t.start == 0 ? uint64(block.timestamp) : t.start;
            model[id] = Model(owner, t.recipient, t.streams, t.commands, start, t.expiry, false);
            for (uint256 i; i < n; ++i) modelEpoch[id][t.devices[i]] = ownership.ownershipEpoch(t.devices[i]);
            ids.push(id);
        } catch {}
    }

    function revoke(uint256 idSeed, uint256 callerSeed) external {
        if (ids.length == 0) return;
        uint256 id = ids[idSeed % ids.length];
        address caller = callerSeed % 4 == 0 ? actors[callerSeed % 3] : model[id].owner;
        vm.prank(caller);
        try consents.revokeConsent(id) {
            if (caller != model[id].owner || model[id].revoked) grantedWrongly = true;
            _markRevoked(id);
        } catch {}
    }

    function revokeAll(uint256 ownerSeed, uint256 recipientSeed) external {
        address owner = actors[ownerSeed % 3];
        address recipient = actors[recipientSeed % 3];
        uint256 n;
        for (uint256 remaining = 1; remaining != 0; ) {
            vm.prank(owner);
            uint256 page;
            (page, remaining) = consents.revokeAllConsentsOf(recipient, 3);
            n += page;
        }
        uint256 expected;
        for (uint256 i; i < ids.length; ++i) {
            Model storage m = model[ids[i]];
            if (m.owner == owner && m.recipient == recipient && !m.revoked && m.expiry > block.timestamp) {
                ++expected;
                _markRevoked(ids[i]);
            }
        }
        if (n != expected) grantedWrongly = true;
    }

    function transferDevice(uint256 deviceSeed, uint256 toSeed) external {
        address d = devices[deviceSeed % 4];
        address owner = ownership.ownerOfDevice(d);
        address to = actors[toSeed % 3];
        if (to == owner) return;
        vm.prank(owner);
        ownership.offerTransfer(d, to);
        vm.prank(to);
        ownership.acceptTransfer(d);
        ++transfers;
    }

    function elapse(uint32 secondsLater) external {
        vm.warp(block.timestamp + bound(secondsLater, 1, 1 days));
    }

    function logDeliveries(uint256 seed) external {
        if (ids.length == 0) return;
        uint256 n = bound(seed, 1, 6);
        IAccessLog.Delivery[] memory batch = new IAccessLog.Delivery[](n);
        for (uint256 i; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            uint256 id = s % 7 == 0 ? ids.length + 1 : ids[s % ids.length];
            batch[i] = IAccessLog.Delivery({
                consentId: id,
                device: devices[(s >> 8) % 4],
                recipient: (s >> 16) % 5 == 0 ? actors[(s >> 24) % 3] : model[id].recipient,
                streams: uint32((s >> 32) % 0x40),
                readings: 1,
                dataHash: bytes32(s)
            });
        }
        vm.recordLogs();
        vm.prank(logger);
        accessLog.logDeliveries(batch);
        _judge(vm.getRecordedLogs(), DELIVERY_LOGGED, n, true, batch, new IAccessLog.CommandRecord[](0));
    }

    function logCommands(uint256 seed) external {
        if (ids.length == 0) return;
        uint256 n = bound(seed, 1, 6);
        IAccessLog.CommandRecord[] memory batch = new IAccessLog.CommandRecord[](n);
        for (uint256 i; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i, "c")));
            uint256 id = ids[s % ids.length];
            batch[i] = IAccessLog.CommandRecord({
                consentId: id,
                device: devices[(s >> 8) % 4],
                recipient: (s >> 16) % 5 == 0 ? actors[(s >> 24) % 3] : model[id].recipient,
                command: uint8((s >> 32) % 8),
                commandHash: bytes32(s)
            });
        }
        vm.recordLogs();
        vm.prank(logger);
        accessLog.logCommands(batch);
        _judge(vm.getRecordedLogs(), COMMAND_LOGGED, n, false, new IAccessLog.Delivery[](0), batch);
    }

    // ---------------------------------------------------------------- the independent judge

    function permitted(uint256 id, address device, address recipient, uint32 streams, uint32 commands)
        public
        view
        returns (bool)
    {
        Model storage m = model[id];
        if (m.owner == address(0) || m.revoked || recipient != m.recipient) return false;
        if (block.timestamp < m.start || block.timestamp >= m.expiry) return false;
        uint64 epoch = modelEpoch[id][device];
        if (epoch == 0 || ownership.ownershipEpoch(device) != epoch) return false;
        return streams & ~m.streams == 0 && commands & ~m.commands == 0;
    }

    function _judge(
        Vm.Log[] memory logs,
        bytes32 loggedTopic,
        uint256 n,
        bool deliveries,
        IAccessLog.Delivery[] memory ds,
        IAccessLog.CommandRecord[] memory cs
    ) private {
        if (logs.length != n) {
            loggedWithoutConsent = true; // one event per entry, always
            return;
        }
        for (uint256 i; i < n; ++i) {
            bool ok = deliveries
                ? ds[i].streams != 0 && permitted(ds[i].consentId, ds[i].device, ds[i].recipient, ds[i].streams, 0)
                : permitted(cs[i].consentId, cs[i].device, cs[i].recipient, 0, uint32(1) << cs[i].command);
            bool wasLogged = logs[i].topics[0] == loggedTopic;
            if (wasLogged && !ok) loggedWithoutConsent = true;
            if (!wasLogged && ok) refusedWithConsent = true;
            if (wasLogged) ++logged;
            else ++refused;
        }
    }

    function _markRevoked(uint256 id) private {
        if (!model[id].revoked) revokedIds.push(id);
        model[id].revoked = true;
    }
}

contract ConsentInvariantTest is ConsentBase {
    ConsentHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[3] memory actors = [alice, bob, carol];
        handler = new ConsentHandler(consents, accessLog, ownership, logger, devices, actors);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The handler really grants, logs, refuses and transfers, so the invariants below are not vacuous.
    function test_handlerExercisesEveryPath() public {
        handler.grant(0, 1, 0x3, 0x5, 0x8, 0, 3 days); // alice -> bob, devices 0 and 1
        handler.grant(0, 2, 0x4, 0x1, 0, 0, 3 days); // alice -> carol, device 2
        assertEq(handler.idCount(), 2, "two grants");
        for (uint256 s; s < 8; ++s) handler.logDeliveries(s);
        handler.logCommands(1);
        handler.transferDevice(0, 2);
        handler.revoke(0, 1);
        handler.revokeAll(0, 2);
        handler.elapse(3600);
        for (uint256 s; s < 8; ++s) handler.logDeliveries(s + 100);
        assertGt(handler.logged() + handler.refused(), 0, "entries judged");
        assertGt(handler.refused(), 0, "some refused");
        assertEq(handler.revokedCount(), 2, "both revoked");
        invariant_noEntryWithoutLiveConsent();
        invariant_revokedNeverPermitsAgain();
        invariant_transferVoidsConsents();
        invariant_registryFollowsTheRules();
    }

    /// No delivery or command is logged without a consent live at that block (and none that is
    /// permitted is refused): the log agrees with an independent model entry by entry.
    function invariant_noEntryWithoutLiveConsent() public view {
        assertFalse(handler.loggedWithoutConsent(), "an entry was logged without a live consent");
        assertFalse(handler.refusedWithConsent(), "a permitted entry was refused");
    }

    /// A revoked consent never permits again: for every device, every recipient, any scope, now.
    function invariant_revokedNeverPermitsAgain() public view {
        for (uint256 i; i < handler.revokedCount(); ++i) {
            uint256 id = handler.revokedIds(i);
            assertTrue(consents.consent(id).revokedAt != 0, "revokedAt cleared");
            assertFalse(consents.isLive(id), "a revoked consent is live");
            for (uint256 d; d < 4; ++d) {
                for (uint256 r; r < 3; ++r) {
                    IConsentRegistry.Refusal refusal = consents.checkConsent(id, devices[d], handler.actors(r), 0x1, 0);
                    assertTrue(refusal != IConsentRegistry.Refusal.None, "a revoked consent permits");
                }
            }
        }
    }

    /// A consent never applies to a device whose ownership epoch moved on since the grant.
    function invariant_transferVoidsConsents() public view {
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.ids(i);
            (address[] memory ds, uint64[] memory es) = consents.consentDevices(id);
            (address owner, address recipient, uint32 streams, uint32 commands, , , ) = handler.model(id);
            for (uint256 k; k < ds.length; ++k) {
                assertEq(es[k], handler.modelEpoch(id, ds[k]), "epoch at grant");
                if (ownership.ownershipEpoch(ds[k]) != es[k]) {
                    assertTrue(ownership.ownerOfDevice(ds[k]) != owner || ownership.ownershipEpoch(ds[k]) > es[k], "moved");
                    assertEq(
                        uint256(consents.checkConsent(id, ds[k], recipient, streams, commands)),
                        uint256(
                            consents.consent(id).revokedAt != 0
                                ? IConsentRegistry.Refusal.Revoked
                                : block.timestamp < consents.consent(id).start
                                    ? IConsentRegistry.Refusal.NotYetValid
                                    : block.timestamp >= consents.consent(id).expiry
                                        ? IConsentRegistry.Refusal.Expired
                                        : IConsentRegistry.Refusal.OwnershipChanged
                        ),
                        "a transferred device is still covered"
                    );
                }
            }
        }
    }

    /// The registry accepted only valid grants and revocations, and revoke-all counted right.
    function invariant_registryFollowsTheRules() public view {
        assertFalse(handler.grantedWrongly(), "the registry broke a rule");
        assertEq(consents.consentCount(), handler.idCount(), "count");
    }
}
