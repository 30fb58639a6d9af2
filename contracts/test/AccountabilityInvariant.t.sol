// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test, console} from "./utils/Test.sol";
import {ConsentWorld} from "./utils/ConsentWorld.sol";
import {RecipientBonds} from "../src/RecipientBonds.sol";
import {CanaryRegistry} from "../src/CanaryRegistry.sol";
import {DeletionRequests} from "../src/DeletionRequests.sol";
import {RecipientTerms} from "../src/RecipientTerms.sol";
import {IAccessLog} from "../src/interfaces/IAccessLog.sol";
import {ICanaryRegistry} from "../src/interfaces/ICanaryRegistry.sol";
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

/// @notice Drives the real accountability contracts (ConsentWorld) with random deposits, withdrawals,
/// canary deliveries, leak claims (true, false, repeated, under unsolicited consents), disputes,
/// rulings, settlements, shares, deletion requests, acknowledgements, penalty triggers, revocations
/// and time. Half of the consents were never accepted by their recipients. Around every action it
/// measures each recipient's stake (bond + pending withdrawal + held) and records any decrease that
/// is not the recipient's own withdrawal or a penalty, under terms it accepted, of at most the
/// accepted amount (issue #12: "a bond only decreases by a penalty under terms its recipient accepted").
contract AccountabilityHandler is ConsentWorld {
    bool internal ready;
    MoodyOwner public moody;
    address[2] internal recipients;
    uint256[] public consentIds;
    bytes32[] public commitments;
    mapping(bytes32 => ICanaryRegistry.CanaryReveal) internal _reveals;
    mapping(bytes32 => IAccessLog.Delivery) internal _carriers;
    mapping(bytes32 => uint256) public timesPaid; // ghost: upheld claims per commitment
    mapping(uint256 => uint256) public acks; // ghost: successful acknowledgements per request
    mapping(uint256 => uint256) public penalties; // ghost: successful enforcements per request
    uint64 internal nextSeq = 1;
    uint256 public claims;
    uint256 public refusedClaims;
    uint256 public upheld;
    uint256 public rejected;
    uint256 public acknowledged;
    uint256 public penalised;
    uint256 public slashedUnaccepted; // ghost: decreases without accepted terms (must stay 0)
    uint256 public slashedTooMuch; // ghost: decreases above the accepted penalty (must stay 0)
    uint256 public unexplainedDecreases; // ghost: any other decrease (must stay 0)
    uint256 public clock; // ghost time: forge does not carry vm.warp from one handler call to the next

    // what the current action may take from a recipient's stake
    address internal _allowedFrom;
    uint256 internal _allowedConsent;
    uint256 internal _withdrawn;

    modifier timed() {
        vm.warp(clock);
        _;
    }

    /// @dev Measures both recipients' stakes around the action and classifies every decrease.
    modifier watched() {
        uint256[2] memory before = [stake(recipients[0]), stake(recipients[1])];
        _allowedFrom = address(0);
        _allowedConsent = 0;
        _withdrawn = 0;
        _;
        for (uint256 i; i < 2; ++i) {
            uint256 afterwards = stake(recipients[i]);
            if (afterwards >= before[i]) continue;
            uint256 decrease = before[i] - afterwards;
            if (_allowedFrom != recipients[i]) {
                ++unexplainedDecreases;
            } else if (_withdrawn != 0) {
                if (decrease != _withdrawn) ++unexplainedDecreases;
            } else if (recipientTerms.acceptedAt(_allowedConsent) == 0) {
                ++slashedUnaccepted;
            } else if (decrease > recipientTerms.termsOf(_allowedConsent).penaltyWei) {
                ++slashedTooMuch;
            }
        }
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
        transfer(devices[2], address(moody));
        transfer(devices[3], address(moody));
        recipients = [bob, carol];
        bytes32[3] memory pols = [
            publish(alice, "sharing", sharingTerms()),
            publish(alice, "deletion", deletionTerms()),
            bytes32(0)
        ];
        for (uint256 o; o < 2; ++o) {
            address owner = o == 0 ? alice : address(moody);
            for (uint256 r; r < 2; ++r) {
                for (uint256 p; p < 3; ++p) {
                    uint256 id = grant(owner, recipients[r], two(devices[2 * o], devices[2 * o + 1]), pols[p]);
                    if ((r + p) % 2 == 0) accept(id); // half accepted, half unsolicited
                    consentIds.push(id);
                }
            }
        }
    }

    function stake(address recipient) public view returns (uint256) {
        (uint256 pending, ) = bonds.pendingWithdrawal(recipient);
        return bonds.bondOf(recipient) + pending + bonds.heldOf(recipient);
    }

    function handles() external view returns (RecipientBonds, CanaryRegistry, DeletionRequests, RecipientTerms) {
        return (bonds, canaries, deletions, recipientTerms);
    }

    function commitmentCount() external view returns (uint256) {
        return commitments.length;
    }

    function _consent(uint256 seed) internal view returns (uint256) {
        return consentIds[seed % consentIds.length];
    }

    function _allow(address recipient, uint256 consentId) internal {
        _allowedFrom = recipient;
        _allowedConsent = consentId;
    }

    // ------------------------------------------------------------------ bonds

    function depositBond(bool who, uint96 amount) external timed watched {
        address r = recipients[who ? 1 : 0];
        uint256 value = bound(amount, 1, 10 ether);
        vm.deal(r, r.balance + value);
        vm.prank(r);
        bonds.depositBond{value: value}();
    }

    function requestWithdrawal(bool who, uint96 amount) external timed watched {
        address r = recipients[who ? 1 : 0];
        vm.prank(r);
        try bonds.requestWithdrawal(bound(amount, 0, 12 ether)) {} catch {}
    }

    function withdraw(bool who) external timed watched {
        address r = recipients[who ? 1 : 0];
        (uint256 pending, ) = bonds.pendingWithdrawal(r);
        _allowedFrom = r;
        _withdrawn = pending;
        vm.prank(r);
        try bonds.withdraw() {} catch {
            _withdrawn = 0;
        }
        if (_withdrawn == 0) _allowedFrom = address(0);
    }

    function claimCredit(bool accept_) external timed watched {
        moody.setAccept(accept_);
        try moody.claim(bonds) {} catch {}
    }

    // ------------------------------------------------------------------ trap streets

    /// The gateway delivers a device's readings under a random consent and commits a canary for it.
    function deliverAndCommit(uint256 consentSeed, int16 value, bytes32 salt) external timed watched {
        uint256 id = _consent(consentSeed);
        (address[] memory covered, ) = consents.consentDevices(id);
        ICanaryRegistry.CanaryReveal memory r = reveal(consents.consent(id).recipient, id, covered[0], 0, value, nextSeq++, salt);
        IAccessLog.Delivery memory d = delivery(id, r.device, r.recipient, STREAMS);
        d.dataHash = keccak256(abi.encode(salt, r.sequence));
        if (logOne(d) == 0) return; // the consent no longer permits it: nothing to carry a canary
        bytes32 c = commitmentOf(r);
        if (commitOne(c, d) == 0) return;
        commitments.push(c);
        _reveals[c] = r;
        _carriers[c] = d;
    }

    /// A claim for a random commitment: honest, by a stranger, to a shared-with party or a wrong value.
    function claimLeak(uint256 seed, uint8 kind) external timed watched {
        if (commitments.length == 0) return;
        bytes32 c = commitments[seed % commitments.length];
        ICanaryRegistry.CanaryReveal memory r = _reveals[c];
        address owner = consents.consent(r.consentId).owner;
        address caller = kind % 4 == 1 ? xavier : owner;
        address leakedTo = kind % 4 == 2 ? dave : (kind % 8 < 4 ? xavier : erin);
        if (kind % 4 == 3) r.value ^= 1;
        vm.prank(caller);
        try canaries.claimLeak(r, _carriers[c], leakedTo, keccak256("e")) {
            claims += 1;
        } catch {
            refusedClaims += 1;
        }
    }

    function dispute(uint256 seed) external timed watched {
        if (commitments.length == 0) return;
        bytes32 c = commitments[seed % commitments.length];
        vm.prank(_reveals[c].recipient);
        try canaries.disputeLeak(c, keccak256("our answer")) {} catch {}
    }

    function resolve(uint256 seed, bool uphold) external timed watched {
        if (commitments.length == 0) return;
        bytes32 c = commitments[seed % commitments.length];
        _allow(_reveals[c].recipient, _reveals[c].consentId);
        vm.prank(arbiter);
        try canaries.resolveLeak(c, uphold) {
            if (uphold) {
                timesPaid[c] += 1;
                ++upheld;
            } else ++rejected;
        } catch {}
    }

    function settle(uint256 seed) external timed watched {
        if (commitments.length == 0) return;
        bytes32 c = commitments[seed % commitments.length];
        _allow(_reveals[c].recipient, _reveals[c].consentId);
        ICanaryRegistry.ClaimStatus status = canaries.claim(c).status;
        try canaries.settleLeak(c) {
            if (status == ICanaryRegistry.ClaimStatus.Open) {
                timesPaid[c] += 1;
                ++upheld;
            } else ++rejected;
        } catch {}
    }

    function logShare(uint256 consentSeed) external timed watched {
        uint256 id = _consent(consentSeed);
        vm.prank(consents.consent(id).recipient);
        try sharingLog.logSharing(id, dave, keccak256("d"), "research") {} catch {}
    }

    // ------------------------------------------------------------------ deletion

    function requestDeletion(uint256 consentSeed, uint32 period) external timed watched {
        uint256 id = _consent(consentSeed);
        vm.prank(consents.consent(id).owner);
        try
            deletions.requestDeletion(
                id,
                new address[](0),
                0,
                0,
                uint64(block.timestamp),
                uint64(block.timestamp + bound(period, MIN_DELETION_PERIOD - 1, 10 days))
            )
        {} catch {}
    }

    function revokeConsent(uint256 consentSeed) external timed watched {
        uint256 id = _consent(consentSeed);
        if (consents.consent(id).revokedAt == 0) revoke(consents.consent(id).owner, id);
    }

    /// The recipient acknowledges a random request, or forgets (one time in two).
    function acknowledge(uint256 seed) external timed watched {
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
    function enforce(uint256 seed) external timed watched {
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
        IDeletionRequests.Request memory req = deletions.request(id);
        _allow(req.recipient, req.consentId);
        try deletions.enforcePenalty(id) {
            penalties[id] += 1;
            penalised += 1;
        } catch {}
    }

    function elapse(uint32 seconds_) external watched {
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
        (bonds, canaries, deletions, ) = handler.handles();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](22);
        s[0] = AccountabilityHandler.depositBond.selector;
        s[1] = AccountabilityHandler.requestWithdrawal.selector;
        s[2] = AccountabilityHandler.withdraw.selector;
        s[3] = AccountabilityHandler.claimCredit.selector;
        s[4] = AccountabilityHandler.deliverAndCommit.selector;
        s[5] = AccountabilityHandler.claimLeak.selector;
        s[6] = AccountabilityHandler.dispute.selector;
        s[7] = AccountabilityHandler.resolve.selector;
        s[8] = AccountabilityHandler.settle.selector;
        s[9] = AccountabilityHandler.logShare.selector;
        s[10] = AccountabilityHandler.requestDeletion.selector;
        s[11] = AccountabilityHandler.revokeConsent.selector;
        s[12] = AccountabilityHandler.acknowledge.selector;
        s[13] = AccountabilityHandler.enforce.selector;
        s[14] = AccountabilityHandler.elapse.selector;
        // the actions that need earlier ones come up more often
        s[15] = AccountabilityHandler.depositBond.selector;
        s[16] = AccountabilityHandler.deliverAndCommit.selector;
        s[17] = AccountabilityHandler.claimLeak.selector;
        s[18] = AccountabilityHandler.requestDeletion.selector;
        s[19] = AccountabilityHandler.enforce.selector;
        s[20] = AccountabilityHandler.settle.selector;
        s[21] = AccountabilityHandler.elapse.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    function afterInvariant() public view {
        console.log("leak claims accepted", handler.claims());
        console.log("leak claims refused", handler.refusedClaims());
        console.log("claims upheld", handler.upheld());
        console.log("claims rejected", handler.rejected());
        console.log("deletions acknowledged", handler.acknowledged());
        console.log("deletions penalised", handler.penalised());
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 128
    /// Issue #12: a recipient's stake only decreases by its own withdrawal or by a penalty under terms
    /// it accepted, of at most the accepted amount.
    function invariant_bondOnlyDecreasesByAcceptedPenalties() public view {
        require(handler.slashedUnaccepted() == 0, "a bond paid under terms its recipient never accepted");
        require(handler.slashedTooMuch() == 0, "a bond paid more than the accepted penalty");
        require(handler.unexplainedDecreases() == 0, "a bond decreased without a withdrawal or a penalty");
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 128
    /// The bonds contract holds exactly the bonds, the pending withdrawals, the holds and the credits.
    function invariant_bondAccountingBalances() public view {
        (uint256 bonded, uint256 pending, uint256 held, uint256 claimable) = bonds.totals();
        require(address(bonds).balance == bonded + pending + held + claimable, "balance != bonds + pending + held + credits");
        address[4] memory accounts = [address(0xB0B), address(0xCA401), address(0xA11), address(handler.moody())];
        uint256 b;
        uint256 p;
        uint256 h;
        uint256 c;
        for (uint256 i; i < 4; ++i) {
            b += bonds.bondOf(accounts[i]);
            (uint256 amount, ) = bonds.pendingWithdrawal(accounts[i]);
            p += amount;
            h += bonds.heldOf(accounts[i]);
            c += bonds.claimableOf(accounts[i]);
        }
        require(b == bonded && p == pending && h == held && c == claimable, "totals != sums over accounts");
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 128
    /// A commitment is claimed at most once and paid at most once; its claim's status says which.
    function invariant_commitmentPaysAtMostOnce() public view {
        uint256 n = handler.commitmentCount();
        for (uint256 i; i < n; ++i) {
            bytes32 c = handler.commitments(i);
            uint256 times = handler.timesPaid(c);
            require(times <= 1, "a commitment paid twice");
            ICanaryRegistry.ClaimStatus s = canaries.claim(c).status;
            require((canaries.canary(c).claimedAt != 0) == (s != ICanaryRegistry.ClaimStatus.None), "claimed flag != claim");
            require((times == 1) == (s == ICanaryRegistry.ClaimStatus.Upheld), "paid != upheld");
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
