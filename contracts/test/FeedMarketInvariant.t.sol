// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test, console} from "./utils/Test.sol";
import {FeedMarketBase} from "./utils/FeedMarketBase.sol";
import {FeedMarket} from "../src/FeedMarket.sol";
import {IFeedMarket} from "../src/interfaces/IFeedMarket.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {ConsentRegistry} from "../src/ConsentRegistry.sol";

/// @notice Drives the market on the real contracts (FeedMarketBase fixture) with random offers, purchases (right and
/// wrong amounts), price changes, closings, settlements, withdrawals of earnings and refunds, device
/// transfers, agent approvals, revocations and time, and keeps ghost totals for the invariants.
contract FeedMarketHandler is FeedMarketBase {
    bool internal ready;
    address[2] internal owners;
    address[3] internal buyers;
    address[4] internal deviceList;

    uint256 public paidIn; // ghost: wei accepted by successful purchases
    uint256 public paidOut; // ghost: wei paid out by withdrawals (earnings and refunds)
    uint256 public earningsOut; // ghost: earnings withdrawn
    uint256 public refundsOut; // ghost: refunds withdrawn
    uint256 public sales;
    uint256 public refused;
    uint256 public renewals;
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
        owners = [alice, address(0xC0C2)];
        buyers = [buyer, otherBuyer, address(0xB0D)];
        deviceList = [d1, d2, d3, devices[3]];
        transfer(devices[3], owners[1]);
        approveMarket(owners[1], true);
        vm.deal(buyers[2], 100 ether);
        offerAs(alice, devices2(), PRICE, 7 days); // something to buy from the first call
        clock = block.timestamp;
    }

    function marketAddress() external view returns (FeedMarket) {
        return market;
    }

    function registryAddress() external view returns (ConsentRegistry) {
        return consents;
    }

    function ownerList() external view returns (address[2] memory) {
        return owners;
    }

    function buyerList() external view returns (address[3] memory) {
        return buyers;
    }

    // ------------------------------------------------------------------ actions

    function offerFeed(uint8 who, uint8 mask, uint96 price, uint32 period) external timed {
        address owner = owners[who % 2];
        address[] memory ds = new address[](4);
        uint256 n;
        for (uint256 i; i < 4; ++i) {
            if ((mask >> i) & 1 == 1 && ownership.ownerOfDevice(deviceList[i]) == owner) ds[n++] = deviceList[i];
        }
        if (n == 0) return;
        assembly {
            mstore(ds, n)
        }
        vm.prank(owner);
        try market.offerFeed(ds, uint32(bound(mask, 1, 0x3f)), bound(price, 1, 2 ether), uint64(bound(period, 1, 60 days)), 0, "fuzz") {} catch {}
    }

    function buyFeed(uint8 who, uint256 feedId, uint8 wrong) external timed {
        uint256 n = market.feedCount();
        if (n == 0) return;
        feedId = bound(feedId, 1, n);
        address b = buyers[who % 3];
        uint256 price = market.feed(feedId).price;
        uint256 value = wrong % 8 == 0 ? price + 1 : wrong % 8 == 1 ? price - 1 : price;
        uint256 before = market.latestConsentOf(feedId, b);
        vm.prank(b);
        try market.buyFeed{value: value}(feedId) {
            paidIn += value;
            ++sales;
            if (before != 0) ++renewals;
        } catch {
            ++refused;
        }
    }

    function updatePrice(uint8 who, uint256 feedId, uint96 price) external timed {
        uint256 n = market.feedCount();
        if (n == 0) return;
        vm.prank(owners[who % 2]);
        try market.updateFeedPrice(bound(feedId, 1, n), bound(price, 1, 2 ether)) {} catch {}
    }

    function closeFeed(uint8 who, uint256 feedId) external timed {
        uint256 n = market.feedCount();
        if (n == 0 || feedId % 4 != 0) return; // rarely
        vm.prank(owners[who % 2]);
        try market.closeFeed(bound(feedId, 1, n)) {} catch {}
    }

    function withdraw(uint8 who) external timed {
        address owner = owners[who % 2];
        uint256 amount = market.earningsOf(owner);
        vm.prank(owner);
        try market.withdrawEarnings() {
            paidOut += amount;
            earningsOut += amount;
        } catch {}
    }

    function withdrawRefund(uint8 who) external timed {
        address b = buyers[who % 3];
        uint256 amount = market.refundOf(b);
        vm.prank(b);
        try market.withdrawRefund() {
            paidOut += amount;
            refundsOut += amount;
        } catch {}
    }

    /// Anyone settles a random range of purchases.
    function settle(uint256 from, uint8 count) external timed {
        uint256 n = market.purchaseCount();
        if (n == 0) return;
        uint256 first = bound(from, 1, n);
        uint256 k = bound(count, 1, 4);
        uint256[] memory ids = new uint256[](k);
        for (uint256 i; i < k; ++i) ids[i] = first + i; // ids past the end are skipped
        market.settlePurchases(ids);
    }

    function transferDevice(uint8 device, uint8 to) external timed {
        if (to % 8 != 0) return; // rarely
        address d = deviceList[device % 4];
        address next = owners[(to / 8) % 2];
        if (ownership.ownerOfDevice(d) == next) return; // offerTransfer refuses a transfer to oneself
        transfer(d, next);
    }

    function setApproval(uint8 who, bool allowed) external timed {
        approveMarket(owners[who % 2], allowed || who % 4 != 0); // mostly approved
    }

    function revoke(uint256 consentId) external timed {
        uint256 n = consents.consentCount();
        if (n == 0) return;
        consentId = bound(consentId, 1, n);
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        if (c.revokedAt != 0) return;
        revoke(c.owner, consentId);
    }

    function elapse(uint32 secondsLater) external {
        clock += bound(secondsLater, 1, 20 days);
        vm.warp(clock);
    }
}

