// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {console} from "./utils/Test.sol";
import {FeedMarketBase} from "./utils/FeedMarketBase.sol";
import {FeedMarket} from "../src/FeedMarket.sol";
import {IFeedMarket} from "../src/interfaces/IFeedMarket.sol";
import {IConsentRegistry} from "../src/interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "../src/interfaces/IDeviceOwnership.sol";
import {IRecipientTerms} from "../src/interfaces/IRecipientTerms.sol";

/// @notice A feed owner that is a contract: its receive() re-enters withdrawEarnings once, or refuses ETH.
contract ContractOwner {
    FeedMarket internal immutable market;
    bool public refuse;
    bool public reentered;
    bool public innerSucceeded;
    uint256 public received;

    constructor(FeedMarket market_) {
        market = market_;
    }

    function setRefuse(bool value) external {
        refuse = value;
    }

    function approve(IConsentRegistry registry) external {
        registry.setGrantAgent(address(market), true);
    }

    function offer(address[] calldata ds, uint256 price) external returns (uint256) {
        return market.offerFeed(ds, 1, price, 1 days, bytes32(0), "p");
    }

    function withdraw() external {
        market.withdrawEarnings();
    }

    receive() external payable {
        require(!refuse, "no thanks");
        received += msg.value;
        if (!reentered) {
            reentered = true;
            try market.withdrawEarnings() {
                innerSucceeded = true;
            } catch {}
        }
    }
}

