// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test, console} from "./utils/Test.sol";
import {AccountabilityBase} from "./utils/AccountabilityBase.sol";
import {RecipientBonds} from "../src/RecipientBonds.sol";
import {CanaryRegistry} from "../src/CanaryRegistry.sol";
import {DeletionRequests} from "../src/DeletionRequests.sol";
import {IDeletionRequests} from "../src/interfaces/IDeletionRequests.sol";

/// @notice An owner that refuses direct payments half of the time (its penalties are credited).
contract MoodyOwner {
    bool public accept;

    function setAccept(bool accept_) external {
        accept = accept_;
    }

    function claim(RecipientBonds bonds) external {
        bonds.claimPenalty();
    }

    receive() external payable {
        require(accept, "not now");
    }
}

/// @notice Drives bonds, the sharing log, trap streets and deletion requests with random deposits,
/// withdrawals, canary commits, leak claims (true, false, repeated), shares, deletion requests,
/// acknowledgements, penalty triggers, revocations and time, and keeps ghost state.
contract AccountabilityHandler is AccountabilityBase {
    bool internal ready;
    MoodyOwner public moody;
    address[2] internal recipients;
    address[2] internal owners;
    uint256[] public consentIds;
    bytes32[] public commitments;
    mapping(bytes32 => uint256) public commitmentConsent;
    mapping(bytes32 => uint64) public commitmentSeq;
    mapping(bytes32 => uint256) public timesPaid; // ghost: successful claims per commitment
    mapping(uint256 => uint256) public acks; // ghost: successful acknowledgements per request
    mapping(uint256 => uint256) public penalties; // ghost: successful enforcements per request
    uint64 internal nextSeq = 1;
    uint256 public claims;
    uint256 public refusedClaims;
    uint256 public acknowledged;
    uint256 public penalised;
    uint256 public paidOut; // ghost: sum of penalties paid (directly or credited)
    uint256 public clock; // ghost time: forge does not carry vm.warp from one handler call to the next

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
        moody = new MoodyOwner();
        recipients = [bob, carol];
        owners = [alice, address(moody)];
        address[] memory devices = new address[](2);
        devices[0] = device1;
        devices[1] = device2;
        bytes32[3] memory pols = [P_SHARE, P_SILENT, bytes32(0)];
        for (uint256 o; o < 2; ++o) {
            for (uint256 r; r < 2; ++r) {
                for (uint256 p; p < 3; ++p) {
                    consentIds.push(consents.addConsent(owners[o], recipients[r], devices, 0x7, pols[p]));
                }
            }
        }
    }

    function handles() external view returns (RecipientBonds, CanaryRegistry, DeletionRequests) {
        return (bonds, canaries, deletions);
    }

    function commitmentCount() external view returns (uint256) {
        return commitments.length;
    }

    function _consent(uint256 seed) internal view returns (uint256) {
        return consentIds[seed % consentIds.length];
    }

    // ------------------------------------------------------------------ bonds

    function depositBond(bool who, uint96 amount) external timed {
        address r = recipients[who ? 1 : 0];
        uint256 value = bound(amount, 1, 10 ether);
        vm.deal(r, r.balance + value);
        vm.prank(r);
        bonds.depositBond{value: value}();
    }

    function requestWithdrawal(bool who, uint96 amount) external timed {
        address r = recipients[who ? 1 : 0];
        vm.prank(r);
        try bonds.requestWithdrawal(bound(amount, 0, 12 ether)) {} catch {}
    }

    function withdraw(bool who) external timed {
        vm.prank(recipients[who ? 1 : 0]);
        try bonds.withdraw() {} catch {}
    }

    function claimCredit(bool accept) external timed {
        moody.setAccept(accept);
        try moody.claim(bonds) {} catch {}
    }

    function setMood(bool accept) external {
        moody.setAccept(accept);
    }

    // ------------------------------------------------------------------ trap streets

    function commit(uint256 consentSeed, int16 value, bytes32 salt) external timed {
        uint256 id = _consent(consentSeed);
        address r = consents.consent(id).recipient;
        uint64 seq = nextSeq++;
        bytes32 c = commitment(r, id, device1, 0, value, seq, salt);
        commitOne(c, id);
        commitments.push(c);
        commitmentConsent[c] = id;
        commitmentSeq[c] = seq;
        _reveal[c] = Reveal(r, value, salt);
    }

    struct Reveal {
        address recipient;
        int16 value;
        bytes32 salt;
    }
    mapping(bytes32 => Reveal) internal _reveal;

    /// A claim for a random commitment: honest, by a stranger, to a logged party or with a wrong value.
    function claimLeak(uint256 seed, uint8 kind) external timed {
        if (commitments.length == 0) return;
        bytes32 c = commitments[seed % commitments.length];
        uint256 id = commitmentConsent[c];
        Reveal memory r = _reveal[c];
        address owner = consents.consent(id).owner;
        address caller = kind % 4 == 1 ? mallory : owner;
        address leakedTo = kind % 4 == 2 ? dave : mallory;
        int16 value = kind % 4 == 3 ? r.value ^ 1 : r.value;
        uint256 before = bonds.claimableOf(owner) + owner.balance;
        vm.prank(caller);
        try
            canaries.claimLeak(c, r.recipient, id, device1, 0, value, commitmentSeq[c], r.salt, leakedTo, keccak256("e"))
        returns (uint256 paid) {
            timesPaid[c] += 1;
            claims += 1;
            paidOut += paid;
            assertEq(bonds.claimableOf(owner) + owner.balance, before + paid, "owner got what was paid");
        } catch {
            refusedClaims += 1;
        }
    }

    function logShare(uint256 consentSeed) external timed {
        uint256 id = _consent(consentSeed);
        vm.prank(consents.consent(id).recipient);
        try sharingLog.logSharing(id, dave, keccak256("d"), "research") {} catch {}
    }

    // ------------------------------------------------------------------ deletion

    function requestDeletion(uint256 consentSeed, uint32 period) external timed {
        uint256 id = _consent(consentSeed);
        vm.prank(consents.consent(id).owner);
        try
            deletions.requestDeletion(
                id,
                new address[](0),
                0,
                0,
                uint64(block.timestamp),
                uint64(block.timestamp + bound(period, MIN_PERIOD - 1, 10 days))
            )
        {} catch {}
    }

    function revokeConsent(uint256 consentSeed) external timed {
        uint256 id = _consent(consentSeed);
        if (consents.consent(id).revokedAt == 0) revoke(id);
    }

    /// The recipient acknowledges a random request, or forgets (one time in two).
    function acknowledge(uint256 seed) external timed {
        uint256 n = deletions.requestCount();
        if (n == 0 || seed % 2 == 1) return;
        uint256 id = 1 + ((seed / 2) % n);
        vm.prank(deletions.request(id).recipient);
        try deletions.acknowledgeDeletion(id, keccak256("deleted")) {
            acks[id] += 1;
            acknowledged += 1;
        } catch {}
    }

    /// Anyone enforces a random request; one time in two, the first overdue one instead.
    function enforce(uint256 seed) external timed {
        uint256 n = deletions.requestCount();
        if (n == 0) return;
        uint256 id = 1 + ((seed / 2) % n);
        if (seed % 2 == 1) {
            for (uint256 i = 1; i <= n; ++i) {
                IDeletionRequests.Request memory r = deletions.request(i);
                if (r.status == IDeletionRequests.Status.Pending && block.timestamp > r.deadline) {
                    id = i;
                    break;
                }
            }
        }
        try deletions.enforcePenalty(id) returns (uint256 paid) {
            penalties[id] += 1;
            penalised += 1;
            paidOut += paid;
        } catch {}
    }

    function elapse(uint32 seconds_) external {
        clock += bound(seconds_, 1, 5 days);
        vm.warp(clock);
    }
}