contract FeedMarketInvariantTest is Test {
    /// @dev forge's selector filter (what forge-std's StdInvariant declares).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    FeedMarketHandler internal handler;
    FeedMarket internal market;
    ConsentRegistry internal registry;

    function setUp() public {
        handler = new FeedMarketHandler();
        market = handler.marketAddress();
        registry = handler.registryAddress();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = FeedMarketHandler.offerFeed.selector;
        selectors[1] = FeedMarketHandler.buyFeed.selector;
        selectors[2] = FeedMarketHandler.buyFeed.selector; // purchases three times as often
        selectors[3] = FeedMarketHandler.buyFeed.selector;
        selectors[4] = FeedMarketHandler.updatePrice.selector;
        selectors[5] = FeedMarketHandler.closeFeed.selector;
        selectors[6] = FeedMarketHandler.withdraw.selector;
        selectors[7] = FeedMarketHandler.transferDevice.selector;
        selectors[8] = FeedMarketHandler.setApproval.selector;
        selectors[9] = FeedMarketHandler.revoke.selector;
        selectors[10] = FeedMarketHandler.elapse.selector;
        selectors[11] = FeedMarketHandler.settle.selector;
        selectors[12] = FeedMarketHandler.settle.selector;
        selectors[13] = FeedMarketHandler.withdrawRefund.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// What a run reached (shown with -vv).
    function afterInvariant() public view {
        console.log("feeds", market.feedCount());
        console.log("sales", handler.sales());
        console.log("renewals", handler.renewals());
        console.log("refused purchases", handler.refused());
    }

    /// The contract's balance is exactly what it holds for purchases plus the unwithdrawn earnings and
    /// refunds, and what came in minus what went out.
    function invariant_paymentsAccountingBalances() public view {
        (uint256 held, uint256 earnings, uint256 refunds) = market.totals();
        address[2] memory owners = handler.ownerList();
        address[3] memory buyers = handler.buyerList();
        uint256 owedEarnings = market.earningsOf(owners[0]) + market.earningsOf(owners[1]);
        uint256 owedRefunds;
        for (uint256 b; b < 3; ++b) owedRefunds += market.refundOf(buyers[b]);
        assertEq(earnings, owedEarnings, "earnings total != sum over owners");
        assertEq(refunds, owedRefunds, "refunds total != sum over buyers");
        assertEq(address(market).balance, held + earnings + refunds, "balance != held + earnings + refunds");
        assertEq(address(market).balance, handler.paidIn() - handler.paidOut(), "balance != paid in - paid out");
    }

    /// Issue #12: every buyer's payment is the seller's earnings + refunds + what is still held, and
    /// the seller was never released more than the time served so far.
    function invariant_paymentIsEarningsPlusRefundsPlusHeld() public view {
        (uint256 held, , ) = market.totals();
        uint256 prices;
        uint256 released;
        uint256 refunded;
        uint256 stillHeld;
        for (uint256 id = 1; id <= market.purchaseCount(); ++id) {
            IFeedMarket.Purchase memory p = market.purchase(id);
            assertLe(p.released + p.refunded, p.price, "more than paid went out of a purchase");
            if (p.settled) assertEq(p.released + p.refunded, p.price, "a settled purchase left something behind");
            uint64 end = market.purchaseEnd(id);
            uint256 now_ = handler.clock();
            uint256 until = now_ < end ? now_ : end;
            uint256 served = until <= p.start ? 0 : (p.price * (until - p.start)) / (p.expiry - p.start);
            assertLe(p.released, served, "released more than the time served");
            prices += p.price;
            released += p.released;
            refunded += p.refunded;
            stillHeld += p.price - p.released - p.refunded;
        }
        assertEq(prices, handler.paidIn(), "payments != sum of prices");
        assertEq(stillHeld, held, "held != sum over purchases");
        (, uint256 earnings, uint256 refunds) = market.totals();
        assertEq(released, earnings + handler.earningsOut(), "released != earnings credited");
        assertEq(refunded, refunds + handler.refundsOut(), "refunded != refunds credited");
        assertEq(prices, released + refunded + held, "payment != earnings + refunds + held");
    }

    /// Every sale is one consent granted through the market, recorded once for its buyer and counted on its feed.
    function invariant_salesMatchConsents() public view {
        uint256 sold;
        for (uint256 id = 1; id <= market.feedCount(); ++id) sold += market.feed(id).sales;
        address[3] memory buyers = handler.buyerList();
        uint256 recorded;
        for (uint256 b; b < 3; ++b) {
            IFeedMarket.Purchase[] memory ps = market.purchasesOf(buyers[b]);
            recorded += ps.length;
            for (uint256 i; i < ps.length; ++i) {
                IConsentRegistry.Consent memory c = registry.consent(ps[i].consentId);
                IFeedMarket.Feed memory f = market.feed(ps[i].feedId);
                assertEq(c.recipient, buyers[b], "recipient");
                assertEq(c.owner, f.owner, "owner");
                assertEq(c.grantedBy, address(market), "granted by the market");
                assertEq(c.streams, f.streams, "streams");
                assertEq(c.commands, 0, "never commands");
                assertEq(c.start, ps[i].start, "start");
                assertEq(c.expiry, ps[i].expiry, "expiry");
                assertEq(uint256(c.expiry - c.start), uint256(f.period), "one period");
            }
        }
        assertEq(sold, handler.sales(), "feed sales != successful purchases");
        assertEq(recorded, handler.sales(), "purchase records != successful purchases");
        assertEq(registry.consentCount(), handler.sales(), "grants != purchases (only the market grants here)");
    }

    /// A buyer's unrevoked consents from one feed never overlap (renewals continue, they do not stack).
    function invariant_unrevokedConsentsOfAFeedDoNotOverlap() public view {
        address[3] memory buyers = handler.buyerList();
        for (uint256 b; b < 3; ++b) {
            IFeedMarket.Purchase[] memory ps = market.purchasesOf(buyers[b]);
            for (uint256 i; i < ps.length; ++i) {
                if (registry.consent(ps[i].consentId).revokedAt != 0) continue;
                for (uint256 j = i + 1; j < ps.length; ++j) {
                    if (ps[j].feedId != ps[i].feedId || registry.consent(ps[j].consentId).revokedAt != 0) continue;
                    assertTrue(ps[j].start >= ps[i].expiry, "overlapping consents");
                }
            }
        }
    }
}