contract FeedMarketTest is FeedMarketBase {
    // ================================================================ constructor

    function test_constructor_refusesZeroDependencies() public {
        IRecipientTerms t = IRecipientTerms(address(recipientTerms));
        vm.expectRevert(IFeedMarket.InvalidDependency.selector);
        new FeedMarket(IConsentRegistry(address(0)), IDeviceOwnership(address(ownership)), t);
        vm.expectRevert(IFeedMarket.InvalidDependency.selector);
        new FeedMarket(IConsentRegistry(address(consents)), IDeviceOwnership(address(0)), t);
        vm.expectRevert(IFeedMarket.InvalidDependency.selector);
        new FeedMarket(IConsentRegistry(address(consents)), IDeviceOwnership(address(ownership)), IRecipientTerms(address(0)));
        assertEq(address(market.consents()), address(consents), "consents");
        assertEq(address(market.ownership()), address(ownership), "ownership");
    }

    // ================================================================ offer

    function test_offer_storesTheFeedAndEmits() public {
        address[] memory ds = devices2();
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.FeedOffered(1, alice, ds, PM25_NO2, PRICE, PERIOD, bytes32(0), PURPOSE);
        uint256 id = offer();
        assertEq(id, 1, "first id");
        IFeedMarket.Feed memory f = market.feed(id);
        assertEq(f.owner, alice, "owner");
        assertEq(f.streams, PM25_NO2, "streams");
        assertEq(f.period, PERIOD, "period");
        assertTrue(f.open, "open");
        assertEq(f.offeredAt, T0, "offeredAt");
        assertEq(f.sales, 0, "sales");
        assertEq(f.price, PRICE, "price");
        assertEq(f.policyId, bytes32(0), "policy");
        assertEq(f.devices.length, 2, "devices");
        assertEq(f.devices[0], d1, "d1");
        assertEq(f.devices[1], d2, "d2");
        assertEq(bytes(f.purpose), bytes(PURPOSE), "purpose");
        assertEq(market.feedCount(), 1, "count");
        uint256 id2 = offerAs(alice, devices2(), 1 wei, 1);
        uint256[] memory mine = market.feedsOf(alice);
        assertEq(mine.length, 2, "feedsOf");
        assertEq(mine[0], id, "feedsOf[0]");
        assertEq(mine[1], id2, "feedsOf[1]");
        assertEq(market.feedsOf(stranger).length, 0, "no feeds");
    }

    function test_offer_acceptsTheBounds() public {
        address[] memory ds = new address[](16);
        for (uint256 i; i < 16; ++i) ds[i] = newDevice(alice);
        string memory longest = string(new bytes(256));
        uint64 maxPeriod = market.MAX_PERIOD();
        vm.prank(alice);
        uint256 id = market.offerFeed(ds, 0xff, type(uint128).max, maxPeriod, keccak256("p"), longest);
        assertEq(market.feed(id).devices.length, 16, "16 devices");
    }

    function _expectOfferRefused(
        address caller,
        address[] memory ds,
        uint32 streams,
        uint256 price,
        uint64 period,
        string memory purpose,
        bytes memory err
    ) internal {
        vm.prank(caller);
        vm.expectRevert(err);
        market.offerFeed(ds, streams, price, period, bytes32(0), purpose);
        assertEq(market.feedCount(), 0, "state unchanged");
        assertEq(market.feedsOf(caller).length, 0, "no feed recorded");
    }

    function test_offer_refusesNoDevices() public {
        _expectOfferRefused(
            alice,
            new address[](0),
            PM25_NO2,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.NoDevices.selector)
        );
    }

    function test_offer_refusesTooManyDevices() public {
        address[] memory ds = new address[](17); // the count is checked before ownership
        for (uint256 i; i < 17; ++i) ds[i] = address(uint160(0x1000 + i));
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.TooManyDevices.selector, 17, 16)
        );
    }

    function test_offer_refusesDuplicateDevice() public {
        address[] memory ds = new address[](3);
        ds[0] = d1;
        ds[1] = d2;
        ds[2] = d1;
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.DuplicateDevice.selector, d1)
        );
    }

    function test_offer_refusesADeviceTheCallerDoesNotOwn() public {
        address[] memory ds = devices2();
        approveMarket(stranger, true);
        _expectOfferRefused(
            stranger,
            ds,
            PM25_NO2,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.NotDeviceOwner.selector, d1, stranger)
        );
        transfer(d2, stranger);
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.NotDeviceOwner.selector, d2, alice)
        );
        ds[1] = address(0xDEAD); // no token at all
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.NotDeviceOwner.selector, address(0xDEAD), alice)
        );
    }

    function test_offer_refusesBadStreams() public {
        address[] memory ds = devices2();
        _expectOfferRefused(
            alice,
            ds,
            0,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.InvalidStreams.selector, 0)
        );
        _expectOfferRefused(
            alice,
            ds,
            0x100,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.InvalidStreams.selector, 0x100)
        );
    }

    function test_offer_refusesZeroAndHugePrices() public {
        address[] memory ds = devices2();
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            0,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.InvalidPrice.selector, 0)
        );
        uint256 huge = uint256(type(uint128).max) + 1;
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            huge,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.InvalidPrice.selector, huge)
        );
    }

    function test_offer_refusesZeroAndTooLongPeriods() public {
        address[] memory ds = devices2();
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            0,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.InvalidPeriod.selector, 0)
        );
        uint64 tooLong = market.MAX_PERIOD() + 1;
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            tooLong,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.InvalidPeriod.selector, tooLong)
        );
    }

    function test_offer_refusesEmptyAndLongPurposes() public {
        address[] memory ds = devices2();
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            PERIOD,
            "",
            abi.encodeWithSelector(IFeedMarket.EmptyPurpose.selector)
        );
        _expectOfferRefused(
            alice,
            ds,
            PM25_NO2,
            PRICE,
            PERIOD,
            string(new bytes(257)),
            abi.encodeWithSelector(IFeedMarket.PurposeTooLong.selector, 257, 256)
        );
    }

    function test_offer_refusesAnOwnerWhoHasNotApprovedTheMarket() public {
        approveMarket(alice, false);
        _expectOfferRefused(
            alice,
            devices2(),
            PM25_NO2,
            PRICE,
            PERIOD,
            PURPOSE,
            abi.encodeWithSelector(IFeedMarket.MarketNotGrantAgent.selector, alice)
        );
    }

    // ================================================================ buy

    function test_buy_grantsAConsentForThePeriodAndHoldsThePrice() public {
        uint256 id = offer();
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.FeedPurchased(id, buyer, 1, PRICE, uint64(T0), uint64(T0) + PERIOD, 1);
        vm.prank(buyer);
        uint256 consentId = market.buyFeed{value: PRICE}(id);

        assertEq(consentId, 1, "consent id");
        assertEq(consents.consentCount(), 1, "one consent granted");
        IConsentRegistry.Consent memory c = consents.consent(consentId);
        assertEq(c.owner, alice, "owner");
        assertEq(c.recipient, buyer, "recipient");
        assertEq(c.grantedBy, address(market), "grantedBy");
        assertEq(c.streams, PM25_NO2, "streams");
        assertEq(c.commands, 0, "no commands");
        assertEq(c.policyId, bytes32(0), "policy");
        assertEq(c.start, T0, "start");
        assertEq(c.expiry, T0 + PERIOD, "expiry");
        assertEq(c.purposeHash, keccak256(bytes(PURPOSE)), "purpose");
        (address[] memory ds, ) = consents.consentDevices(consentId);
        assertEq(ds.length, 2, "devices");
        assertEq(ds[0], d1, "d1");
        assertEq(ds[1], d2, "d2");
        assertTrue(consents.isLive(consentId), "live");

        assertEq(market.earningsOf(alice), 0, "nothing released before it is served");
        assertEq(held(), PRICE, "held");
        assertEq(address(market).balance, PRICE, "balance");
        assertEq(buyer.balance, 100 ether - PRICE, "buyer paid");
        assertGt(recipientTerms.acceptedAt(consentId), 0, "paying accepted the feed's terms");
        assertEq(uint256(recipientTerms.termsOf(consentId).penaltyWei), DEFAULT_PENALTY, "no policy: the default");
        assertEq(market.feed(id).sales, 1, "sales");
        assertEq(market.latestConsentOf(id, buyer), consentId, "latest");
        IFeedMarket.Purchase[] memory ps = market.purchasesOf(buyer);
        assertEq(ps.length, 1, "purchases");
        assertEq(ps[0].feedId, id, "feedId");
        assertEq(ps[0].buyer, buyer, "buyer");
        assertEq(ps[0].consentId, consentId, "consentId");
        assertEq(ps[0].price, PRICE, "price");
        assertEq(ps[0].start, T0, "start");
        assertEq(ps[0].expiry, T0 + PERIOD, "expiry");
        assertEq(ps[0].purchaseId, 1, "purchase id");
        assertEq(ps[0].owner, alice, "seller");
        assertFalse(ps[0].settled, "open");

        vm.warp(T0 + PERIOD);
        assertFalse(consents.isLive(consentId), "over after the period");
        (uint256 released, uint256 refunded) = settleAll();
        assertEq(released, PRICE, "all served");
        assertEq(refunded, 0, "nothing to refund");
        assertEq(market.earningsOf(alice), PRICE, "earned");
        assertTrue(market.purchase(1).settled, "settled");
    }

    // ================================================================ buyer protection (issue #12)

    /// @dev The price is released as the period is served: a settlement halfway releases half.
    function test_release_asThePeriodIsServed() public {
        uint256 id = offer();
        buy(buyer, id);
        vm.warp(T0 + PERIOD / 2);
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.PaymentReleased(1, alice, PRICE / 2);
        (uint256 released, ) = settleAll();
        assertEq(released, PRICE / 2, "half");
        assertEq(market.purchase(1).released, PRICE / 2, "recorded");
        (released, ) = settleAll();
        assertEq(released, 0, "nothing more in the same second");
        vm.warp(T0 + PERIOD + 5 days);
        (released, ) = settleAll();
        assertEq(released, PRICE / 2, "the rest at the end, not more");
        assertEq(market.earningsOf(alice), PRICE, "the price, once");
    }

    /// @dev The owner revokes after ten days: ten days are the owner's, twenty are refunded.
    function test_refund_ownerRevokes() public {
        uint256 id = offer();
        uint256 consentId = buy(buyer, id);
        vm.warp(T0 + 10 days);
        vm.prank(alice);
        consents.revokeConsent(consentId);
        vm.warp(T0 + 12 days);
        assertEq(uint256(market.purchaseEnd(1)), T0 + 10 days, "ended at the revocation");
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.PurchaseRefunded(1, buyer, PRICE - PRICE / 3, uint64(T0 + 10 days));
        (uint256 released, uint256 refunded) = settleAll();
        assertEq(released, PRICE / 3, "a third served");
        assertEq(refunded, PRICE - PRICE / 3, "two thirds back");
        assertEq(released + refunded, PRICE, "nothing lost to rounding");
        uint256 before = buyer.balance;
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.RefundWithdrawn(buyer, refunded);
        vm.prank(buyer);
        market.withdrawRefund();
        assertEq(buyer.balance, before + refunded, "paid back");
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.NothingToWithdraw.selector, buyer));
        vm.prank(buyer);
        market.withdrawRefund();
        assertEq(held(), 0, "nothing held");
        (released, refunded) = settleAll();
        assertEq(released + refunded, 0, "a settled purchase is skipped");
    }

    /// @dev A device changes hands: the purchase ends at the transfer, even if settled much later.
    function test_refund_deviceChangesHands() public {
        uint256 id = offer();
        buy(buyer, id);
        vm.warp(T0 + 6 days);
        transfer(d2, erin);
        vm.warp(T0 + 25 days);
        assertEq(uint256(market.purchaseEnd(1)), T0 + 6 days, "ended at the transfer");
        (uint256 released, uint256 refunded) = settleAll();
        assertEq(released, PRICE / 5, "six days of thirty");
        assertEq(refunded, PRICE - PRICE / 5, "the rest back");
    }

    /// @dev A prepaid renewal revoked before it starts is refunded whole.
    function test_refund_prepaidRenewalRevokedBeforeItStarts() public {
        uint256 id = offer();
        buy(buyer, id);
        uint256 renewal = buy(buyer, id);
        vm.prank(alice);
        consents.revokeConsent(renewal);
        (, uint256 refunded) = settleAll();
        assertEq(refunded, PRICE, "renewal refunded whole");
        assertEq(market.refundOf(buyer), PRICE, "credited");
        assertFalse(market.purchase(1).settled, "the first still runs");
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.UnknownPurchase.selector, 9));
        market.purchase(9);
    }

    function test_buy_passesThePolicyOn() public {
        bytes32 policyId = publish(alice, "open-data", strictTerms());
        vm.prank(alice);
        uint256 id = market.offerFeed(devices2(), PM25_NO2, PRICE, PERIOD, policyId, PURPOSE);
        uint256 consentId = buy(buyer, id);
        assertEq(consents.consent(consentId).policyId, policyId, "policy");
    }

    /// @dev Every refused purchase: the error, and nothing moved (buyer's money, earnings, consents, records).
    function _expectBuyRefused(address who, uint256 feedId, uint256 value, bytes memory err) internal {
        uint256 balance = who.balance;
        uint256 consentsBefore = consents.consentCount();
        uint256 earnings = market.earningsOf(alice);
        uint256 balanceBefore = address(market).balance;
        uint256 purchases = market.purchasesOf(who).length;
        vm.prank(who);
        vm.expectRevert(err);
        market.buyFeed{value: value}(feedId);
        assertEq(who.balance, balance, "buyer keeps the money");
        assertEq(consents.consentCount(), consentsBefore, "no consent");
        assertEq(market.earningsOf(alice), earnings, "no earnings");
        assertEq(address(market).balance, balanceBefore, "no balance");
        assertEq(market.purchasesOf(who).length, purchases, "no purchase");
    }

    function test_buy_refusesAnUnknownFeed() public {
        _expectBuyRefused(buyer, 1, PRICE, abi.encodeWithSelector(IFeedMarket.UnknownFeed.selector, 1));
        uint256 id = offer();
        _expectBuyRefused(buyer, id + 1, PRICE, abi.encodeWithSelector(IFeedMarket.UnknownFeed.selector, id + 1));
        _expectBuyRefused(buyer, 0, PRICE, abi.encodeWithSelector(IFeedMarket.UnknownFeed.selector, 0));
    }

    function test_buy_refusesAClosedFeed() public {
        uint256 id = offer();
        vm.prank(alice);
        market.closeFeed(id);
        _expectBuyRefused(buyer, id, PRICE, abi.encodeWithSelector(IFeedMarket.FeedIsClosed.selector, id));
    }

    function test_buy_refusesAnyOtherAmountThanThePrice() public {
        uint256 id = offer();
        _expectBuyRefused(buyer, id, 0, abi.encodeWithSelector(IFeedMarket.WrongPayment.selector, PRICE, 0));
        _expectBuyRefused(buyer, id, PRICE - 1, abi.encodeWithSelector(IFeedMarket.WrongPayment.selector, PRICE, PRICE - 1));
        _expectBuyRefused(buyer, id, PRICE + 1, abi.encodeWithSelector(IFeedMarket.WrongPayment.selector, PRICE, PRICE + 1));
    }

    function test_buy_refusesTheOwner() public {
        uint256 id = offer();
        vm.deal(alice, 1 ether);
        uint256 before = alice.balance;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.OwnFeed.selector, id));
        market.buyFeed{value: PRICE}(id);
        assertEq(alice.balance, before, "kept");
    }

    function test_buy_refusedOnceTheOwnerWithdrawsTheMarketsApproval() public {
        uint256 id = offer();
        approveMarket(alice, false);
        _expectBuyRefused(buyer, id, PRICE, abi.encodeWithSelector(IFeedMarket.MarketNotGrantAgent.selector, alice));
        approveMarket(alice, true);
        buy(buyer, id);
    }

    function test_buy_refusedWhenADeviceChangedHands() public {
        uint256 id = offer();
        buy(buyer, id);
        transfer(d2, stranger);
        _expectBuyRefused(
            otherBuyer,
            id,
            PRICE,
            abi.encodeWithSelector(IConsentRegistry.NotDeviceOwner.selector, d2, alice)
        );
        // The earlier sale's consent is void for d2 (new epoch), still live for d1.
        assertEq(
            uint256(consents.checkConsent(1, d2, buyer, PM25_NO2, 0)),
            uint256(IConsentRegistry.Refusal.OwnershipChanged),
            "void for d2"
        );
        assertEq(uint256(consents.checkConsent(1, d1, buyer, PM25_NO2, 0)), 0, "d1 still");
    }

    function test_buy_bubblesTheRegistrysRefusal() public {
        bytes32 unknown = keccak256("never published");
        vm.prank(alice);
        uint256 id = market.offerFeed(devices2(), PM25_NO2, PRICE, PERIOD, unknown, PURPOSE);
        _expectBuyRefused(buyer, id, PRICE, abi.encodeWithSelector(IConsentRegistry.UnknownPolicy.selector, unknown));
    }

    // ================================================================ renewals

    function test_renew_whileLive_continuesAtTheExpiry() public {
        uint256 id = offer();
        uint256 first = buy(buyer, id);
        vm.warp(T0 + 10 days);
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.FeedPurchased(id, buyer, 2, PRICE, uint64(T0) + PERIOD, uint64(T0) + 2 * PERIOD, 2);
        uint256 second = buy(buyer, id);
        assertEq(consents.consent(second).start, T0 + PERIOD, "starts at the first's expiry");
        assertEq(consents.consent(second).expiry, T0 + 2 * PERIOD, "one more period");
        assertFalse(consents.isLive(second), "not yet");
        // A third, bought straight away, chains on the second (not yet started, but paid for).
        uint256 third = buy(buyer, id);
        assertEq(consents.consent(third).start, T0 + 2 * PERIOD, "chains");
        vm.warp(T0 + PERIOD);
        assertFalse(consents.isLive(first), "first over");
        assertTrue(consents.isLive(second), "second live");
        assertEq(held(), 3 * PRICE, "three sales held");
        settleAll();
        assertEq(market.earningsOf(alice), PRICE, "the first period served");
        assertEq(market.latestConsentOf(id, buyer), third, "latest");
    }

    function test_renew_afterExpiry_startsNow() public {
        uint256 id = offer();
        buy(buyer, id);
        vm.warp(T0 + PERIOD); // expiry is exclusive: the first is over
        uint256 second = buy(buyer, id);
        assertEq(consents.consent(second).start, T0 + PERIOD, "now");
        assertTrue(consents.isLive(second), "live");
    }

    function test_renew_afterRevocation_startsNow() public {
        uint256 id = offer();
        uint256 first = buy(buyer, id);
        vm.warp(T0 + 1 days);
        revoke(alice, first);
        uint256 second = buy(buyer, id);
        assertEq(consents.consent(second).start, T0 + 1 days, "no gap after a revoked consent");
    }

    function test_renew_afterARevokedPrepaidRenewal_continuesTheLiveOne() public {
        uint256 id = offer();
        uint256 first = buy(buyer, id); // [T0, T0+P)
        uint256 second = buy(buyer, id); // [T0+P, T0+2P), prepaid
        vm.warp(T0 + 1 days);
        revoke(alice, second);
        uint256 third = buy(buyer, id);
        assertEq(consents.consent(third).start, T0 + PERIOD, "continues the first, not overlapping it");
        revoke(alice, third);
        revoke(alice, first);
        assertEq(consents.consent(buy(buyer, id)).start, T0 + 1 days, "all revoked: now");
    }

    function test_renew_isPerBuyerAndPerFeed() public {
        uint256 a = offer();
        uint256 b = offerAs(alice, devices2(), PRICE, PERIOD);
        buy(buyer, a);
        assertEq(consents.consent(buy(otherBuyer, a)).start, T0, "other buyer starts now");
        assertEq(consents.consent(buy(buyer, b)).start, T0, "other feed starts now");
        assertEq(market.purchasesOf(buyer).length, 2, "buyer's purchases");
    }

    // ================================================================ price and closing

    function test_updatePrice_appliesToLaterPurchases() public {
        uint256 id = offer();
        buy(buyer, id);
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.FeedPriceUpdated(id, PRICE, 0.1 ether);
        vm.prank(alice);
        market.updateFeedPrice(id, 0.1 ether);
        _expectBuyRefused(otherBuyer, id, PRICE, abi.encodeWithSelector(IFeedMarket.WrongPayment.selector, 0.1 ether, PRICE));
        vm.prank(otherBuyer);
        market.buyFeed{value: 0.1 ether}(id);
        assertEq(held(), PRICE + 0.1 ether, "both prices held");
        assertEq(market.purchasesOf(buyer)[0].price, PRICE, "first price kept");
    }

    function test_updatePrice_refusals() public {
        uint256 id = offer();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.NotFeedOwner.selector, id, stranger));
        market.updateFeedPrice(id, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.InvalidPrice.selector, 0));
        market.updateFeedPrice(id, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.UnknownFeed.selector, id + 1));
        market.updateFeedPrice(id + 1, 1);
        vm.prank(alice);
        market.closeFeed(id);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.FeedIsClosed.selector, id));
        market.updateFeedPrice(id, 1);
        assertEq(market.feed(id).price, PRICE, "unchanged");
    }

    function test_close_stopsSalesButSoldConsentsRunTheirPeriod() public {
        uint256 id = offer();
        uint256 consentId = buy(buyer, id);
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.FeedClosed(id, alice);
        vm.prank(alice);
        market.closeFeed(id);
        assertFalse(market.feed(id).open, "closed");
        vm.warp(T0 + PERIOD - 1);
        assertTrue(consents.isLive(consentId), "still live");
        assertEq(held(), PRICE, "the price still held for the buyer");
    }

    function test_close_refusals() public {
        uint256 id = offer();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.NotFeedOwner.selector, id, stranger));
        market.closeFeed(id);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.UnknownFeed.selector, 7));
        market.closeFeed(7);
        vm.prank(alice);
        market.closeFeed(id);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.FeedIsClosed.selector, id));
        market.closeFeed(id);
    }

    function test_feed_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.UnknownFeed.selector, 1));
        market.feed(1);
    }

    // ================================================================ earnings

    function test_withdraw_paysOutOnce() public {
        uint256 id = offer();
        buy(buyer, id);
        buy(otherBuyer, id);
        vm.warp(T0 + PERIOD);
        settleAll();
        uint256 before = alice.balance;
        vm.expectEmit(true, true, true, true, address(market));
        emit IFeedMarket.EarningsWithdrawn(alice, 2 * PRICE);
        vm.prank(alice);
        market.withdrawEarnings();
        assertEq(alice.balance, before + 2 * PRICE, "paid");
        assertEq(market.earningsOf(alice), 0, "zeroed");
        assertEq(address(market).balance, 0, "empty");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.NothingToWithdraw.selector, alice));
        market.withdrawEarnings();
    }

    function test_withdraw_nothingForStrangers() public {
        uint256 id = offer();
        buy(buyer, id);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.NothingToWithdraw.selector, buyer));
        market.withdrawEarnings();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.NothingToWithdraw.selector, alice));
        market.withdrawEarnings(); // nothing served yet
        assertEq(held(), PRICE, "held untouched");
    }

    function test_withdraw_cannotBeReentered() public {
        ContractOwner owner = new ContractOwner(market);
        address[] memory ds = new address[](1);
        ds[0] = newDevice(address(owner));
        owner.approve(consents);
        uint256 id = owner.offer(ds, 1 ether);
        buy(buyer, id);
        buy(otherBuyer, id);
        vm.warp(block.timestamp + 1 days);
        settleAll();
        owner.withdraw();
        assertTrue(owner.reentered(), "tried");
        assertFalse(owner.innerSucceeded(), "re-entry refused");
        assertEq(owner.received(), 2 ether, "paid exactly once");
        assertEq(address(market).balance, 0, "empty");
    }

    function test_withdraw_failedTransferKeepsTheEarnings() public {
        ContractOwner owner = new ContractOwner(market);
        address[] memory ds = new address[](1);
        ds[0] = newDevice(address(owner));
        owner.approve(consents);
        uint256 id = owner.offer(ds, 1 ether);
        buy(buyer, id);
        vm.warp(block.timestamp + 1 days);
        settleAll();
        owner.setRefuse(true);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.WithdrawFailed.selector, address(owner)));
        owner.withdraw();
        assertEq(market.earningsOf(address(owner)), 1 ether, "kept");
        assertEq(address(market).balance, 1 ether, "held");
    }

    function test_noPlainTransfers() public {
        vm.prank(buyer);
        (bool ok, ) = address(market).call{value: 1 ether}("");
        assertFalse(ok, "the market takes money only through buyFeed");
    }

    // ================================================================ fuzz

    function testFuzz_offer_anyValidTermsAreStored(uint32 streams, uint256 price, uint64 period) public {
        streams = uint32(bound(streams, 1, 0xff));
        price = bound(price, 1, type(uint128).max);
        period = uint64(bound(period, 1, market.MAX_PERIOD()));
        uint256 id = offerAs(alice, devices2(), price, period);
        vm.prank(alice);
        market.updateFeedPrice(id, price); // same price again is allowed
        IFeedMarket.Feed memory f = market.feed(id);
        assertEq(f.price, price, "price");
        assertEq(f.period, period, "period");
    }

    function testFuzz_offer_refusesStreamsBeyondEightMetrics(uint32 streams) public {
        vm.assume(streams == 0 || streams > 0xff);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IFeedMarket.InvalidStreams.selector, streams));
        market.offerFeed(devices2(), streams, PRICE, PERIOD, bytes32(0), PURPOSE);
    }

    function testFuzz_buy_onlyTheExactPrice(uint256 price, uint256 paid) public {
        price = bound(price, 1, 50 ether);
        paid = bound(paid, 0, 100 ether);
        uint256 id = offerAs(alice, devices2(), price, PERIOD);
        vm.prank(buyer);
        if (paid != price) vm.expectRevert(abi.encodeWithSelector(IFeedMarket.WrongPayment.selector, price, paid));
        market.buyFeed{value: paid}(id);
        uint256 expected = paid == price ? price : 0;
        assertEq(held(), expected, "held");
        assertEq(address(market).balance, expected, "balance");
        assertEq(buyer.balance, 100 ether - expected, "buyer");
    }

    function testFuzz_renewals_chainWithoutGapsOrOverlaps(uint8 count, uint32 gap, uint64 period) public {
        uint256 n = bound(count, 1, 8);
        period = uint64(bound(period, 1, 365 days));
        uint256 id = offerAs(alice, devices2(), 1 gwei, period);
        uint64 paidUntil;
        for (uint256 i; i < n; ++i) {
            vm.warp(block.timestamp + bound(gap, 0, 2 * uint256(period)));
            uint256 consentId = buy(buyer, id);
            IConsentRegistry.Consent memory c = consents.consent(consentId);
            uint64 expectedStart = paidUntil > block.timestamp ? paidUntil : uint64(block.timestamp);
            assertEq(c.start, expectedStart, "start");
            assertEq(c.expiry, expectedStart + period, "expiry");
            paidUntil = c.expiry;
        }
        vm.warp(paidUntil);
        settleAll();
        assertEq(market.earningsOf(alice), n * 1 gwei, "every period served and released");
    }

    // ================================================================ gas (printed with -vv)
    // Call-frame gas only (no 21,000 base, no calldata), on the real registry (ConsentWorld).

    /// @dev Every slot of the market and of the contracts a grant reads cold again, as at the start
    /// of a transaction.
    function _cool() internal {
        vm.cool(address(market));
        vm.cool(address(consents));
        vm.cool(address(ownership));
        vm.cool(address(fleet));
        vm.cool(address(policyRegistry));
        vm.cool(address(recipientTerms));
    }

    function test_gas_report() public {
        address[] memory single = new address[](1);
        single[0] = d1;
        address[] memory three = new address[](3);
        (three[0], three[1], three[2]) = (d1, d2, d3);

        _cool();
        vm.prank(alice);
        uint256 g = gasleft();
        uint256 id1 = market.offerFeed(single, PM25_NO2, PRICE, PERIOD, bytes32(0), PURPOSE);
        console.log("offerFeed, 1 device", g - gasleft());
        _cool();
        vm.prank(alice);
        g = gasleft();
        uint256 id3 = market.offerFeed(three, PM25_NO2, PRICE, PERIOD, bytes32(0), PURPOSE);
        console.log("offerFeed, 3 devices", g - gasleft());

        // The registry's own grant, for subtraction: the same terms granted directly.
        IConsentRegistry.ConsentTerms memory direct =
            IConsentRegistry.ConsentTerms(otherBuyer, three, PM25_NO2, 0, 0, 0, uint64(T0 + PERIOD));
        _cool();
        vm.prank(alice);
        g = gasleft();
        consents.grantConsent(direct, PURPOSE);
        console.log("(registry grantConsent, 3 devices)", g - gasleft());

        _cool();
        vm.prank(buyer);
        g = gasleft();
        market.buyFeed{value: PRICE}(id3);
        console.log("buyFeed, 3 devices, first purchase (incl. the grant)", g - gasleft());
        _cool();
        vm.prank(buyer);
        g = gasleft();
        market.buyFeed{value: PRICE}(id3);
        console.log("buyFeed, 3 devices, renewal (incl. the grant)", g - gasleft());
        _cool();
        vm.prank(otherBuyer);
        g = gasleft();
        market.buyFeed{value: PRICE}(id1);
        console.log("buyFeed, 1 device, first purchase (incl. the grant)", g - gasleft());

        _cool();
        vm.prank(alice);
        g = gasleft();
        market.updateFeedPrice(id1, 2 * PRICE);
        console.log("updateFeedPrice", g - gasleft());
        _cool();
        vm.prank(alice);
        g = gasleft();
        market.closeFeed(id1);
        console.log("closeFeed", g - gasleft());
        vm.warp(T0 + PERIOD);
        uint256[] memory one_ = new uint256[](1);
        one_[0] = 1;
        _cool();
        g = gasleft();
        market.settlePurchases(one_);
        console.log("settlePurchases, 1 purchase of 3 devices, ended", g - gasleft());
        _cool();
        vm.prank(alice);
        g = gasleft();
        market.withdrawEarnings();
        console.log("withdrawEarnings", g - gasleft());
    }
}