contract AccountabilityInvariantTest is Test {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    AccountabilityHandler internal handler;
    RecipientBonds internal bonds;
    CanaryRegistry internal canaries;
    DeletionRequests internal deletions;

    function setUp() public {
        handler = new AccountabilityHandler();
        (bonds, canaries, deletions) = handler.handles();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](20);
        s[0] = AccountabilityHandler.depositBond.selector;
        s[1] = AccountabilityHandler.requestWithdrawal.selector;
        s[2] = AccountabilityHandler.withdraw.selector;
        s[3] = AccountabilityHandler.claimCredit.selector;
        s[4] = AccountabilityHandler.setMood.selector;
        s[5] = AccountabilityHandler.commit.selector;
        s[6] = AccountabilityHandler.claimLeak.selector;
        s[7] = AccountabilityHandler.logShare.selector;
        s[8] = AccountabilityHandler.requestDeletion.selector;
        s[9] = AccountabilityHandler.revokeConsent.selector;
        s[10] = AccountabilityHandler.acknowledge.selector;
        s[11] = AccountabilityHandler.enforce.selector;
        s[12] = AccountabilityHandler.elapse.selector;
        // the actions that need earlier ones come up more often
        s[13] = AccountabilityHandler.depositBond.selector;
        s[14] = AccountabilityHandler.commit.selector;
        s[15] = AccountabilityHandler.claimLeak.selector;
        s[16] = AccountabilityHandler.requestDeletion.selector;
        s[17] = AccountabilityHandler.acknowledge.selector;
        s[18] = AccountabilityHandler.enforce.selector;
        s[19] = AccountabilityHandler.elapse.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    function afterInvariant() public view {
        console.log("leak claims paid", handler.claims());
        console.log("leak claims refused", handler.refusedClaims());
        console.log("deletions acknowledged", handler.acknowledged());
        console.log("deletions penalised", handler.penalised());
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 128
    /// The bonds contract holds exactly the bonds, the pending withdrawals and the unclaimed credits.
    function invariant_bondAccountingBalances() public view {
        (uint256 bonded, uint256 pending, uint256 claimable) = bonds.totals();
        require(address(bonds).balance == bonded + pending + claimable, "balance != bonds + pending + credits");
        address[4] memory accounts = [address(0xB0B), address(0xCA401), address(0xA1), address(handler.moody())];
        uint256 b;
        uint256 p;
        uint256 c;
        for (uint256 i; i < 4; ++i) {
            b += bonds.bondOf(accounts[i]);
            (uint256 amount, ) = bonds.pendingWithdrawal(accounts[i]);
            p += amount;
            c += bonds.claimableOf(accounts[i]);
        }
        require(b == bonded && p == pending && c == claimable, "totals != sums over accounts");
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 128
    /// A commitment pays at most once, and a paid one is marked claimed.
    function invariant_commitmentPaysAtMostOnce() public view {
        uint256 n = handler.commitmentCount();
        for (uint256 i; i < n; ++i) {
            bytes32 c = handler.commitments(i);
            uint256 times = handler.timesPaid(c);
            require(times <= 1, "a commitment paid twice");
            require((canaries.canary(c).claimedAt != 0) == (times == 1), "claimed flag != ghost");
        }
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 128
    /// A deletion request is acknowledged or penalised, never both, and its status says which.
    function invariant_deletionAckXorPenalty() public view {
        uint256 n = deletions.requestCount();
        for (uint256 id = 1; id <= n; ++id) {
            uint256 a = handler.acks(id);
            uint256 p = handler.penalties(id);
            require(a + p <= 1, "acknowledged and penalised");
            IDeletionRequests.Status s = deletions.request(id).status;
            if (a == 1) require(s == IDeletionRequests.Status.Acknowledged, "ack not recorded");
            else if (p == 1) require(s == IDeletionRequests.Status.Penalised, "penalty not recorded");
            else require(s == IDeletionRequests.Status.Pending, "closed without a ghost event");
        }
    }
}
