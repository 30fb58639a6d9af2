// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IFeedMarket} from "./interfaces/IFeedMarket.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IDeviceOwnership} from "./interfaces/IDeviceOwnership.sol";
import {IRecipientTerms} from "./interfaces/IRecipientTerms.sol";

/// @title Feed market: device owners sell time-limited consents to their data streams.
/// @notice Trust model:
/// - The market holds no rights of its own. An owner approves it as grant agent on the consent
///   registry (setGrantAgent); the registry then lets it grant consents for that owner, and checks
///   at every grant that the owner still owns each device (ownership epoch). A device that changed
///   hands therefore makes its feed unsellable: the purchase reverts and the buyer keeps the money.
/// - Offering checks ownership and the agent approval up front (clear errors early); buying checks
///   the agent approval again (it can be withdrawn) and leaves device ownership, stream bits and the
///   policy to the registry, whose errors come through unchanged.
/// - Payment is exactly the current price: a price change between signing and inclusion makes the
///   purchase revert instead of charging a different amount.
/// - Paying is accepting: the purchase records, in the same transaction, that the buyer accepted the
///   terms of the consent it bought (RecipientTerms.acceptTermsForBuyer: the feed policy's penalty
///   and periods). A buyer that did not want them does not buy.
/// - Buyer protection (issue #12): the price is held by the market and released to the owner as the
///   period is served (settlePurchases, anyone may call it). A purchase ends early when the owner
///   revokes its consent or one of its devices changes hands (DeviceOwnership.epochStartedAt says
///   when); the unserved part is then refunded to the buyer. An owner can therefore never take the
///   money and revoke: what it withdraws is what it served.
/// - Earnings and refunds are paid out by pull (withdrawEarnings, withdrawRefund); the contract's
///   balance is always held + unwithdrawn earnings + unwithdrawn refunds (invariant-tested).
/// - Closing a feed stops new sales only; consents already sold run their period (the owner can
///   still revoke a consent on the registry, as for any consent: the buyer is then refunded).
contract FeedMarket is ReentrancyGuard, IFeedMarket {
    /// @notice Most devices in one feed.
    uint256 public constant MAX_FEED_DEVICES = 16;
    /// @notice Longest period one purchase buys.
    uint64 public constant MAX_PERIOD = 1825 days;
    /// @notice Longest purpose, in bytes.
    uint256 public constant MAX_PURPOSE_LENGTH = 256;
    /// @notice Streams are bits 0..7 (metric i of the device profile).
    uint32 internal constant STREAM_BITS = 0xff;

    /// @notice The consent registry the market grants through.
    IConsentRegistry public immutable consents;
    /// @notice The device ownership token (owners when a feed is offered; when a device changed hands).
    IDeviceOwnership public immutable ownership;
    /// @notice Where a purchase records the buyer's acceptance of the feed's terms.
    IRecipientTerms public immutable terms;

    /// @dev A purchase as stored (four slots). `previous` is the id of the buyer's purchase of the same
    /// feed before this one (0 = none).
    struct StoredPurchase {
        address buyer;
        uint64 feedId;
        uint64 start;
        uint64 expiry;
        uint64 previous;
        bool settled;
        uint128 consentId;
        uint128 price;
        uint128 released;
        uint128 refunded;
    }

    mapping(uint256 feedId => Feed) private _feeds;
    mapping(address owner => uint256[] feedIds) private _feedsOf;
    mapping(address owner => uint256) private _earnings;
    mapping(address buyer => uint256) private _refunds;
    mapping(uint256 purchaseId => StoredPurchase) private _purchases;
    mapping(address buyer => uint256[] purchaseIds) private _purchasesOf;
    /// @dev Id of the buyer's latest purchase of a feed.
    mapping(uint256 feedId => mapping(address buyer => uint256)) private _latest;
    uint256 private _feedCount;
    uint256 private _purchaseCount;
    uint256 private _totalHeld;
    uint256 private _totalEarnings;
    uint256 private _totalRefunds;

    /// @param consents_ The consent registry (IConsentRegistry); owners approve this market on it.
    /// @param ownership_ The device ownership token (IDeviceOwnership).
    /// @param terms_ The RecipientTerms (its deployer names this market there with setFeedMarket).
    constructor(IConsentRegistry consents_, IDeviceOwnership ownership_, IRecipientTerms terms_) {
        if (
            address(consents_) == address(0) ||
            address(ownership_) == address(0) ||
            address(terms_) == address(0)
        ) revert InvalidDependency();
        consents = consents_;
        ownership = ownership_;
        terms = terms_;
    }

    // ------------------------------------------------------------------ owners

    /// @inheritdoc IFeedMarket
    function offerFeed(
        address[] calldata devices,
        uint32 streams,
        uint256 priceWei,
        uint64 periodSeconds,
        bytes32 policyId,
        string calldata purpose
    ) external returns (uint256 feedId) {
        uint256 n = devices.length;
        if (n == 0) revert NoDevices();
        if (n > MAX_FEED_DEVICES) revert TooManyDevices(n, MAX_FEED_DEVICES);
        for (uint256 i; i < n; ++i) {
            address device = devices[i];
            for (uint256 j; j < i; ++j) {
                if (devices[j] == device) revert DuplicateDevice(device);
            }
            if (ownership.ownerOfDevice(device) != msg.sender) revert NotDeviceOwner(device, msg.sender);
        }
        if (streams == 0 || streams & ~STREAM_BITS != 0) revert InvalidStreams(streams);
        _requirePrice(priceWei);
        if (periodSeconds == 0 || periodSeconds > MAX_PERIOD) revert InvalidPeriod(periodSeconds);
        uint256 purposeLength = bytes(purpose).length;
        if (purposeLength == 0) revert EmptyPurpose();
        if (purposeLength > MAX_PURPOSE_LENGTH) revert PurposeTooLong(purposeLength, MAX_PURPOSE_LENGTH);
        if (!consents.isGrantAgent(msg.sender, address(this))) revert MarketNotGrantAgent(msg.sender);

        feedId = ++_feedCount;
        Feed storage f = _feeds[feedId];
        f.owner = msg.sender;
        f.streams = streams;
        f.period = periodSeconds;
        f.open = true;
        f.offeredAt = uint64(block.timestamp);
        f.price = priceWei;
        f.policyId = policyId;
        f.devices = devices;
        f.purpose = purpose;
        _feedsOf[msg.sender].push(feedId);
        emit FeedOffered(feedId, msg.sender, devices, streams, priceWei, periodSeconds, policyId, purpose);
    }

    /// @inheritdoc IFeedMarket
    function updateFeedPrice(uint256 feedId, uint256 priceWei) external {
        Feed storage f = _ownedOpenFeed(feedId);
        _requirePrice(priceWei);
        uint256 previous = f.price;
        f.price = priceWei;
        emit FeedPriceUpdated(feedId, previous, priceWei);
    }

    /// @inheritdoc IFeedMarket
    function closeFeed(uint256 feedId) external {
        Feed storage f = _ownedOpenFeed(feedId);
        f.open = false;
        emit FeedClosed(feedId, msg.sender);
    }

    /// @inheritdoc IFeedMarket
    function withdrawEarnings() external nonReentrant {
        uint256 amount = _earnings[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _earnings[msg.sender] = 0;
        _totalEarnings -= amount;
        emit EarningsWithdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert WithdrawFailed(msg.sender);
    }

    /// @inheritdoc IFeedMarket
    function withdrawRefund() external nonReentrant {
        uint256 amount = _refunds[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _refunds[msg.sender] = 0;
        _totalRefunds -= amount;
        emit RefundWithdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert WithdrawFailed(msg.sender);
    }

    /// @inheritdoc IFeedMarket
    function settlePurchases(uint256[] calldata purchaseIds) external returns (uint256 released, uint256 refunded) {
        for (uint256 i; i < purchaseIds.length; ++i) {
            uint256 id = purchaseIds[i];
            StoredPurchase storage p = _purchases[id];
            if (p.buyer == address(0) || p.settled) continue;
            (uint256 r, uint256 f) = _settle(id, p);
            released += r;
            refunded += f;
        }
    }

    // ------------------------------------------------------------------ buyers

    /// @inheritdoc IFeedMarket
    function buyFeed(uint256 feedId) external payable nonReentrant returns (uint256 consentId) {
        Feed storage f = _requireFeed(feedId);
        if (!f.open) revert FeedIsClosed(feedId);
        address owner = f.owner;
        if (msg.sender == owner) revert OwnFeed(feedId);
        uint256 price = f.price;
        if (msg.value != price) revert WrongPayment(price, msg.value);
        if (!consents.isGrantAgent(owner, address(this))) revert MarketNotGrantAgent(owner);

        uint64 start = _renewalStart(feedId);
        uint64 expiry = start + f.period;
        consentId = consents.grantConsentFor(
            owner,
            IConsentRegistry.ConsentTerms({
                recipient: msg.sender,
                devices: f.devices,
                streams: f.streams,
                commands: 0,
                policyId: f.policyId,
                start: start,
                expiry: expiry
            }),
            f.purpose
        );

        terms.acceptTermsForBuyer(msg.sender, consentId);

        ++f.sales;
        _totalHeld += price;
        uint256 purchaseId = ++_purchaseCount;
        _purchases[purchaseId] = StoredPurchase({
            buyer: msg.sender,
            feedId: uint64(feedId),
            start: start,
            expiry: expiry,
            previous: uint64(_latest[feedId][msg.sender]),
            settled: false,
            consentId: uint128(consentId),
            price: uint128(price),
            released: 0,
            refunded: 0
        });
        _purchasesOf[msg.sender].push(purchaseId);
        _latest[feedId][msg.sender] = purchaseId;
        emit FeedPurchased(feedId, msg.sender, consentId, price, start, expiry, purchaseId);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IFeedMarket
    function feed(uint256 feedId) external view returns (Feed memory) {
        return _requireFeed(feedId);
    }

    /// @inheritdoc IFeedMarket
    function feedsOf(address owner) external view returns (uint256[] memory) {
        return _feedsOf[owner];
    }

    /// @inheritdoc IFeedMarket
    function earningsOf(address owner) external view returns (uint256) {
        return _earnings[owner];
    }

    /// @inheritdoc IFeedMarket
    function purchasesOf(address buyer) external view returns (Purchase[] memory purchases) {
        uint256[] storage ids = _purchasesOf[buyer];
        uint256 n = ids.length;
        purchases = new Purchase[](n);
        for (uint256 i; i < n; ++i) purchases[i] = _view(ids[i]);
    }

    /// @inheritdoc IFeedMarket
    function purchase(uint256 purchaseId) external view returns (Purchase memory) {
        if (_purchases[purchaseId].buyer == address(0)) revert UnknownPurchase(purchaseId);
        return _view(purchaseId);
    }

    /// @inheritdoc IFeedMarket
    function purchaseEnd(uint256 purchaseId) external view returns (uint64) {
        StoredPurchase storage p = _purchases[purchaseId];
        if (p.buyer == address(0)) revert UnknownPurchase(purchaseId);
        return _endOf(p);
    }

    /// @inheritdoc IFeedMarket
    function latestConsentOf(uint256 feedId, address buyer) external view returns (uint256) {
        uint256 id = _latest[feedId][buyer];
        return id == 0 ? 0 : _purchases[id].consentId;
    }

    /// @inheritdoc IFeedMarket
    function refundOf(address buyer) external view returns (uint256) {
        return _refunds[buyer];
    }

    /// @inheritdoc IFeedMarket
    function totals() external view returns (uint256 held, uint256 earnings, uint256 refunds) {
        return (_totalHeld, _totalEarnings, _totalRefunds);
    }

    /// @inheritdoc IFeedMarket
    function purchaseCount() external view returns (uint256) {
        return _purchaseCount;
    }

    /// @inheritdoc IFeedMarket
    function feedCount() external view returns (uint256) {
        return _feedCount;
    }

    // ------------------------------------------------------------------ internal

    function _requireFeed(uint256 feedId) private view returns (Feed storage f) {
        f = _feeds[feedId];
        if (f.owner == address(0)) revert UnknownFeed(feedId);
    }

    function _ownedOpenFeed(uint256 feedId) private view returns (Feed storage f) {
        f = _requireFeed(feedId);
        if (f.owner != msg.sender) revert NotFeedOwner(feedId, msg.sender);
        if (!f.open) revert FeedIsClosed(feedId);
    }

    function _requirePrice(uint256 priceWei) private pure {
        if (priceWei == 0 || priceWei > type(uint128).max) revert InvalidPrice(priceWei);
    }

    /// @dev Where the caller's new consent from this feed starts: at the expiry of its latest
    /// purchase of the feed that is unexpired and not revoked, else now. Walks back over revoked
    /// purchases (an owner may revoke a prepaid renewal), so the new consent never overlaps one the
    /// buyer still holds and never leaves a gap after one it still holds.
    function _renewalStart(uint256 feedId) private view returns (uint64) {
        uint64 now_ = uint64(block.timestamp);
        uint256 id = _latest[feedId][msg.sender];
        while (id != 0) {
            StoredPurchase storage p = _purchases[id];
            if (p.expiry <= now_) break; // and so did every earlier unrevoked one (it ended before p began)
            if (consents.consent(p.consentId).revokedAt == 0) return p.expiry;
            id = p.previous;
        }
        return now_;
    }

    /// @dev Releases what the served time has earned; once the purchase has ended, refunds the rest
    /// and closes it. The end never moves before an earlier release: a revocation or a transfer
    /// happens at or after the block in which anything was released on the old end.
    function _settle(uint256 id, StoredPurchase storage p) private returns (uint256 released, uint256 refunded) {
        uint64 end = _endOf(p);
        uint64 now_ = uint64(block.timestamp);
        uint64 until = now_ < end ? now_ : end;
        uint256 price = p.price;
        uint256 vested = until <= p.start ? 0 : (price * (until - p.start)) / (p.expiry - p.start);
        uint256 already = p.released;
        if (vested > already) {
            released = vested - already;
            p.released = uint128(vested);
            address owner = _feeds[p.feedId].owner;
            _earnings[owner] += released;
            _totalEarnings += released;
            emit PaymentReleased(id, owner, released);
        }
        // Ended: the period is over, or it was cut short (revoked, a device moved: both in the past,
        // possibly before a prepaid renewal even started).
        if (now_ >= end || end < p.expiry) {
            refunded = price - p.released;
            p.refunded = uint128(refunded);
            p.settled = true;
            if (refunded != 0) {
                _refunds[p.buyer] += refunded;
                _totalRefunds += refunded;
            }
            emit PurchaseRefunded(id, p.buyer, refunded, end);
        }
        _totalHeld -= released + refunded;
    }

    /// @dev The purchase's expiry, or earlier its consent's revocation or the first transfer of one
    /// of its devices after the grant; never before its start.
    function _endOf(StoredPurchase storage p) private view returns (uint64 end) {
        end = p.expiry;
        uint256 consentId = p.consentId;
        uint64 revokedAt = consents.consent(consentId).revokedAt;
        if (revokedAt != 0 && revokedAt < end) end = revokedAt;
        (address[] memory devices, uint64[] memory epochs) = consents.consentDevices(consentId);
        for (uint256 i; i < devices.length; ++i) {
            if (ownership.ownershipEpoch(devices[i]) == epochs[i]) continue;
            uint64 movedAt = ownership.epochStartedAt(devices[i], epochs[i] + 1);
            if (movedAt < end) end = movedAt;
        }
        if (end < p.start) end = p.start;
    }

    function _view(uint256 id) private view returns (Purchase memory) {
        StoredPurchase storage p = _purchases[id];
        return
            Purchase({
                purchaseId: id,
                feedId: p.feedId,
                buyer: p.buyer,
                owner: _feeds[p.feedId].owner,
                start: p.start,
                expiry: p.expiry,
                consentId: p.consentId,
                price: p.price,
                released: p.released,
                refunded: p.refunded,
                settled: p.settled
            });
    }
}
